// `cphfleet completion bash|zsh`: a completion script written from the app tree, so every command
// and option `--help` shows completes, and nothing else does.
#include "cli/app_tree.hpp"
#include "cli/cli.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

namespace cphfleet {
namespace {

std::vector<std::string> option_words(const std::vector<option_doc>& options) {
  std::vector<std::string> out;
  for (const auto& o : options)
    for (const auto& n : o.names) out.push_back(n);
  return out;
}

// The bash `case "$prev"` arms completing the value of each option that takes one: its choices, else
// file names.
std::string bash_value_cases(const std::vector<option_doc>& options, std::string_view indent) {
  std::string out;
  for (const auto& o : options) {
    if (o.positional || !o.takes_value()) continue;
    std::string action = o.choices.empty() ? "COMPREPLY=($(compgen -f -- \"$cur\"))"
                                           : fmt::format("COMPREPLY=($(compgen -W \"{}\" -- \"$cur\"))",
                                                         fmt::join(o.choices, " "));
    out += fmt::format("{}{}) {}; return ;;\n", indent, fmt::join(o.names, "|"), action);
  }
  return out;
}

std::string bash_script(const CLI::App& root) {
  std::vector<command_doc> commands = command_docs(root);
  std::vector<option_doc> common = common_option_docs(root);
  std::vector<std::string> names;
  for (const auto& c : commands) names.push_back(c.name);
  std::string out = fmt::format(
      "# bash completion for cphfleet, written by `cphfleet completion bash`.\n"
      "_cphfleet() {{\n"
      "  local cur=\"${{COMP_WORDS[COMP_CWORD]}}\" prev=\"${{COMP_WORDS[COMP_CWORD-1]}}\" command=\"\" i\n"
      "  COMPREPLY=()\n"
      "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
      "    case \"${{COMP_WORDS[i]}}\" in\n"
      "      {}) command=\"${{COMP_WORDS[i]}}\"; break ;;\n"
      "    esac\n"
      "  done\n"
      "  local common=\"{} -h --help\"\n"
      "  case \"$prev\" in\n{}  esac\n"
      "  case \"$command\" in\n"
      "    \"\")\n"
      "      COMPREPLY=($(compgen -W \"{} $common\" -- \"$cur\"))\n"
      "      return ;;\n",
      fmt::join(names, "|"), fmt::join(option_words(common), " "), bash_value_cases(common, "    "),
      fmt::join(names, " "));
  for (const auto& c : commands) {
    std::string words;
    for (const auto& o : c.options)
      if (o.positional && !o.choices.empty()) words = fmt::format("{}", fmt::join(o.choices, " "));
    out += fmt::format(
        "    {})\n"
        "      case \"$prev\" in\n{}      esac\n"
        "      if [[ \"$cur\" == -* ]]; then\n"
        "        COMPREPLY=($(compgen -W \"{} $common\" -- \"$cur\"))\n"
        "      else\n"
        "        COMPREPLY=($(compgen {} -- \"$cur\"))\n"
        "      fi ;;\n",
        c.name, bash_value_cases(c.options, "        "), fmt::join(option_words(c.options), " "),
        words.empty() ? "-f" : fmt::format("-W \"{}\"", words));
  }
  out +=
      "  esac\n"
      "}\n"
      "complete -o filenames -o bashdefault -F _cphfleet cphfleet\n";
  return out;
}

// Text inside a single-quoted zsh word that _arguments or _describe reads: no quote, and the
// characters they treat as syntax escaped.
std::string zsh_text(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else if (c == '[' || c == ']' || c == ':' || c == '\\') {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

std::string zsh_specs(const std::vector<option_doc>& options, std::string_view indent) {
  std::string out;
  for (const auto& o : options) {
    std::string action = o.choices.empty() ? "_files" : fmt::format("({})", fmt::join(o.choices, " "));
    if (o.positional) {
      out += fmt::format("{}'{}:{}:{}'\n", indent, o.repeatable ? "*" : "1", zsh_text(o.value), action);
      continue;
    }
    std::string value = o.takes_value() ? fmt::format(":{}:{}", zsh_text(o.value), action) : "";
    std::string repeat = o.repeatable ? "*" : "";
    if (o.names.size() == 1) {
      out += fmt::format("{}'{}{}[{}]{}'\n", indent, repeat, o.names[0], zsh_text(o.description), value);
    } else {
      out += fmt::format("{}'({})'{{{}}}'[{}]{}'\n", indent, fmt::join(o.names, " "), fmt::join(o.names, ","),
                         zsh_text(o.description), value);
    }
  }
  return out;
}

std::string zsh_script(const CLI::App& root) {
  std::vector<command_doc> commands = command_docs(root);
  std::string out =
      "#compdef cphfleet\n"
      "# zsh completion for cphfleet, written by `cphfleet completion zsh`.\n"
      "_cphfleet() {\n"
      "  local curcontext=\"$curcontext\" state line\n"
      "  local -a common commands\n"
      "  common=(\n";
  out += zsh_specs(common_option_docs(root), "    ");
  out += "    '(-h --help)'{-h,--help}'[Print this help message and exit]'\n  )\n  commands=(\n";
  for (const auto& c : commands) out += fmt::format("    '{}:{}'\n", c.name, zsh_text(c.description));
  out +=
      "  )\n"
      "  _arguments -C $common '1: :->command' '*:: :->args'\n"
      "  case $state in\n"
      "    command) _describe -t commands 'cphfleet command' commands ;;\n"
      "    args)\n"
      "      case $line[1] in\n";
  for (const auto& c : commands)
    out += fmt::format("        {}) _arguments $common \\\n{}          ;;\n", c.name, [&] {
      std::string specs = zsh_specs(c.options, "          ");
      std::string joined;
      for (std::size_t at = 0; at < specs.size();) {
        auto nl = specs.find('\n', at);
        joined += specs.substr(at, nl - at) + " \\\n";
        at = nl + 1;
      }
      return joined;
    }());
  out +=
      "      esac ;;\n"
      "  esac\n"
      "}\n"
      "_cphfleet \"$@\"\n";
  return out;
}

}  // namespace

void add_completion_command(CLI::App& app, const common_options&, int& result) {
  auto shell = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "completion",
      "Print a completion script: eval \"$(cphfleet completion bash)\", or save it (zsh: as _cphfleet)");
  cmd->add_option("shell", *shell, "bash or zsh")->required()->check(CLI::IsMember({"bash", "zsh"}));
  cmd->callback([&app, &result, shell] {
    fmt::print("{}", *shell == "bash" ? bash_script(app) : zsh_script(app));
    result = exit_code::ok;
  });
}

}  // namespace cphfleet
