// `cphfleet emulator [options]`: the local CPH service, until SIGINT or SIGTERM.
#include "base/log.hpp"
#include "cli/cli.hpp"
#include "emulator/faults.hpp"
#include "emulator/routes.hpp"
#include "emulator/server.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <unistd.h>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace cphfleet {
namespace {

struct emulator_cli {
  emulator_options options;
  std::string port_file;
  std::vector<std::string> faults;  // KIND:P
};

// Written to a temporary name and renamed, so a reader polling for the file never sees half of it.
void write_port_file(const std::filesystem::path& path, unsigned short port) {
  auto tmp = path;
  tmp += fmt::format(".tmp{}", ::getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << '\n';
    out.close();
    if (!out) throw std::runtime_error(fmt::format("--port-file \"{}\": cannot write", tmp.string()));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw std::runtime_error(fmt::format("--port-file \"{}\": {}", path.string(), ec.message()));
}

int run_emulator(emulator_cli& cli) {
  for (const auto& f : cli.faults) {
    auto [kind, p] = parse_fault_option(f);
    cli.options.faults[std::string(fault_name(kind))] = p;
  }
  net::io_context ioc{1};
  emulator emu(ioc, cli.options);
  tcp::endpoint bound = emu.start();
  if (!cli.port_file.empty()) write_port_file(cli.port_file, bound.port());
  log_info("emulator listening on {}", emu.url());

  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    log_info("emulator: signal {}, stopping", signal);
    emu.stop();
  });
  ioc.run();
  return exit_code::ok;
}

}  // namespace

void add_emulator_command(CLI::App& app, const common_options&, int& result) {
  auto cli = std::make_shared<emulator_cli>();
  emulator_options& o = cli->options;
  CLI::App* cmd = app.add_subcommand("emulator", "Run the local CPH emulator until SIGINT/SIGTERM");
  cmd->add_option("--listen", o.listen, "HOST:PORT to listen on; port 0 takes any free port")
      ->capture_default_str();
  cmd->add_option("--port-file", cli->port_file, "Write the bound port here once listening");
  cmd->add_option("--tls-cert", o.tls_cert, "PEM certificate chain: serve HTTPS (with --tls-key)");
  cmd->add_option("--tls-key", o.tls_key, "PEM private key for --tls-cert");
  cmd->add_option("--ak", o.ak, "Require SDK-HMAC-SHA256 signatures with this access key (with --sk)");
  cmd->add_option("--sk", o.sk, "Secret key for --ak");
  cmd->add_option("--token", o.token, "Require X-Auth-Token equal to this");
  cmd->add_option("--domain-id", o.domain_id, "Require X-Domain-Id equal to this on billing calls");
  cmd->add_option(
         "--metadata-lifetime", o.metadata_lifetime_s,
         "Serve the ECS metadata keys on /openstack/latest/securitykey, each fetch's keys valid this "
         "many seconds (accepted with --ak); 0 = not served")
      ->capture_default_str();
  cmd->add_option("--rate-limit", o.rate_limit, "Requests per second per API, burst the same; 0 = unlimited")
      ->capture_default_str();
  cmd->add_option("--latency", o.latency_ms, "Delay every API answer by this many ms")->capture_default_str();
  cmd->add_option("--settle", o.settle_ms, "New servers show in reads this many ms after their order")
      ->capture_default_str();
  cmd->add_option("--provision", o.boot_ms,
                  "Provisioning time in ms: from order (or payment) to server normal and phones running")
      ->capture_default_str();
  cmd->add_option("--pay-ms", o.pay_ms,
                  "A payment by PayOrders is processing this many ms before the order is paid and its "
                  "servers come; 0 = at once")
      ->capture_default_str();
  cmd->add_option("--fault", cli->faults,
                  "KIND:P, repeatable: probability per purchase of a fault, per server created for "
                  "provision_fail and phone_fail, per PayOrders call for pay_drop (" +
                      fault_kind_list() + ")")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--script", o.script,
                  "N:KIND,...: the Nth purchase (counted after auth and the rate limit) gets KIND; for "
                  "pay_drop, the Nth PayOrders call");
  cmd->add_option("--seed", o.seed, "Seed of the fault draws: the same seed repeats the same faults")
      ->capture_default_str();
  cmd->add_option("--catalog", o.catalog_file, "TOML catalog replacing the built-in one");
  cmd->add_option(
         "--forbid", o.forbidden_apis,
         "API, repeatable: answer it 403 CPS.0001, as an IAM policy that denies it (" + api_name_list() + ")")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--max-connections", o.max_connections,
                  "Connections open at once; more are closed as soon as they arrive")
      ->capture_default_str();
  cmd->callback([cli, &result] { result = run_emulator(*cli); });
}

}  // namespace cphfleet
