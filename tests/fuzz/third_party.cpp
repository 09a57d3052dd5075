// Boost.JSON's implementation, compiled once with the fuzz build's instrumentation.
#include <boost/json/src.hpp>
