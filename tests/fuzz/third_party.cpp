// The TOML and JSON parsers' implementations, compiled once with the fuzz build's instrumentation.
#define TOML_IMPLEMENTATION
#include <toml++/toml.h>

#include <boost/json/src.hpp>
