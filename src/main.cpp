#include "cli/cli.hpp"

int main(int argc, char** argv) { return cphfleet::cli_main(argc, argv); }
