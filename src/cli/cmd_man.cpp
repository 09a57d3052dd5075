// `cphfleet man`: the manual page cphfleet(1) in roff, written from the app tree `--help` prints, so
// the two cannot drift. Hidden: the build runs it to make the installed page (CMakeLists.txt).
#include "cli/app_tree.hpp"
#include "cli/cli.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdio>

namespace cphfleet {
namespace {

// Text safe in a roff line: a backslash written as \e, every hyphen as \- (so options copy and paste
// as ASCII), and a leading . or ' kept from reading as a request.
std::string roff(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\')
      out += "\\e";
    else if (c == '-')
      out += "\\-";
    else
      out += c;
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

std::string option_item(const option_doc& o) {
  std::string head;
  if (o.positional) {
    head = fmt::format("\\fI{}\\fR", roff(o.value));
  } else {
    for (const auto& n : o.names) head += fmt::format("{}\\fB{}\\fR", head.empty() ? "" : ", ", roff(n));
    if (o.takes_value()) head += fmt::format(" \\fI{}\\fR", roff(o.value));
  }
  std::string text = o.description;
  if (!o.choices.empty()) {
    std::string list;
    for (const auto& c : o.choices) list += (list.empty() ? "" : ", ") + c;
    if (text.find(list) == std::string::npos && text.find(o.choices.front()) == std::string::npos)
      text += " (" + list + ")";
  }
  return fmt::format(".TP\n{}\n{}\n", head, roff(text));
}

std::string man_page(const CLI::App& root) {
  std::string out = fmt::format(
      ".TH CPHFLEET 1 \"\" \"cphfleet {}\" \"User Commands\"\n"
      ".SH NAME\n"
      "cphfleet \\- batch provisioning of Huawei Cloud Cloud Phone (CPH) servers\n"
      ".SH SYNOPSIS\n"
      ".B cphfleet\n"
      "[\\fIcommon options\\fR] \\fICOMMAND\\fR [\\fIoptions\\fR] [\\fIcommon options\\fR]\n"
      ".SH DESCRIPTION\n"
      "cphfleet reads a TOML job file, checks it against every rule of the purchase API, splits each "
      "fleet into calls of at most 10 servers, sends them through a rate\\-limited, retrying scheduler "
      "and records every order in a CSV ledger. A run buys only what the ledger does not already hold.\n"
      ".SH COMMON OPTIONS\n"
      "Accepted before or after any command.\n",
      CPHFLEET_VERSION);
  for (const auto& o : common_option_docs(root)) out += option_item(o);
  out += ".SH COMMANDS\n";
  for (const auto& c : command_docs(root)) {
    out += fmt::format(".SS \"cphfleet {}\"\n{}\n", roff(c.usage()), roff(c.description));
    for (const auto& o : c.options) out += option_item(o);
  }
  out += ".SH EXIT STATUS\n";
  for (const auto& e : exit_code_docs) out += fmt::format(".TP\n.B {}\n{}\n", e.code, roff(e.meaning));
  out +=
      ".SH ENVIRONMENT\n"
      ".TP\n.B HUAWEICLOUD_SDK_AK\\fR, \\fBHUAWEICLOUD_SDK_SK\\fR, \\fBHUAWEICLOUD_SDK_SECURITY_TOKEN\n"
      "Access keys, as the official SDKs read them; first of the credential sources.\n"
      ".TP\n.B HUAWEICLOUD_SDK_CREDENTIALS_FILE\n"
      "The SDKs' credentials file (default \\fI~/.huaweicloud/credentials\\fR, mode 600).\n"
      ".TP\n.B HUAWEICLOUD_SDK_PROJECT_ID\n"
      "The project, when the config does not name one.\n"
      ".TP\n.B CPHFLEET_ECS_METADATA_URL\n"
      "The ECS metadata service giving an agency's temporary keys (default http://169.254.169.254).\n"
      ".TP\n.B CPHFLEET_AUTH_TOKEN\n"
      "The token sent as X\\-Auth\\-Token with [auth] method = \"token\".\n"
      ".SH SEE ALSO\n"
      "The README of cphfleet, and \\fBcphfleet help\\fR \\fICOMMAND\\fR.\n";
  return out;
}

}  // namespace

void add_man_command(CLI::App& app, const common_options&, int& result) {
  CLI::App* cmd = app.add_subcommand("man", "Print the manual page cphfleet(1) in roff");
  cmd->group("");  // hidden: a build step, not an operator's command
  cmd->callback([&app, &result] {
    fmt::print("{}", man_page(app));
    result = exit_code::ok;
  });
}

}  // namespace cphfleet
