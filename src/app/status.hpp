// `cphfleet status` (README "Status"): from ordered to usable. For every chunk the ledger holds as
// ordered, its servers on the account and their phones, each server in one state; `--wait` polls until
// none is still creating. The reads go through the read bucket with the retry rules for reads, and a
// round costs at most one paged server list per fleet plus one phone list per server that turned
// normal since the round before (a server whose phones were all running, or one of them failed, is not
// read again). With a billing service, a chunk whose servers are missing has its order read once per
// status (ShowCustomerOrderDetails): the order's state tells unpaid from missing.
#pragma once
#include "api/reads.hpp"
#include "base/net.hpp"
#include "input/config.hpp"
#include "ledger/index.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}  // namespace CLI

namespace cphfleet {

class cph_client;
class bss_api;

// A server's state, as README "Status" defines them.
enum class server_state { ready, creating, failed, frozen, stopped, missing, unpaid };
std::string_view to_string(server_state s);

// The state of a server the account lists, given its phones when they were read (nullopt: not read).
// `phone_capacity` 0: unknown (the phone flavor is not in the catalog); then every phone listed counts.
struct phone_tally {
  std::int64_t running = 0;
  std::int64_t creating = 0;
  std::int64_t failed = 0;  // -8 creation failed or -7 abnormal
  std::int64_t total = 0;
};
server_state classify_server(int status, const std::optional<phone_tally>& phones,
                             std::int64_t phone_capacity);

// One ordered chunk, from its latest ledger row.
struct tracked_chunk {
  std::string fleet;
  std::string chunk;
  std::int64_t count = 0;
  std::vector<std::string> server_ids;  // as recorded; empty: found by the chunk's exact name
  bool auto_pay = true;                 // the recorded request's extend_param.is_auto_pay == 1
  std::string ordered_at;               // the row's time
  std::string order_id;                 // the row's (the billing service's order), when recorded
  // Whether the order is paid, when a billing read said so (pending payment: no; processing or
  // completed: yes). Unset: a missing server of a chunk sent without auto-pay is `unpaid`, any other
  // `missing`.
  std::optional<bool> order_paid;
  bool order_cancelled = false;  // billing says cancelled: nothing bought, its servers `missing`
};

struct fleet_target {
  std::string fleet;
  std::int64_t target = -1;  // -1: none (status without a job file)
};

// The chunks to track: every chunk of `fleets` whose latest row is ordered, in chunk order. The index
// must hold every cell (server_ids, request).
std::vector<tracked_chunk> ordered_chunks(const ledger_index& index, const std::vector<fleet_target>& fleets);

struct fleet_status {
  std::string fleet;
  std::int64_t target = -1;
  std::int64_t ordered = 0;  // servers in ordered chunks
  std::int64_t ready = 0, creating = 0, failed = 0, frozen = 0, stopped = 0, missing = 0, unpaid = 0;
};

struct server_status_row {
  std::string server_id;  // empty: missing
  std::string server_name;
  std::string chunk;
  std::string fleet;
  server_state state = server_state::missing;
  std::optional<int> status;  // the service's; unset when missing
  std::int64_t phones_running = 0;
  std::int64_t phones_total = 0;  // the flavor's phone_capacity when known, else the phones listed
  std::string since;              // when it entered this state, as far as the service says
};

struct status_report {
  std::vector<fleet_status> fleets;
  std::vector<server_status_row> servers;  // every server found, and one row per missing server
  std::int64_t rounds = 0;
  bool timed_out = false;  // --wait gave up with servers still creating
  std::string error;       // a read that failed after its retries, or was refused
  bool auth_refused = false;
  // What the billing reads said beyond the states, one line each (an order cancelled: nothing bought).
  std::vector<std::string> notes;
  std::int64_t count(server_state s) const;
};

// 1 if any server is failed, frozen, stopped, missing or unpaid (or a read failed); else 3 if any is
// still creating; else 0. 4 when the service refused the credentials.
int status_exit_code(const status_report& r);

// The table and the servers that are not ready (text), or the JSON object, both ending in a newline.
std::string status_text(const status_report& r);
std::string status_json(const status_report& r);
// The same JSON object, unserialized (run --wait --json puts it in the run's answer as `status`).
boost::json::object status_object(const status_report& r);
// Prometheus gauges `cphfleet_servers{fleet="...",state="ready"} N`, one per fleet and state.
// Gauges cphfleet_servers{job, ledger, fleet, state}, labelled as every series cphfleet writes
// (README "Output") so that several jobs' files share one textfile folder.
std::string status_metrics(const status_report& r, std::string_view job, std::string_view ledger);

// What one round read: every call sent (pages and retries included), by kind.
struct round_reads {
  std::int64_t server_pages = 0;
  std::int64_t phone_reads = 0;
  std::int64_t catalog_reads = 0;
  std::int64_t order_reads = 0;  // billing calls (their own bucket): not in calls()
  std::int64_t calls() const { return server_pages + phone_reads + catalog_reads; }
};

// The servers of the tracked chunks, followed round by round. Holds what earlier rounds learnt, so a
// round reads only what may have changed.
class status_tracker {
 public:
  // `billing`, when given, is read for the orders of chunks whose servers are missing.
  status_tracker(cph_client& client, const limits_config& limits, std::vector<fleet_target> fleets,
                 std::vector<tracked_chunk> chunks, bss_api* billing = nullptr);
  ~status_tracker();
  status_tracker(const status_tracker&) = delete;
  status_tracker& operator=(const status_tracker&) = delete;

  // One round of reads; afterwards report() says what they found. A failed read sets report().error.
  net::awaitable<void> round();
  const round_reads& last_round() const { return last_; }
  const status_report& report() const { return report_; }

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
  round_reads last_;
  status_report report_;
};

struct wait_settings {
  std::chrono::steady_clock::duration interval = std::chrono::seconds(10);
  std::chrono::steady_clock::duration timeout = std::chrono::minutes(90);
  bool progress = false;  // a live line on stderr (a terminal)
  // Checked between rounds and during the sleep: true stops the wait (a signal, a stopped run).
  std::function<bool()> stop_requested;
};

// Rounds until nothing is creating, a read fails or `timeout` passes (also in the middle of a sleep:
// the wait ends at the timeout, not at the poll after it). The last round's report, `timed_out` set
// when the timeout ended the wait with servers still creating.
net::awaitable<status_report> wait_until_settled(status_tracker& tracker, const wait_settings& settings);

// The status of `fleets`' ordered chunks (`index` holding every cell): one round, or with `wait` the
// rounds until nothing is creating; `billing` (optional) as for status_tracker.
net::awaitable<status_report> read_status(cph_client& client, const limits_config& limits,
                                          const std::vector<fleet_target>& fleets, const ledger_index& index,
                                          const wait_settings* wait, bss_api* billing = nullptr);

// `--wait`, `--interval D` (default 10s) and `--timeout D` (default 90m), for status and run.
struct wait_options {
  bool wait = false;
  std::string interval = "10s";
  std::string timeout = "90m";

  void add_to(CLI::App& cmd, std::string_view wait_help);
  // Throws input_error for a duration that is not one (--interval, --timeout).
  wait_settings settings() const;
};

}  // namespace cphfleet
