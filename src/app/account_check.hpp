// Before buying, the account is asked what it already holds (README "Planning"): a new, empty or
// other ledger, or one that lost rows, would otherwise buy every fleet again. Servers named after a
// fleet's chunks that the ledger does not hold as ordered or unresolved stop the run until
// `cphfleet adopt` records them.
#pragma once
#include "api/reads.hpp"
#include "base/net.hpp"
#include "input/config.hpp"
#include "input/job_file.hpp"
#include "ledger/index.hpp"
#include "send/cph_api.hpp"
#include "send/scheduler.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace cphfleet {

// One chunk's servers on the account that the ledger does not know of.
struct unrecorded_chunk {
  std::string fleet;
  std::string chunk;
  std::vector<std::string> order_ids;  // distinct, sorted; more than one: the chunk was bought twice
  std::vector<std::string> server_ids;
  std::string why;  // "the ledger has no row for this chunk" / "the ledger holds this chunk as failed"
};

// `servers`: what a list by the fleet's name returned (a substring match; other fleets' names are
// ignored). A chunk whose latest row is ordered, sending or unknown is the ledger's own: its servers are
// expected (or being settled); any other chunk's servers are unrecorded.
std::vector<unrecorded_chunk> unrecorded_servers(std::string_view fleet, const ledger_index& index,
                                                 const std::vector<server_info>& servers);

struct account_view {
  std::vector<unrecorded_chunk> unrecorded;  // every fleet that was read
  std::vector<std::string> unread;           // fleets whose servers could not be listed
  std::vector<std::string> errors;           // why, one per unread fleet
  bool auth_refused = false;                 // 401/403: reading stopped, and the run must stop too
};

// Lists each fleet's servers (one paged read per fleet, a read attempt up to three times when the
// answer is retryable) and compares them with the ledger.
net::awaitable<account_view> read_account(cph_api& api, const limits_config& limits,
                                          const std::vector<std::string>& fleets, const ledger_index& index);

// The operator's way out, for messages: the adopt command that records `fleet`'s servers.
std::string adopt_hint(std::string_view fleet, const config& cfg);

// The check `run` and `replay` make before their first purchase: reads every fleet `work` buys for.
// Unrecorded servers in any fleet throw input_error naming them and the adopt command (exit 2: nothing
// has been sent). A fleet whose servers cannot be listed is not bought this run: its chunks leave
// `work`, with an error logged. Credentials the service refuses stop `sched` (exit 4) and clear `work`.
// `job` points the messages at its fleets (null for replay).
net::awaitable<void> check_account_before_buying(cph_api& api, scheduler& sched, const config& cfg,
                                                 const ledger_index& index, std::vector<chunk_work>& work,
                                                 const job_spec* job);

}  // namespace cphfleet
