// cphfleet_bench: the performance scenarios of README "Performance". Each runs the built `cphfleet` as a
// child process against `cphfleet emulator` (another child process, on 127.0.0.1), measures it with
// wait4() (CPU time, peak RSS) and the emulator's own clock (order times, throttle counts), and prints
// one table of figures against their goals. Figures are reported, never asserted: this is not a test.
//
//   cphfleet_bench [--binary PATH] [--keep] [--only NAME[,NAME...]]
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "base/log.hpp"
#include "base/time_text.hpp"
#include "input/job_file.hpp"
#include "ledger/reader.hpp"
#include "support/test_http.hpp"
#include "support/test_process.hpp"

namespace cphfleet::bench {
namespace {

using test::child_process;
using test::emulator_child;
using test::slurp;
using clock_type = std::chrono::steady_clock;

constexpr const char* k_ak = "BENCHACCESSKEY000001";
constexpr const char* k_sk = "bench-secret-key";
constexpr const char* k_project = "0123456789abcdef0123456789abcdef";

std::string g_binary = CPHFLEET_BINARY;

std::vector<std::string> aksk_env() {
  return {std::string("HUAWEICLOUD_SDK_AK=") + k_ak,
          std::string("HUAWEICLOUD_SDK_SK=") + k_sk,
          "HTTPS_PROXY=",
          "https_proxy=",
          "NO_PROXY=",
          "no_proxy="};
}

void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

// ---- a measured child: wait4() gives its CPU time and peak RSS ----

struct measured {
  int exit_code = -1;
  double wall_s = 0;
  double cpu_s = 0;       // user + system
  double max_rss_mb = 0;  // ru_maxrss
  std::string out, err;
};

measured run_measured(const std::vector<std::string>& args, const std::filesystem::path& dir,
                      const std::string& name, std::chrono::seconds timeout = std::chrono::seconds(150)) {
  std::vector<std::string> argv{g_binary};
  argv.insert(argv.end(), args.begin(), args.end());
  auto out_path = dir / (name + ".out"), err_path = dir / (name + ".err");
  auto started = clock_type::now();
  measured m;
  rusage usage{};
  {
    child_process child(argv, aksk_env(), out_path, err_path);
    m.exit_code = child.wait(timeout, &usage);
  }
  m.wall_s = std::chrono::duration<double>(clock_type::now() - started).count();
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  m.cpu_s = seconds(usage.ru_utime) + seconds(usage.ru_stime);
  m.max_rss_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;  // KiB on Linux
  m.out = slurp(out_path);
  m.err = slurp(err_path);
  return m;
}

// `key=value` fields of the last log line whose message is `what` (`... status round key=value ...`).
std::map<std::string, std::string> log_fields(const std::string& err, const std::string& what) {
  std::map<std::string, std::string> out;
  auto at = err.rfind(" " + what);
  if (at == std::string::npos) return out;
  auto end = err.find('\n', at);
  std::istringstream words(err.substr(at, end == std::string::npos ? std::string::npos : end - at));
  std::string word;
  while (words >> word) {
    auto eq = word.find('=');
    if (eq != std::string::npos) out[word.substr(0, eq)] = word.substr(eq + 1);
  }
  return out;
}

// The same for the run's last line `... run finished key=value ...`.
std::map<std::string, std::string> finished_fields(const std::string& err) {
  return log_fields(err, "run finished");
}

double number_of(const std::map<std::string, std::string>& fields, const std::string& key) {
  auto it = fields.find(key);
  return it == fields.end() ? -1 : std::stod(it->second);
}

// ---- the emulator as a child process ----

struct tls_files {
  std::filesystem::path ca, cert, key;
};

// A CA and a server certificate for 127.0.0.1, made with the openssl CLI.
tls_files make_pki(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "ext.cnf") << "subjectAltName=IP:127.0.0.1\n";
  const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  std::string d = dir.string();
  for (const std::string& cmd :
       {fmt::format(
            "openssl req -x509 {} -keyout {}/ca.key -out {}/ca.pem -days 2 -subj /CN=cphfleet-bench-ca "
            "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign",
            ec, d, d),
        fmt::format("openssl req {} -keyout {}/server.key -out {}/server.csr -subj /CN=127.0.0.1", ec, d, d),
        fmt::format("openssl x509 -req -in {0}/server.csr -CA {0}/ca.pem -CAkey {0}/ca.key -CAcreateserial "
                    "-out {0}/server.pem -days 2 -extfile {0}/ext.cnf",
                    d)}) {
    if (std::system((cmd + " >/dev/null 2>&1").c_str()) != 0) throw std::runtime_error("failed: " + cmd);
  }
  return {dir / "ca.pem", dir / "server.pem", dir / "server.key"};
}

class emulator_process {
 public:
  emulator_process(const std::filesystem::path& dir, std::vector<std::string> extra,
                   const tls_files* tls = nullptr)
      : tls_(tls != nullptr), child_(g_binary, dir, arguments(std::move(extra), tls)), port_(child_.port()) {
    if (tls != nullptr) {
      tls_context_.load_verify_file(tls->ca.string());
      tls_context_.set_verify_mode(ssl::verify_peer);
    }
  }

  std::string url() const {
    return (tls_ ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port_);
  }

  boost::json::value admin_get(std::string_view target) {
    std::unique_ptr<test::http_client> c =
        tls_ ? std::make_unique<test::http_client>("127.0.0.1", port_, tls_context_, "",
                                                   std::chrono::seconds(30))
             : std::make_unique<test::http_client>("127.0.0.1", port_, std::chrono::seconds(30));
    auto r = c->request("GET", target);
    if (r.status != 200) throw std::runtime_error(fmt::format("GET {}: HTTP {}", target, r.status));
    return r.json();
  }
  // When each order was taken, on the emulator's clock (s since the epoch), by chunk (server_name).
  std::map<std::string, double> order_times_s() {
    std::map<std::string, double> out;
    auto doc = admin_get("/_emulator/orders");
    for (const auto& v : doc.at("orders").as_array()) {
      auto t = parse_utc_rfc3339(v.at("created_at").as_string());
      if (!t) throw std::runtime_error("bad created_at");
      out[std::string(v.at("server_name").as_string())] =
          std::chrono::duration<double>(t->time_since_epoch()).count();
    }
    return out;
  }
  std::map<std::string, std::int64_t> stats() {
    std::map<std::string, std::int64_t> out;
    boost::json::value doc = admin_get("/_emulator/stats");
    for (const auto& [k, v] : doc.as_object())
      if (v.is_number()) out[k] = v.to_number<std::int64_t>();  // api_calls is an object of its own
    return out;
  }

 private:
  static std::vector<std::string> arguments(std::vector<std::string> extra, const tls_files* tls) {
    std::vector<std::string> args{"--ak", k_ak, "--sk", k_sk};
    if (tls != nullptr)
      args.insert(args.end(), {"--tls-cert", tls->cert.string(), "--tls-key", tls->key.string()});
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  bool tls_;
  ssl::context tls_context_{ssl::context::tls_client};
  emulator_child child_;
  unsigned short port_;
};

// Orders per second between the order after the first `skip` and the last one: the first `skip` (a
// token bucket's initial burst) come at once and say nothing about the sustained rate.
double sustained_rate(const std::vector<double>& times, std::size_t skip) {
  if (times.size() < skip + 2) return 0;
  double span = times.back() - times[skip];
  return span > 0 ? static_cast<double>(times.size() - 1 - skip) / span : 0;
}

// ---- job and config files ----

struct limits {
  double rps = 200;
  std::int64_t burst = 10;
  std::int64_t in_flight = 32;
  std::int64_t attempts = 10;
  std::int64_t max_servers = 100;
};

std::string config_text(const std::string& url, const limits& l,
                        const std::optional<std::filesystem::path>& ca) {
  std::string t = fmt::format("[cloud]\nendpoint = \"{}\"\nproject_id = \"{}\"\n", url, k_project);
  if (ca) t += fmt::format("ca_file = \"{}\"\n", ca->string());
  t += fmt::format(
      "[auth]\nmethod = \"aksk\"\n[limits]\nrequests_per_second = {}\nburst = {}\nmax_in_flight = {}\n"
      "max_attempts = {}\nbackoff_base_ms = 100\nbackoff_max_ms = 2000\nthrottle_backoff_base_ms = 500\n"
      "connect_timeout_s = 5\nrequest_timeout_s = 20\nsettle_s = 1\nmax_servers_per_run = {}\n"
      "[ledger]\npath = \"orders.csv\"\n",
      l.rps, l.burst, l.in_flight, l.attempts, l.max_servers);
  return t;
}

// A v1 job, or with `v2` the same fleet through CreateNet2CloudPhoneServer.
std::string job_text(const std::string& fleet, std::int64_t count, bool v2 = false) {
  const std::string_view network =
      v2 ? "api = \"v2\"\n\n[defaults]\ntenant_vpc_id = \"4e6a31b0-8c2f-4d5e-9a7b-1c2d3e4f5a6b\"\n"
           "nics = [{ subnet_id = \"0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0\" }]\n"
           "public_ip = { eip = { type = \"5_bgp\" } }\n"
           "band_width = { band_width_share_type = 0, band_width_charge_mode = 0, band_width_size = 100 }\n"
         : "\n[defaults]\nband_width = { band_width_share_type = 0 }\n";
  return fmt::format(
      "[job]\nname = \"bench\"\nconfig = \"config.toml\"\n{}"
      "server_model_name = \"physical.rx1.xlarge\"\nphone_model_name = \"aphs1.medium.4.aosp\"\n"
      "image_id = \"88b8449b896f3a4f0ad57222dd919899\"\n"
      "extend_param = {{ charging_mode = 0, period_type = 2, period_num = 1, is_auto_pay = 1 }}\n\n"
      "[[fleet]]\nserver_name = \"{}\"\ncount = {}\n",
      network, fleet, count);
}

// ---- the table ----

struct figure {
  std::string scenario;
  std::string what;
  std::string value;
  std::string goal;
  std::string ratio;  // measured ÷ goal, or "-"
  std::string met;    // yes / NO / -
};

std::vector<figure> g_figures;

void add_figure(std::string scenario, std::string what, std::string value, std::string goal, double ratio,
                std::optional<bool> met) {
  g_figures.push_back({std::move(scenario), std::move(what), std::move(value), std::move(goal),
                       ratio >= 0 ? fmt::format("{:.3f}", ratio) : "-", met ? (*met ? "yes" : "NO") : "-"});
}

std::size_t width_of(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;  // UTF-8 characters
  return n;
}

void print_table() {
  std::array<std::string, 6> head{"scenario", "figure", "measured", "goal", "ratio", "met"};
  std::array<std::size_t, 6> w{};
  for (std::size_t i = 0; i < head.size(); ++i) w[i] = width_of(head[i]);
  for (const auto& f : g_figures) {
    std::array<const std::string*, 6> cells{&f.scenario, &f.what, &f.value, &f.goal, &f.ratio, &f.met};
    for (std::size_t i = 0; i < cells.size(); ++i) w[i] = std::max(w[i], width_of(*cells[i]));
  }
  auto row = [&](std::array<const std::string*, 6> cells) {
    std::string line = "|";
    for (std::size_t i = 0; i < cells.size(); ++i)
      line += " " + *cells[i] + std::string(w[i] - width_of(*cells[i]), ' ') + " |";
    fmt::print("{}\n", line);
  };
  row({&head[0], &head[1], &head[2], &head[3], &head[4], &head[5]});
  std::string rule = "|";
  for (auto n : w) rule += std::string(n + 2, '-') + "|";
  fmt::print("{}\n", rule);
  for (const auto& f : g_figures) row({&f.scenario, &f.what, &f.value, &f.goal, &f.ratio, &f.met});
}

void note(std::string_view text) { fmt::print(stderr, "bench: {}\n", text); }

void expect_success(const measured& m, std::string_view what) {
  if (m.exit_code != 0) {
    throw std::runtime_error(fmt::format("{}: exit {}\n{}", what, m.exit_code,
                                         m.err.substr(m.err.size() > 4000 ? m.err.size() - 4000 : 0)));
  }
}

// ---- scenarios ----

struct scenario_dir {
  std::filesystem::path dir;
  explicit scenario_dir(const std::filesystem::path& root, const std::string& name) : dir(root / name) {
    std::filesystem::create_directories(dir);
  }
};

struct run_figures {
  measured m;
  std::map<std::string, std::string> finished;
  std::map<std::string, double> order_by_chunk;  // when the emulator took each chunk's order
  std::vector<double> order_times;               // the same, sorted
  std::map<std::string, std::int64_t> emulator_stats;
  std::int64_t purchases() const { return static_cast<std::int64_t>(order_times.size()); }
};

run_figures run_scenario(const std::filesystem::path& dir, std::int64_t chunks, const limits& l,
                         std::vector<std::string> emulator_args, const tls_files* tls = nullptr,
                         bool v2 = false) {
  emulator_process emu(dir, std::move(emulator_args), tls);
  write_file(dir / "config.toml", config_text(emu.url(), l, tls ? std::optional(tls->ca) : std::nullopt));
  write_file(dir / "job.toml", job_text("bench", chunks * 10, v2));
  run_figures r;
  // The spend guard (max_servers_per_run) is lifted by --max-servers, as a user would for a big run.
  r.m = run_measured(
      {"run", (dir / "job.toml").string(), "--json", "--max-servers", std::to_string(chunks * 10)}, dir,
      "run");
  expect_success(r.m, "cphfleet run in " + dir.string());
  r.finished = finished_fields(r.m.err);
  r.order_by_chunk = emu.order_times_s();
  for (const auto& [chunk, t] : r.order_by_chunk) r.order_times.push_back(t);
  std::sort(r.order_times.begin(), r.order_times.end());
  r.emulator_stats = emu.stats();
  if (r.purchases() != chunks)
    throw std::runtime_error(fmt::format("{} orders for {} chunks", r.purchases(), chunks));
  return r;
}

double cpu_per_1000(const run_figures& r) { return r.m.cpu_s * 1000.0 / static_cast<double>(r.purchases()); }

void rate_bound_and_cost(const std::filesystem::path& root) {
  constexpr std::int64_t chunks = 2000;
  limits l{.rps = 200, .burst = 10, .in_flight = 32};
  note("rate-bound: 2,000 chunks at 200 req/s, burst 10, 32 in flight, emulator latency 20 ms (plain)");
  scenario_dir plain(root, "rate-bound-plain");
  run_figures p = run_scenario(plain.dir, chunks, l, {"--latency", "20"});
  double rate = sustained_rate(p.order_times, static_cast<std::size_t>(l.burst));
  add_figure("rate-bound", "purchases/s (emulator clock) ÷ 200", fmt::format("{:.1f}/s", rate), "≥ 0.98",
             rate / 200, rate / 200 >= 0.98);
  add_figure("rate-bound", "429 answers", fmt::format("{}", p.emulator_stats["throttled"]), "0", -1,
             p.emulator_stats["throttled"] == 0);

  note("rate-bound v2: the same run through CreateNet2CloudPhoneServer ([job] api = \"v2\")");
  scenario_dir through_v2(root, "rate-bound-v2");
  run_figures v = run_scenario(through_v2.dir, chunks, l, {"--latency", "20"}, nullptr, true);
  double v2_rate = sustained_rate(v.order_times, static_cast<std::size_t>(l.burst));
  add_figure("rate-bound v2", "purchases/s (emulator clock) ÷ 200", fmt::format("{:.1f}/s", v2_rate),
             "≥ 0.98", v2_rate / 200, v2_rate / 200 >= 0.98);
  add_figure("rate-bound v2", "429 answers", fmt::format("{}", v.emulator_stats["throttled"]), "0", -1,
             v.emulator_stats["throttled"] == 0);

  note("cost: the same run over TLS (CA made with openssl, [cloud] ca_file)");
  scenario_dir secure(root, "rate-bound-tls");
  tls_files pki = make_pki(secure.dir / "pki");
  run_figures t = run_scenario(secure.dir, chunks, l, {"--latency", "20"}, &pki);
  double tls_rate = sustained_rate(t.order_times, static_cast<std::size_t>(l.burst));
  add_figure("rate-bound TLS", "purchases/s (emulator clock) ÷ 200", fmt::format("{:.1f}/s", tls_rate),
             "≥ 0.98", tls_rate / 200, tls_rate / 200 >= 0.98);
  add_figure("cost", "CPU s per 1,000 purchases, plain", fmt::format("{:.3f} s", cpu_per_1000(p)), "low", -1,
             {});
  add_figure("cost", "CPU s per 1,000 purchases, TLS", fmt::format("{:.3f} s", cpu_per_1000(t)), "low", -1,
             {});
  double handshakes = number_of(t.finished, "tls_handshakes");
  add_figure("cost", "TLS handshakes (connections)",
             fmt::format("{:.0f} ({:.0f})", handshakes, number_of(t.finished, "connections")),
             fmt::format("≤ {}", l.in_flight), handshakes / static_cast<double>(l.in_flight),
             handshakes <= static_cast<double>(l.in_flight));

  double rows = number_of(p.finished, "ledger_rows");
  double syncs = number_of(p.finished, "ledger_syncs");
  add_figure("ledger (rate-bound)", "rows/s (rows per fsync)",
             fmt::format("{:.0f}/s ({:.2f})", rows / p.m.wall_s, rows / syncs), "bounded by the rate", -1,
             {});
}

void adaptive(const std::filesystem::path& root) {
  // 50/s for ~25 s: long enough that the start (the emulator's burst, the client's first backoff) is a
  // small part of it.
  constexpr std::int64_t chunks = 1250;
  constexpr double service_rate = 50;
  limits l{.rps = 400, .burst = 10, .in_flight = 32, .attempts = 30};
  note("adaptive: emulator --rate-limit 50, client set to 400 req/s, 1,250 chunks");
  scenario_dir d(root, "adaptive");
  run_figures r = run_scenario(d.dir, chunks, l, {"--rate-limit", "50", "--latency", "20"});
  double goodput = sustained_rate(r.order_times, static_cast<std::size_t>(service_rate));
  auto throttled = static_cast<double>(r.emulator_stats["throttled"]);
  double answers = throttled + static_cast<double>(r.emulator_stats["purchases"]);
  double share = answers > 0 ? throttled / answers : 0;
  add_figure("adaptive", "goodput (emulator clock) ÷ 50", fmt::format("{:.1f}/s", goodput), "≥ 0.90",
             goodput / service_rate, goodput / service_rate >= 0.90);
  add_figure("adaptive", "share of answers that are 429",
             fmt::format("{:.1f}% ({:.0f} of {:.0f})", share * 100, throttled, answers), "≤ 5%", share / 0.05,
             share <= 0.05);
}

void latency_bound(const std::filesystem::path& root) {
  constexpr std::int64_t chunks = 6000;
  limits l{.rps = 10000, .burst = 64, .in_flight = 64};
  note("latency-bound: 6,000 chunks, no client limit, emulator latency 50 ms, 64 in flight");
  scenario_dir d(root, "latency-bound");
  run_figures r = run_scenario(d.dir, chunks, l, {"--latency", "50"});
  double rate = sustained_rate(r.order_times, static_cast<std::size_t>(l.in_flight));
  double bound = 64 / 0.05;
  add_figure("latency-bound", "purchases/s ÷ (64 ÷ 0.05 s)", fmt::format("{:.0f}/s", rate), "≥ 0.90",
             rate / bound, rate / bound >= 0.90);
  add_figure("latency-bound", "CPU s per 1,000 purchases", fmt::format("{:.3f} s", cpu_per_1000(r)), "low",
             -1, {});
  // Where a call slot's time goes, per chunk: its sending row is made (then fsynced), the emulator
  // takes the order as the request arrives, waits 50 ms, answers, and the answer row is made. The
  // slot is held from before the sending row until the answer, then handed to the next chunk.
  auto ms_of = [](const std::string& t) {
    auto p = parse_utc_rfc3339(t);
    return p ? std::chrono::duration<double, std::milli>(p->time_since_epoch()).count() : 0.0;
  };
  std::map<std::string, double> sent;
  double to_order = 0, to_answer = 0;
  std::int64_t answered = 0;
  for (const auto& row : read_ledger(d.dir / "orders.csv")) {
    if (row.status == chunk_status::sending) {
      sent[row.chunk] = ms_of(row.time);
    } else if (auto it = sent.find(row.chunk); it != sent.end() && r.order_by_chunk.contains(row.chunk)) {
      double taken = r.order_by_chunk[row.chunk] * 1000;
      to_order += taken - it->second;
      to_answer += ms_of(row.time) - taken;
      ++answered;
    }
  }
  auto n = static_cast<double>(std::max<std::int64_t>(answered, 1));
  add_figure("latency-bound", "slot cycle: sending row -> order taken -> answer",
             fmt::format("{:.1f} ms: {:.1f} + {:.1f} ms", 64 * 1000.0 / rate, to_order / n, to_answer / n),
             "50 ms", -1, {});
}

// `status` of 10,000 servers in 1,000 chunks at a read limit of 50/s: the servers still provisioning, a
// round is the fleet's 100 pages (and the catalog's phone models once); how close its time comes to the
// bucket's bound, and what it costs.
void status_round(const std::filesystem::path& root) {
  constexpr std::int64_t chunks = 1000;
  note(
      "status: 10,000 servers (1,000 chunks) bought at 200/s, then one status round at a read limit of 50/s");
  scenario_dir d(root, "status");
  emulator_process emu(d.dir, {"--provision", "3600000"});
  write_file(d.dir / "config.toml", config_text(emu.url(), limits{}, std::nullopt));
  write_file(d.dir / "job.toml", job_text("bench", chunks * 10));
  expect_success(
      run_measured({"run", (d.dir / "job.toml").string(), "--max-servers", std::to_string(chunks * 10)},
                   d.dir, "run"),
      "cphfleet run in " + d.dir.string());
  constexpr double read_rate = 50;
  write_file(d.dir / "config.toml",
             config_text(emu.url(), limits{.rps = read_rate, .burst = 5, .in_flight = 4}, std::nullopt));
  measured m = run_measured({"status", (d.dir / "job.toml").string(), "--json"}, d.dir, "status");
  if (m.exit_code != 3) throw std::runtime_error(fmt::format("status exited {}: {}", m.exit_code, m.err));
  auto round = log_fields(m.err, "status round");
  double took = number_of(round, "duration_s"), calls = number_of(round, "calls");
  double bound = calls / read_rate;
  add_figure("status", "one round's time ÷ (its calls ÷ 50)",
             fmt::format("{:.2f} s for {:.0f} calls", took, calls), "≤ 1.05", took / bound,
             took / bound <= 1.05);
  add_figure("status", "CPU s, peak RSS of the status run",
             fmt::format("{:.2f} s, {:.1f} MB", m.cpu_s, m.max_rss_mb), "low", -1, {});
}

// The ledger of the memory run, kept as the template of the planning scenario's big ledger.
std::filesystem::path g_memory_ledger;

void memory_and_ledger(const std::filesystem::path& root) {
  constexpr std::int64_t chunks = 10000;
  limits l{.rps = 10000, .burst = 64, .in_flight = 64};
  note("memory and ledger: 10,000 chunks (100,000 servers), unthrottled, 64 in flight, no latency");
  scenario_dir d(root, "memory");
  run_figures r = run_scenario(d.dir, chunks, l, {});
  add_figure("memory", "peak RSS of a 10,000-chunk run", fmt::format("{:.1f} MB", r.m.max_rss_mb), "≤ 32 MB",
             r.m.max_rss_mb / 32, r.m.max_rss_mb <= 32);
  // The cron case: the same job again, on the 20,000-row ledger the run left; nothing to send (the
  // emulator is gone: a request would fail the run).
  measured again = run_measured(
      {"run", (d.dir / "job.toml").string(), "--json", "--max-servers", std::to_string(chunks * 10)}, d.dir,
      "rerun");
  expect_success(again, "the re-run");
  add_figure("memory", "peak RSS of its re-run (nothing to send)", fmt::format("{:.1f} MB", again.max_rss_mb),
             "≤ 32 MB", again.max_rss_mb / 32, again.max_rss_mb <= 32);
  double rows = number_of(r.finished, "ledger_rows");
  double syncs = number_of(r.finished, "ledger_syncs");
  boost::json::value summary = boost::json::parse(r.m.out);
  double duration = summary.at("duration_s").to_number<double>();
  double rows_per_s = rows / duration;
  add_figure("ledger", "rows/s, each fsynced before its send",
             fmt::format("{:.0f}/s ({:.0f} rows, {:.1f} per fsync)", rows_per_s, rows, rows / syncs),
             "≥ 2,000", rows_per_s / 2000, rows_per_s >= 2000);
  add_figure("unthrottled", "purchases/s (emulator clock)",
             fmt::format("{:.0f}/s", sustained_rate(r.order_times, static_cast<std::size_t>(l.burst))), "-",
             -1, {});
  add_figure("unthrottled", "CPU s per 1,000 purchases", fmt::format("{:.3f} s", cpu_per_1000(r)), "low", -1,
             {});
  g_memory_ledger = d.dir / "orders.csv";
}

// A ledger of `chunk_pairs` chunks of fleet `fleet`, each a `sending` and an `ordered` row shaped like
// the ones a real run writes (copied from `sample`, a real ledger, with names and ids changed).
void write_big_ledger(const std::filesystem::path& path, const std::filesystem::path& sample,
                      const std::string& fleet, std::int64_t chunk_pairs) {
  auto rows = read_ledger(sample);
  const ledger_row* sending = nullptr;
  const ledger_row* ordered = nullptr;
  for (const auto& row : rows) {
    if (!sending && row.status == chunk_status::sending) sending = &row;
    if (!ordered && row.status == chunk_status::ordered) ordered = &row;
  }
  if (!sending || !ordered) throw std::runtime_error("the sample ledger lacks sending and ordered rows");
  std::string out = ledger_header();
  auto rename = [&](ledger_row row, const std::string& chunk, std::int64_t n) {
    auto replace_all = [](std::string& s, const std::string& from, const std::string& to) {
      for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
    };
    replace_all(row.request, "\"server_name\":\"" + row.chunk + "\"", "\"server_name\":\"" + chunk + "\"");
    row.fleet = fleet;
    row.chunk = chunk;
    if (!row.order_id.empty()) row.order_id = fmt::format("CS{:016}", n);
    for (std::size_t i = 0; i < row.server_ids.size(); ++i)
      row.server_ids[i] = fmt::format("{:032x}", n * 16 + i);
    return row;
  };
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  for (std::int64_t i = 1; i <= chunk_pairs; ++i) {
    std::string chunk = chunk_name(fleet, i);
    out += format_row(rename(*sending, chunk, i));
    out += format_row(rename(*ordered, chunk, i));
    if (out.size() > (1 << 20)) {
      file << out;
      out.clear();
    }
  }
  file << out;
  if (!file) throw std::runtime_error("cannot write " + path.string());
}

void planning(const std::filesystem::path& root) {
  // 100,000 rows: 50,000 chunks (500,000 servers) ordered; the target asks 100,000 servers more.
  constexpr std::int64_t chunk_pairs = 50000;
  constexpr std::int64_t more = 100000;
  note("planning: a 100,000-row ledger, a plan of 100,000 servers");
  scenario_dir d(root, "planning");
  if (g_memory_ledger.empty()) throw std::runtime_error("planning needs the memory scenario's ledger");
  write_big_ledger(d.dir / "orders.csv", g_memory_ledger, "plan", chunk_pairs);
  write_file(d.dir / "config.toml", config_text("http://127.0.0.1:9", limits{}, std::nullopt));
  write_file(d.dir / "job.toml", job_text("plan", chunk_pairs * 10 + more));
  auto bytes = static_cast<double>(std::filesystem::file_size(d.dir / "orders.csv")) / (1024.0 * 1024.0);
  for (bool json : {false, true}) {
    std::vector<std::string> args{"plan", (d.dir / "job.toml").string(), "--max-servers",
                                  std::to_string(more)};
    if (json) args.push_back("--json");
    measured m = run_measured(args, d.dir, json ? "plan-json" : "plan");
    expect_success(m, "cphfleet plan");
    std::string label = json ? "plan --json" : "plan";
    add_figure("planning", fmt::format("{}: time ({:.0f} MB ledger)", label, bytes),
               fmt::format("{:.2f} s", m.wall_s), "< 1 s", m.wall_s / 1.0, m.wall_s < 1.0);
    add_figure("planning", label + ": peak RSS", fmt::format("{:.1f} MB", m.max_rss_mb), "≤ 64 MB",
               m.max_rss_mb / 64, m.max_rss_mb <= 64);
  }
}

void big_ledger(const std::filesystem::path& root) {
  // 1,000,000 rows: 500,000 chunks (5,000,000 servers) ordered, nothing left to send or settle.
  constexpr std::int64_t chunk_pairs = 500000;
  note("big ledger: run, replay, reconcile and ledger --latest --json over a 1,000,000-row ledger");
  scenario_dir d(root, "big-ledger");
  if (g_memory_ledger.empty()) throw std::runtime_error("big-ledger needs the memory scenario's ledger");
  write_big_ledger(d.dir / "orders.csv", g_memory_ledger, "big", chunk_pairs);
  // Nothing listens there: nothing may be sent.
  write_file(d.dir / "config.toml", config_text("http://127.0.0.1:9", limits{}, std::nullopt));
  // The largest target a fleet takes, far below what the ledger holds: nothing to send.
  write_file(d.dir / "job.toml", job_text("big", 1000000));
  auto bytes = static_cast<double>(std::filesystem::file_size(d.dir / "orders.csv")) / (1024.0 * 1024.0);
  std::string config = (d.dir / "config.toml").string();
  struct command {
    std::string label;
    std::vector<std::string> args;
  };
  for (const command& c :
       {command{"run (nothing to send)", {"run", (d.dir / "job.toml").string(), "--json"}},
        command{"replay (nothing failed)", {"replay", "--config", config, "--json"}},
        command{"reconcile (nothing open)", {"reconcile", "--config", config, "--json"}},
        command{"ledger --latest --json", {"ledger", "--config", config, "--latest", "--json"}},
        command{"ledger (every row)", {"ledger", "--config", config}}}) {
    measured m = run_measured(c.args, d.dir, c.args[0]);
    expect_success(m, "cphfleet " + c.label);
    add_figure("big ledger", fmt::format("{}: peak RSS ({:.0f} MB ledger)", c.label, bytes),
               fmt::format("{:.1f} MB, {:.1f} s", m.max_rss_mb, m.wall_s), "≤ 400 MB", m.max_rss_mb / 400,
               m.max_rss_mb <= 400);
  }
}

std::string machine() {
  std::string model = "?";
  std::ifstream cpu("/proc/cpuinfo");
  for (std::string line; std::getline(cpu, line);) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  double mem_gb = 0;
  std::ifstream mem("/proc/meminfo");
  for (std::string line; std::getline(mem, line);) {
    if (line.rfind("MemTotal:", 0) == 0) mem_gb = std::stod(line.substr(9)) / (1024.0 * 1024.0);
  }
  std::string load = slurp("/proc/loadavg");
  load = load.substr(0, load.find(' '));
  return fmt::format("{} CPUs ({}), {:.1f} GB memory, load average {} at start",
                     ::sysconf(_SC_NPROCESSORS_ONLN), model, mem_gb, load);
}

}  // namespace

int bench_main(int argc, char** argv) {
  bool keep = false;
  std::set<std::string> only;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--binary" && i + 1 < argc) {
      g_binary = argv[++i];
    } else if (a == "--keep") {
      keep = true;
    } else if (a == "--only" && i + 1 < argc) {
      std::istringstream names(argv[++i]);
      for (std::string n; std::getline(names, n, ',');) only.insert(n);
    } else {
      fmt::print(stderr,
                 "usage: cphfleet_bench [--binary PATH] [--keep] [--only NAME,...]\n"
                 "  NAME: rate-bound adaptive latency-bound memory planning big-ledger (planning and\n"
                 "        big-ledger need memory)\n");
      return 2;
    }
  }
  std::string where = machine();
  auto root = test::make_temp_dir("bench");
  auto started = clock_type::now();
  int status = 0;
  auto want = [&](const std::string& name) { return only.empty() || only.contains(name); };
  try {
    if (want("rate-bound")) rate_bound_and_cost(root);
    if (want("adaptive")) adaptive(root);
    if (want("latency-bound")) latency_bound(root);
    if (want("memory") || want("planning") || want("big-ledger")) memory_and_ledger(root);
    if (want("planning")) planning(root);
    if (want("big-ledger")) big_ledger(root);
    if (want("status")) status_round(root);
  } catch (const std::exception& e) {
    fmt::print(stderr, "bench: failed: {}\n", e.what());
    status = 1;
  }
  double total = std::chrono::duration<double>(clock_type::now() - started).count();
  fmt::print("machine: {}\n", where);
  fmt::print("cphfleet: {}; bench took {:.0f} s\n\n", g_binary, total);
  print_table();
  if (keep) {
    fmt::print(stderr, "bench: files kept in {}\n", root.string());
  } else {
    std::error_code ignored;  // a leftover temp folder is harmless
    std::filesystem::remove_all(root, ignored);
  }
  return status;
}

}  // namespace cphfleet::bench

int main(int argc, char** argv) { return cphfleet::bench::bench_main(argc, argv); }
