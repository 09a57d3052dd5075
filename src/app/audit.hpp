// The account audit (`cphfleet audit`): the ledger against the servers the service lists, per fleet.
// Pure: the command does the reading.
#pragma once
#include "api/reads.hpp"
#include "ledger/index.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace cphfleet {

struct audit_orphan {
  std::string chunk;     // the chunk its name belongs to
  std::string order_id;  // the order the servers carry
  std::vector<std::string> server_ids;
  std::string why;  // "chunk not ordered in the ledger" / "duplicate: the ledger holds order X"
};

struct audit_phantom {
  std::string chunk;
  std::string order_id;  // what the ledger says was ordered
  std::int64_t count = 0;
};

struct fleet_audit {
  std::string fleet;
  std::int64_t ledger_servers = 0;   // servers in chunks the ledger holds as ordered
  std::int64_t account_servers = 0;  // servers on the account named after the fleet's chunks
  std::vector<audit_orphan> orphans;
  std::vector<audit_phantom> phantoms;
  std::vector<std::string> pending;  // ordered within the settle window: servers may not show yet
  bool agrees() const { return orphans.empty() && phantoms.empty(); }
};

// The chunk (`<fleet>-NNN`) a server name belongs to, when it is `<fleet>-<digits>` or
// `<fleet>-<digits>-<digits>`; nullopt for names of anything else.
std::optional<std::string> chunk_of_server(std::string_view fleet, std::string_view server_name);

// `servers`: what a list by the fleet's name returned (a substring match: names of other fleets are
// ignored here). Chunks ordered less than `settle` before `now` are `pending`, not phantoms.
fleet_audit audit_fleet(std::string_view fleet, const ledger_index& index,
                        const std::vector<server_info>& servers, std::chrono::system_clock::time_point now,
                        std::chrono::seconds settle);

}  // namespace cphfleet
