#include "app/progress.hpp"

#include <fmt/format.h>

#include <cmath>

namespace cphfleet {

void progress_meter::add(double t_s, std::int64_t requests, std::int64_t servers_ordered) {
  samples_.push_back({t_s, requests, servers_ordered});
  // Keep one sample at or before the window's start, so the window is always covered whole.
  while (samples_.size() > 2 && samples_[1].t_s <= t_s - window_s_) samples_.pop_front();
}

double progress_meter::rate(std::int64_t sample::*field) const {
  if (samples_.size() < 2) return 0;
  const sample& first = samples_.front();
  const sample& last = samples_.back();
  double dt = last.t_s - first.t_s;
  if (dt <= 0) return 0;
  return static_cast<double>(last.*field - first.*field) / dt;
}

double progress_meter::requests_per_s() const { return rate(&sample::requests); }
double progress_meter::servers_per_s() const { return rate(&sample::servers); }

namespace {

std::string duration_text(double seconds) {
  auto s = static_cast<std::int64_t>(std::ceil(seconds));
  if (s < 60) return fmt::format("{} s", s);
  if (s < 3600) return fmt::format("{} min {} s", s / 60, s % 60);
  return fmt::format("{} h {} min", s / 3600, (s % 3600) / 60);
}

}  // namespace

std::vector<std::string> progress_segments(const progress_figures& f) {
  std::vector<std::string> out;
  if (f.target > 0) {
    out.push_back(
        fmt::format("{}: {}/{} servers ({}%)", f.command, f.ordered, f.target, f.ordered * 100 / f.target));
  } else {
    out.push_back(fmt::format("{}: {} servers ordered", f.command, f.ordered));
  }
  // While waiting to settle, nothing else moves: say what and how long first.
  if (f.settling > 0) {
    std::string when = f.next_settle_s ? fmt::format(", next read in {} s", *f.next_settle_s) : "";
    out.push_back(fmt::format("settling {} chunk{}{}", f.settling, f.settling == 1 ? "" : "s", when));
  }
  std::int64_t left = f.target - f.ordered - f.unknown;
  if (f.target > 0 && left > 0 && f.servers_per_s > 0)
    out.push_back("ETA " + duration_text(static_cast<double>(left) / f.servers_per_s));
  std::string rate = fmt::format("{:.1f} req/s", f.requests_per_s);
  // After a 429 the client holds a lower rate than configured, and recovers toward it.
  if (f.rate_cap > 0 && f.configured_rate > 0 && f.rate_cap < f.configured_rate * 0.999)
    rate += fmt::format(" (cap {:.1f}/s)", f.rate_cap);
  out.push_back(std::move(rate));
  if (f.throttled > 0) out.push_back(fmt::format("{} throttled", f.throttled));
  if (f.unknown > 0) out.push_back(fmt::format("{} unknown", f.unknown));
  out.push_back(fmt::format("{} in flight", f.in_flight));
  if (f.waiting > 0) out.push_back(fmt::format("{} waiting", f.waiting));
  out.push_back(fmt::format("{} requests", f.requests));
  if (f.retries > 0) out.push_back(fmt::format("{} retries", f.retries));
  return out;
}

}  // namespace cphfleet
