// Planning (README "Planning"): fleets + the ledger's view -> the purchase calls to make now.
// Knows no sockets.
#pragma once
#include "api/purchase_body.hpp"
#include "input/job_file.hpp"
#include "ledger/index.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace cphfleet {

struct planned_chunk {
  std::string fleet;
  std::string chunk;       // <fleet>-NNN, also the request's server_name
  std::int64_t count = 0;  // 1..10
  purchase_request request;
  std::string body;  // to_body(request): what is sent and recorded
};

struct fleet_plan {
  std::string fleet;
  std::int64_t target = 0;
  std::int64_t ordered = 0;             // servers in chunks whose latest status is ordered
  std::vector<std::string> unresolved;  // chunks in sending/unknown: settled before anything is sent
  std::int64_t unresolved_servers = 0;  // servers those chunks asked for
  std::vector<planned_chunk> chunks;
};

struct plan {
  std::string job;
  std::vector<fleet_plan> fleets;
  std::int64_t calls() const;
  std::int64_t servers() const;
};

// Missing servers per fleet packed into chunks of 10, lowest free chunk names first (free: never used,
// or latest status failed/retrying). Unresolved chunks count as neither ordered nor free: the caller
// settles them first, and the plan leaves their servers out (count - ordered - unresolved chunk counts
// is what is planned, so nothing is bought twice while they are open).
// A chunk name is never reused across fleets: a name the ledger records for another fleet is skipped.
// Throws input_error when a chunk name would not fit the API's 60 characters.
plan make_plan(const job_spec& job, const ledger_index& ledger);

// The spend guard: throws input_error (exit 2) when the plan buys more than `max_servers`. `path` (the
// config file the limit comes from) only goes into the diagnostic.
void check_spend_guard(const plan& p, std::int64_t max_servers, const std::string& path = {});

// `plan --json`: {job, calls, servers, fleets:[{fleet, target, ordered, unresolved, chunks:[{chunk, count,
// request}]}]}
std::string plan_to_json(const plan& p);

}  // namespace cphfleet
