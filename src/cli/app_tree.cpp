#include "cli/app_tree.hpp"

#include "app/exit_codes.hpp"
#include "base/toml_reader.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <string_view>

namespace cphfleet {
namespace {

// The values of an IsMember check, read back from the option's type name: "TEXT:{text,json}".
std::vector<std::string> choices_of(const CLI::Option& opt) {
  std::string type = opt.get_type_name();
  auto open = type.find('{');
  auto close = type.find('}', open == std::string::npos ? 0 : open);
  if (open == std::string::npos || close == std::string::npos) return {};
  std::vector<std::string> out;
  std::string_view list(type.data() + open + 1, close - open - 1);
  while (!list.empty()) {
    auto comma = list.find(',');
    out.emplace_back(list.substr(0, comma));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

option_doc doc_of(const CLI::Option& opt) {
  option_doc d;
  for (const auto& s : opt.get_snames()) d.names.push_back("-" + s);
  for (const auto& l : opt.get_lnames()) d.names.push_back("--" + l);
  d.positional = d.names.empty();
  d.description = opt.get_description();
  d.choices = choices_of(opt);
  d.required = opt.get_required();
  d.repeatable =
      opt.get_expected_max() > 1 || opt.get_multi_option_policy() == CLI::MultiOptionPolicy::TakeAll;
  if (d.positional) {
    d.value = opt.get_name(true);
  } else if (opt.get_expected_max() != 0) {  // a flag expects no value
    std::string type = opt.get_type_name();
    d.value = type.substr(0, type.find(':'));
    if (d.value.empty()) d.value = "VALUE";
  }
  return d;
}

bool is_help(const CLI::App& app, const CLI::Option* opt) {
  return opt == app.get_help_ptr() || opt == app.get_help_all_ptr();
}

std::vector<option_doc> option_docs(const CLI::App& app) {
  std::vector<option_doc> out;
  for (const CLI::Option* opt : app.get_options()) {
    if (is_help(app, opt) || opt->get_group().empty()) continue;
    out.push_back(doc_of(*opt));
  }
  // Positionals first, as a usage line reads.
  std::stable_partition(out.begin(), out.end(), [](const option_doc& d) { return d.positional; });
  return out;
}

std::vector<const CLI::App*> visible_commands(const CLI::App& root) {
  return root.get_subcommands([](const CLI::App* sub) { return !sub->get_group().empty(); });
}

}  // namespace

const std::vector<exit_code_doc> exit_code_docs = {
    {exit_code::ok, "every fleet at its target"},
    {exit_code::failed,
     "some chunks failed (or the run stopped short of a target), or an error stopped a run after a "
     "purchase; audit: ledger and account disagree; adopt: a fleet's servers could not be listed"},
    {exit_code::invalid,
     "invalid input or config, the spend guard, or servers on the account that the ledger lacks: nothing "
     "was sent"},
    {exit_code::unresolved, "unresolved (unknown) chunks remain"},
    {exit_code::aborted, "aborted: authentication refused, or the circuit opened after ambiguous answers"},
    {exit_code::locked, "another process holds the ledger (the message names it)"},
    {exit_code::sigint, "interrupted by SIGINT, after recording what was in flight"},
    {exit_code::sigterm, "interrupted by SIGTERM, after recording what was in flight"},
};

std::string exit_codes_footer() {
  // Lines of at most 100 columns, as README's code blocks; a long meaning goes on under itself.
  constexpr std::size_t width = 100, indent = 7;
  std::string out = "Exit codes:\n";
  for (const auto& e : exit_code_docs) {
    std::string line = fmt::format("  {:<4} ", e.code);
    std::string_view rest = e.meaning;
    while (!rest.empty()) {
      auto space = rest.find(' ');
      std::string_view word = rest.substr(0, space);
      if (line.size() > indent && line.size() + word.size() > width) {
        out += line.substr(0, line.size() - 1) + "\n";
        line.assign(indent, ' ');
      }
      line += std::string(word) + " ";
      rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
    }
    out += line.substr(0, line.size() - 1) + "\n";
  }
  return out;
}

std::string option_doc::synopsis() const {
  if (positional) return value;
  std::string out = fmt::format("{}", fmt::join(names, ", "));
  if (takes_value()) out += " " + value;
  return out;
}

std::string command_doc::usage() const {
  std::string out = name;
  for (const auto& o : options) {
    std::string word = o.positional ? o.value : o.names.back() + (o.takes_value() ? " " + o.value : "");
    if (o.repeatable) word += "...";
    out += o.required ? " " + word : " [" + word + "]";
  }
  return out;
}

std::vector<command_doc> command_docs(const CLI::App& root) {
  std::vector<command_doc> out;
  for (const CLI::App* sub : visible_commands(root))
    out.push_back({sub->get_name(), sub->get_description(), option_docs(*sub)});
  return out;
}

std::vector<option_doc> common_option_docs(const CLI::App& root) { return option_docs(root); }

void show_common_options(CLI::App& root) {
  // Laid out as CLI11 lays out each command's own options.
  CLI::Formatter layout;
  std::string footer = "Common options (before or after the command):\n";
  for (const CLI::Option* opt : root.get_options()) {
    if (is_help(root, opt) || opt->get_group().empty()) continue;
    footer += layout.make_option(opt, false);
  }
  for (CLI::App* sub : root.get_subcommands([](CLI::App*) { return true; })) sub->footer(footer);
}

std::string help_text(const CLI::App& root, const CLI::App* command) {
  // Not App::help(): while `help` runs, it would describe the `help` command itself.
  if (command == nullptr)
    return root.get_formatter()->make_help(&root, root.get_name(), CLI::AppFormatMode::Normal);
  return command->get_formatter()->make_help(command, root.get_name() + " " + command->get_name(),
                                             CLI::AppFormatMode::Normal);
}

std::optional<diagnostic> unknown_word(const CLI::App& root, const CLI::App* command,
                                       const std::vector<std::string>& words) {
  for (const std::string& word : words) {
    if (word.starts_with("-")) {
      // `--onlin=x` is the option `--onlin`.
      std::string name = word.substr(0, word.find('='));
      std::vector<std::string> names;
      for (const auto& d : common_option_docs(root))
        for (const auto& n : d.names) names.push_back(n);
      if (command != nullptr)
        for (const auto& d : option_docs(*command))
          for (const auto& n : d.names) names.push_back(n);
      names.insert(names.end(), {"-h", "--help"});
      if (std::find(names.begin(), names.end(), name) != names.end()) continue;
      // The dashes carry no spelling: compare what follows them, the way the job file compares keys.
      std::vector<std::string_view> bare;
      for (const auto& n : names) bare.push_back(std::string_view(n).substr(n.find_first_not_of('-')));
      std::string_view close = closest_key(
          std::string_view(name).substr(std::min(name.find_first_not_of('-'), name.size())), bare);
      std::string where =
          command != nullptr ? fmt::format("{} {}", root.get_name(), command->get_name()) : root.get_name();
      std::string message = fmt::format("is not an option of {}", where);
      if (!close.empty()) {
        for (std::size_t i = 0; i < bare.size(); ++i)
          if (bare[i].data() == close.data()) message += fmt::format(" (did you mean {}?)", names[i]);
      } else {
        message += fmt::format(" (see {} --help)", where);
      }
      return diagnostic{"", 0, 0, name, message};
    }
    if (command != nullptr) continue;  // an extra argument of a command: CLI11's message says it
    std::vector<std::string_view> names;
    for (const CLI::App* sub : visible_commands(root)) names.push_back(sub->get_name());
    std::string_view close = closest_key(word, names);
    std::string message = close.empty()
                              ? fmt::format("is not a command (allowed: {})", fmt::join(names, ", "))
                              : fmt::format("is not a command (did you mean {}?)", close);
    return diagnostic{"", 0, 0, word, message};
  }
  return std::nullopt;
}

}  // namespace cphfleet
