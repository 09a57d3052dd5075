// The command line as data: the commands and options CLI11 holds after every command registered
// itself. `help`, the man page, the completion scripts and the "did you mean" for a mistyped word all
// read it from here, so none of them can drift from `--help`.
#pragma once
#include "base/diagnostic.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace cphfleet {

struct option_doc {
  std::vector<std::string> names;  // "-q", "--quiet"; empty for a positional
  std::string value;               // "TEXT", "INT", a positional's name; empty for a flag
  std::string description;
  std::vector<std::string> choices;  // the values an IsMember check allows
  bool positional = false;
  bool repeatable = false;
  bool required = false;
  bool takes_value() const { return !value.empty(); }
  // "-q, --quiet", "--config TEXT", "JOB"
  std::string synopsis() const;
};

struct command_doc {
  std::string name;
  std::string description;
  std::vector<option_doc> options;  // its own, positionals included, -h/--help left out
  // "validate JOB [--online]"
  std::string usage() const;
};

// What each exit code means (README "Exit codes"): the root's --help and the man page print it.
struct exit_code_doc {
  int code;
  std::string_view meaning;
};
extern const std::vector<exit_code_doc> exit_code_docs;
// The exit codes as the end of the root's --help.
std::string exit_codes_footer();

// Every visible command in the order they registered (a hidden one, like `man`, is left out).
std::vector<command_doc> command_docs(const CLI::App& root);
// The common options: defined on the root, accepted before or after any command (fallthrough).
std::vector<option_doc> common_option_docs(const CLI::App& root);

// Adds to every command's --help the common options it accepts. Call once every command is registered.
void show_common_options(CLI::App& root);

// The help text of the root (command null) or of one command, as `--help` prints it.
std::string help_text(const CLI::App& root, const CLI::App* command);

// For the words CLI11 could not place (`App::remaining(true)` after a parse error): a diagnostic
// naming the first word that is a mistyped command or option, with the closest spelling when there is
// one. `command` is the command being parsed, or null before one was seen.
std::optional<diagnostic> unknown_word(const CLI::App& root, const CLI::App* command,
                                       const std::vector<std::string>& words);

}  // namespace cphfleet
