// `cphfleet help [COMMAND]`: the root's --help, or COMMAND's, from the same app tree.
#include "cli/app_tree.hpp"
#include "cli/cli.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

namespace cphfleet {

void add_help_command(CLI::App& app, const common_options&, int& result) {
  auto command = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("help", "Show the help of cphfleet or of one command");
  cmd->add_option("command", *command, "The command to describe");
  cmd->callback([&app, &result, command] {
    if (command->empty()) {
      fmt::print("{}", help_text(app, nullptr));
      result = exit_code::ok;
      return;
    }
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
      if (sub->get_name() == *command) {
        fmt::print("{}", help_text(app, sub));
        result = exit_code::ok;
        return;
      }
    }
    if (auto d = unknown_word(app, nullptr, {*command})) fmt::print(stderr, "{}\n", d->to_string());
    result = exit_code::invalid;
  });
}

}  // namespace cphfleet
