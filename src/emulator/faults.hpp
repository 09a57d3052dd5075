// The emulator's faults on demand (README "The emulator"): what can go wrong with a purchase, how
// often, and on which purchase exactly. Deterministic for a given seed, so a failing run can be
// replayed.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace cphfleet {

// In the order they are drawn: a random draw walks this order adding probabilities, so the same
// probabilities and seed always pick the same kind.
enum class fault_kind {
  none,
  throttle,          // 429 APIGW.0308, as the gateway throttles
  busy,              // 400 CPS.0042 System busy
  error500,          // 500, nothing taken
  error502,          // 502 with a gateway's HTML page, nothing taken
  error503,          // 503, nothing taken
  error504,          // 504, nothing taken
  commit_then_504,   // order taken, then 504
  commit_then_drop,  // order taken, connection closed without an answer
  drop_before,       // connection closed, nothing taken
  slow_commit,       // order taken, answer later than any client timeout
  no_balance,        // 400, nothing taken: the account cannot pay (a permanent refusal)
  // Not purchase faults: what happens to the servers an order creates, drawn for each server as it is
  // created (emulator/state.hpp), never for a purchase, and not counted in the purchase sum.
  provision_fail,  // the server ends at status 2 (abnormal) when its provisioning time is over
  phone_fail,      // one phone of the server ends at -8 (creation failed)
  // Not a purchase fault either: drawn for each PayOrders call (its own draws and numbers).
  pay_drop,  // the payment is taken, the connection closed without an answer
};

// The kinds' names, in enum order from `throttle` (the config file checks `[emulator] faults` keys
// against this list).
inline constexpr std::array<std::string_view, 13> fault_kind_names{
    "throttle",    "busy",        "error500",        "error502",
    "error503",    "error504",    "commit_then_504", "commit_then_drop",
    "drop_before", "slow_commit", "no_balance",      "provision_fail",
    "phone_fail"};

// pay_drop's name: not in fault_kind_names, since the config file's `[emulator] faults` does not take it
// (only --fault and --script do).
inline constexpr std::string_view pay_drop_name = "pay_drop";

std::string_view fault_name(fault_kind k);
std::optional<fault_kind> parse_fault_kind(std::string_view name);
// Every kind but `none`, comma separated: for error messages and --help.
std::string fault_kind_list();

// provision_fail and phone_fail: drawn per server created, not per purchase.
bool is_lifecycle_fault(fault_kind k);
// pay_drop: drawn per PayOrders call, not per purchase.
bool is_pay_fault(fault_kind k);
// A uniform double in [0, 1) from one draw, the same on every platform: what every fault draw uses.
double uniform_unit(std::mt19937_64& rng);

// True when the kind answers before anything is committed.
bool fault_before_commit(fault_kind k);

using fault_probabilities = std::map<fault_kind, double>;
// Purchase number (1-based) -> kind; for pay_drop, the number counts PayOrders calls instead.
using fault_script = std::map<std::uint64_t, fault_kind>;

// Parsers for the command line and the admin API. They throw std::invalid_argument with a message
// that names the bad part: `--fault "thrott:0.1": unknown kind "thrott" (throttle, busy, ...)`.
std::pair<fault_kind, double> parse_fault_option(std::string_view text);  // "KIND:P"
fault_script parse_fault_script(std::string_view text);                   // "3:commit_then_drop,7:busy"
// Checks each probability is within 0..1 and the sum of the purchase kinds is at most 1 (the lifecycle
// kinds are drawn on their own, per server, and pay_drop per PayOrders call).
fault_probabilities checked_probabilities(const std::map<std::string, double>& by_name);

// Picks the fault for each purchase, in the order purchases arrive. One random draw per purchase,
// whether or not the script names it, so the random faults of later purchases do not depend on the
// script.
class fault_plan {
 public:
  fault_plan(fault_probabilities probabilities, fault_script script, std::uint64_t seed);

  // The fault for the next purchase; numbers purchases 1, 2, 3...
  fault_kind next();
  std::uint64_t purchases() const { return purchases_; }
  // The fault for the next PayOrders call (pay_drop or none): numbered and drawn apart from purchases,
  // one draw per call, so pays do not shift the purchases' faults.
  fault_kind next_pay();

  void set_probabilities(fault_probabilities p) { probabilities_ = std::move(p); }
  const fault_probabilities& probabilities() const { return probabilities_; }
  // Forgets the purchase count and restarts the random sequence (the admin reset).
  void restart();

 private:
  fault_probabilities probabilities_;
  fault_script script_;
  std::uint64_t seed_;
  std::mt19937_64 rng_;
  std::mt19937_64 pay_rng_;
  std::uint64_t purchases_ = 0;
  std::uint64_t pays_ = 0;
};

}  // namespace cphfleet
