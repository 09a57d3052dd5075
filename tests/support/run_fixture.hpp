// Test fixture for the runner end to end: `cphfleet emulator` as a child process on 127.0.0.1:0 with
// AK/SK checks, job and config files in a temp folder, `cphfleet run|replay|...` as child processes
// talking to it over real TCP, and readers for what the emulator and the ledger hold afterwards.
#pragma once
#include "api/signer.hpp"
#include "base/time_text.hpp"
#include "ledger/index.hpp"
#include "ledger/writer.hpp"
#include "support/test_http.hpp"
#include "support/test_process.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <csignal>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace cphfleet::test {

inline constexpr const char* k_ak = "TESTACCESSKEY0000001";
inline constexpr const char* k_sk = "test-secret-key-never-printed";
inline constexpr const char* k_project = "0123456789abcdef0123456789abcdef";

struct emulator_order {
  std::string order_id;
  std::string server_name;  // the chunk
  std::int64_t count = 0;
  std::int64_t is_auto_pay = 0;
  std::string created_at;
  std::string api;  // "v1" | "v2": the purchase call that took it
};

class emulator_process {
 public:
  explicit emulator_process(const std::filesystem::path& dir, std::vector<std::string> extra = {})
      : child_(CPHFLEET_BINARY, dir, with_aksk(std::move(extra))), port_(child_.port()) {}

  unsigned short port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  http_result admin(std::string_view method, std::string_view target, std::string body = {}) {
    http_client c("127.0.0.1", port_);
    return c.request(method, target, {{"Content-Type", "application/json"}}, std::move(body));
  }
  std::vector<emulator_order> orders() {
    std::vector<emulator_order> out;
    auto doc = admin("GET", "/_emulator/orders").json();
    for (const auto& v : doc.at("orders").as_array()) {
      const auto& o = v.as_object();
      out.push_back({std::string(o.at("order_id").as_string()), std::string(o.at("server_name").as_string()),
                     o.at("count").to_number<std::int64_t>(), o.at("is_auto_pay").to_number<std::int64_t>(),
                     std::string(o.at("created_at").as_string()), std::string(o.at("api").as_string())});
    }
    return out;
  }
  boost::json::object stats() { return admin("GET", "/_emulator/stats").json().as_object(); }
  // Servers the service's list shows under `name` (as a reconcile reads it), signed as the SDKs sign.
  std::int64_t listed_servers(const std::string& name) {
    std::string path = std::string("/v1/") + k_project + "/cloud-phone/servers";
    std::string query = "limit=100&offset=0&server_name=" + name;
    std::string date = sdk_date(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
    std::vector<std::pair<std::string, std::string>> headers{
        {"Host", "127.0.0.1:" + std::to_string(port_)}, {"X-Sdk-Date", date}, {"X-Project-Id", k_project}};
    signing_input in{"GET", path, query, headers, ""};
    headers.emplace_back("Authorization", authorization(k_ak, k_sk, in));
    http_client c("127.0.0.1", port_);
    auto r = c.request("GET", path + "?" + query, headers);
    if (r.status != 200) throw std::runtime_error("list servers: " + std::to_string(r.status) + " " + r.body);
    return r.json().at("count").to_number<std::int64_t>();
  }
  void set_faults(std::string json) {
    ASSERT_EQ(admin("POST", "/_emulator/faults", std::move(json)).status, 200u);
  }
  void reset() { ASSERT_EQ(admin("POST", "/_emulator/reset").status, 200u); }

 private:
  static std::vector<std::string> with_aksk(std::vector<std::string> extra) {
    extra.insert(extra.begin(), {"--ak", k_ak, "--sk", k_sk});
    return extra;
  }
  emulator_child child_;
  unsigned short port_;
};

struct fleet_def {
  std::string name;
  std::int64_t count;
};

// A job file with the seed's valid values and the given fleets.
inline std::string job_text(const std::vector<fleet_def>& fleets, std::int64_t auto_pay = 1,
                            std::string_view image = "88b8449b896f3a4f0ad57222dd919899") {
  std::string t =
      "[job]\nname = \"t\"\nconfig = \"config.toml\"\n\n[defaults]\n"
      "server_model_name = \"physical.rx1.xlarge\"\nphone_model_name = \"aphs1.medium.4.aosp\"\n"
      "image_id = \"" +
      std::string(image) +
      "\"\n"
      "band_width = { band_width_share_type = 0 }\n"
      "extend_param = { charging_mode = 0, period_type = 2, period_num = 1, is_auto_pay = " +
      std::to_string(auto_pay) + " }\n";
  for (const auto& f : fleets)
    t += "\n[[fleet]]\nserver_name = \"" + f.name + "\"\ncount = " + std::to_string(f.count) + "\n";
  return t;
}

// The same fleets as a v2 job (CreateNet2CloudPhoneServer): the servers go into a VPC of the tenant.
inline std::string v2_job_text(const std::vector<fleet_def>& fleets, std::int64_t auto_pay = 1,
                               std::string_view job_name = "t") {
  std::string t =
      "[job]\nname = \"" + std::string(job_name) +
      "\"\nconfig = \"config.toml\"\napi = \"v2\"\n\n[defaults]\n"
      "server_model_name = \"physical.rx1.xlarge\"\nphone_model_name = \"aphs1.medium.4.aosp\"\n"
      "image_id = \"88b8449b896f3a4f0ad57222dd919899\"\n"
      "tenant_vpc_id = \"4e6a31b0-8c2f-4d5e-9a7b-1c2d3e4f5a6b\"\n"
      "nics = [{ subnet_id = \"0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0\" }]\n"
      "public_ip = { eip = { type = \"5_bgp\" } }\n"
      "band_width = { band_width_share_type = 0, band_width_charge_mode = 0, band_width_size = 100 }\n"
      "extend_param = { charging_mode = 0, period_type = 2, period_num = 1, is_auto_pay = " +
      std::to_string(auto_pay) + " }\n";
  for (const auto& f : fleets)
    t += "\n[[fleet]]\nserver_name = \"" + f.name + "\"\ncount = " + std::to_string(f.count) + "\n";
  return t;
}

struct limits_def {
  double rps = 50;
  std::int64_t burst = 10;
  std::int64_t in_flight = 4;
  std::int64_t attempts = 8;
  std::int64_t request_timeout_s = 2;
  std::int64_t settle_s = 1;
  std::int64_t circuit = 50;
  std::int64_t max_servers = 1000;
};

inline std::string config_text(const std::string& url, const limits_def& l = {}) {
  return "[cloud]\nendpoint = \"" + url + "\"\nproject_id = \"" + k_project +
         "\"\n[auth]\nmethod = \"aksk\"\n[limits]\n" + "requests_per_second = " + std::to_string(l.rps) +
         "\nburst = " + std::to_string(l.burst) + "\nmax_in_flight = " + std::to_string(l.in_flight) +
         "\nmax_attempts = " + std::to_string(l.attempts) +
         "\nbackoff_base_ms = 50\nbackoff_max_ms = 400\nthrottle_backoff_base_ms = 100\nconnect_timeout_s = "
         "2\n" +
         "request_timeout_s = " + std::to_string(l.request_timeout_s) +
         "\nsettle_s = " + std::to_string(l.settle_s) + "\ncircuit_ambiguous = " + std::to_string(l.circuit) +
         "\nmax_servers_per_run = " + std::to_string(l.max_servers) + "\n[ledger]\npath = \"orders.csv\"\n";
}

inline void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

inline std::vector<std::string> aksk_env(std::string sk = k_sk) {
  return {std::string("HUAWEICLOUD_SDK_AK=") + k_ak, "HUAWEICLOUD_SDK_SK=" + sk,
          "HTTPS_PROXY=", "https_proxy="};
}

// The ledger's rows while another process may be writing it: a last row caught half-written makes it
// read as not there yet (empty), for polling.
inline std::vector<ledger_row> ledger_rows_now(const std::filesystem::path& ledger) {
  try {
    return read_ledger(ledger);
  } catch (const std::exception&) {
    return {};
  }
}

// The rows of a ledger a process left behind, as the next run reads them: a torn last record (a crash
// or a full disk mid-append) is cut. Read from a copy in `scratch`, so the original stays as it was.
inline std::vector<ledger_row> ledger_rows_as_left(const std::filesystem::path& ledger,
                                                   const std::filesystem::path& scratch) {
  auto copy = scratch / "ledger-as-left.csv";
  std::filesystem::copy_file(ledger, copy, std::filesystem::copy_options::overwrite_existing);
  net::io_context ioc(1);
  std::vector<ledger_row> rows;
  {
    ledger_writer w(ioc.get_executor(), copy, "test");
    rows = w.existing_rows();
  }
  std::filesystem::remove(copy);
  std::filesystem::remove(copy.string() + ".lock");
  return rows;
}

// Servers per fleet whose chunk's latest status is ordered.
inline std::map<std::string, std::int64_t> ledger_ordered(const std::filesystem::path& ledger) {
  ledger_index idx(read_ledger(ledger));
  std::map<std::string, std::int64_t> out;
  for (const auto& f : idx.fleets()) out[f] = idx.totals(f).ordered_servers;
  return out;
}

// The emulator holds exactly one order per ordered chunk, with the ledger's order id, and no other.
// `cphfleet run JOB` in a child process, killed with SIGKILL after `delay_ms`: a crash at that moment.
inline void run_killed_after(const std::filesystem::path& job, const std::filesystem::path& dir, int delay_ms,
                             std::vector<std::string> env = aksk_env()) {
  child_process victim({CPHFLEET_BINARY, "run", job.string()}, std::move(env), dir / "victim.out",
                       dir / "victim.err");
  std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  victim.signal(SIGKILL);
  victim.wait();
}

inline void expect_ledger_matches_emulator(const std::filesystem::path& ledger, emulator_process& emu,
                                           const std::vector<fleet_def>& fleets) {
  ledger_index idx(read_ledger(ledger));
  auto orders = emu.orders();
  std::map<std::string, std::vector<emulator_order>> by_chunk;
  for (const auto& o : orders) by_chunk[o.server_name].push_back(o);
  std::int64_t expected_total = 0;
  for (const auto& f : fleets) {
    EXPECT_EQ(idx.totals(f.name).ordered_servers, f.count) << f.name;
    expected_total += f.count;
  }
  std::int64_t emulator_total = 0;
  for (const auto& [chunk, list] : by_chunk) {
    EXPECT_EQ(list.size(), 1u) << "duplicate orders for " << chunk;
    const ledger_row* row = idx.latest(chunk);
    ASSERT_NE(row, nullptr) << "emulator order for " << chunk << " is not in the ledger";
    EXPECT_EQ(row->status, chunk_status::ordered) << chunk;
    EXPECT_EQ(row->order_id, list.front().order_id) << chunk;
    EXPECT_EQ(row->count, list.front().count) << chunk;
    for (const auto& o : list) emulator_total += o.count;
  }
  EXPECT_EQ(emulator_total, expected_total);
}

}  // namespace cphfleet::test
