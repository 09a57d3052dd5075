#include "emulator/faults.hpp"

#include "base/text.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <stdexcept>

namespace cphfleet {
namespace {

fault_kind kind_at(std::size_t i) { return static_cast<fault_kind>(i + 1); }

fault_kind kind_or_throw(std::string_view name, std::string_view context) {
  if (auto k = parse_fault_kind(name)) return *k;
  throw std::invalid_argument(
      fmt::format("{}: unknown fault kind \"{}\" ({})", context, name, fault_kind_list()));
}

void check_probability(double p, std::string_view context) {
  if (!(p >= 0.0 && p <= 1.0))
    throw std::invalid_argument(fmt::format("{}: probability must be 0..1 (got {})", context, p));
}

// A uniform double in [0, 1) from the top 53 bits: the same on every platform, unlike
// std::uniform_real_distribution, whose algorithm the standard leaves open.
double unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

}  // namespace

std::string_view fault_name(fault_kind k) {
  if (k == fault_kind::pay_drop) return pay_drop_name;
  auto i = static_cast<std::size_t>(k);
  return i >= 1 && i <= fault_kind_names.size() ? fault_kind_names[i - 1] : "none";
}

std::optional<fault_kind> parse_fault_kind(std::string_view name) {
  for (std::size_t i = 0; i < fault_kind_names.size(); ++i)
    if (fault_kind_names[i] == name) return kind_at(i);
  if (name == pay_drop_name) return fault_kind::pay_drop;
  return std::nullopt;
}

std::string fault_kind_list() {
  std::string out;
  for (std::string_view n : fault_kind_names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out + ", " + std::string(pay_drop_name);
}

double uniform_unit(std::mt19937_64& rng) { return unit(rng); }

bool is_lifecycle_fault(fault_kind k) {
  return k == fault_kind::provision_fail || k == fault_kind::phone_fail;
}

bool is_pay_fault(fault_kind k) { return k == fault_kind::pay_drop; }

bool fault_before_commit(fault_kind k) {
  switch (k) {
    case fault_kind::commit_then_504:
    case fault_kind::commit_then_drop:
    case fault_kind::slow_commit:
    case fault_kind::pay_drop:
    case fault_kind::none:
      return false;
    default:
      return true;
  }
}

std::pair<fault_kind, double> parse_fault_option(std::string_view text) {
  std::string context = fmt::format("--fault \"{}\"", text);
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos)
    throw std::invalid_argument(fmt::format("{}: expected KIND:PROBABILITY, like throttle:0.1", context));
  fault_kind kind = kind_or_throw(trim(text.substr(0, colon)), context);
  std::string p_text(trim(text.substr(colon + 1)));
  double p = 0;
  std::size_t used = 0;
  try {
    p = std::stod(p_text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != p_text.size())
    throw std::invalid_argument(
        fmt::format("{}: probability \"{}\" is not a number (0..1)", context, p_text));
  check_probability(p, context);
  return {kind, p};
}

fault_script parse_fault_script(std::string_view text) {
  fault_script script;
  std::string context = fmt::format("--script \"{}\"", text);
  if (trim(text).empty()) return script;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = std::min(text.find(',', start), text.size());
    std::string_view item = trim(text.substr(start, comma - start));
    start = comma + 1;
    if (item.empty())
      throw std::invalid_argument(fmt::format("{}: empty item (expected N:KIND,...)", context));
    auto colon = item.find(':');
    if (colon == std::string_view::npos)
      throw std::invalid_argument(fmt::format("{}: \"{}\" is not N:KIND", context, item));
    std::string_view n_text = trim(item.substr(0, colon));
    std::uint64_t n = parse_integer<std::uint64_t>(n_text).value_or(0);
    if (n == 0)
      throw std::invalid_argument(
          fmt::format("{}: \"{}\" is not a purchase number (1, 2, ...)", context, n_text));
    fault_kind kind = kind_or_throw(trim(item.substr(colon + 1)), context);
    if (!script.emplace(n, kind).second)
      throw std::invalid_argument(fmt::format("{}: purchase {} is named twice", context, n));
  }
  return script;
}

fault_probabilities checked_probabilities(const std::map<std::string, double>& by_name) {
  fault_probabilities out;
  double sum = 0;
  for (const auto& [name, p] : by_name) {
    std::string context = fmt::format("fault \"{}\"", name);
    fault_kind kind = kind_or_throw(name, context);
    check_probability(p, context);
    out[kind] = p;
    if (!is_lifecycle_fault(kind) && !is_pay_fault(kind)) sum += p;
  }
  if (sum > 1.0 + 1e-9)
    throw std::invalid_argument(fmt::format("fault probabilities add up to {} (at most 1)", sum));
  return out;
}

fault_plan::fault_plan(fault_probabilities probabilities, fault_script script, std::uint64_t seed)
    : probabilities_(std::move(probabilities)),
      script_(std::move(script)),
      seed_(seed),
      rng_(seed),
      pay_rng_(seed) {}

fault_kind fault_plan::next() {
  ++purchases_;
  double u = unit(rng_);
  if (auto it = script_.find(purchases_); it != script_.end() && !is_pay_fault(it->second)) return it->second;
  double acc = 0;
  // std::map orders by the enum, which is the documented draw order.
  for (const auto& [kind, p] : probabilities_) {
    // The lifecycle kinds are drawn per server by the state, pay_drop per pay: not here.
    if (is_lifecycle_fault(kind) || is_pay_fault(kind)) continue;
    acc += p;
    if (u < acc) return kind;
  }
  return fault_kind::none;
}

fault_kind fault_plan::next_pay() {
  ++pays_;
  double u = unit(pay_rng_);
  if (auto it = script_.find(pays_); it != script_.end() && is_pay_fault(it->second)) return it->second;
  auto it = probabilities_.find(fault_kind::pay_drop);
  return it != probabilities_.end() && u < it->second ? fault_kind::pay_drop : fault_kind::none;
}

void fault_plan::restart() {
  purchases_ = 0;
  pays_ = 0;
  rng_.seed(seed_);
  pay_rng_.seed(seed_);
}

}  // namespace cphfleet
