// A token bucket on a caller-supplied clock (seconds as double), so it is testable without sleeping.
// Used by the scheduler (one per API, adaptive after 429s) and by the emulator's throttling.
#pragma once
#include <algorithm>

namespace cphfleet {

class token_bucket {
 public:
  token_bucket(double rate_per_s, double burst, double now_s)
      : rate_(rate_per_s), burst_(std::max(1.0, burst)), tokens_(std::max(1.0, burst)), last_(now_s) {}

  // Takes one token when available.
  bool try_take(double now_s) {
    refill(now_s);
    if (tokens_ >= 1.0) {
      tokens_ -= 1.0;
      return true;
    }
    return false;
  }
  // Seconds until one token is available (0 when one is there now). rate 0 = unlimited.
  double wait_s(double now_s) {
    refill(now_s);
    if (tokens_ >= 1.0 || rate_ <= 0) return 0;
    return (1.0 - tokens_) / rate_;
  }
  // Takes a token that may not be there yet (tokens go negative): the caller waits `wait_s` first.
  void take(double now_s) {
    refill(now_s);
    tokens_ -= 1.0;
  }

  double rate() const { return rate_; }
  double burst() const { return burst_; }
  void set_rate(double rate_per_s, double now_s) {
    refill(now_s);
    rate_ = rate_per_s;
  }
  // Drops the tokens on hand (after a 429 the gateway's own bucket is empty; ours should be too).
  void drain(double now_s) {
    refill(now_s);
    tokens_ = std::min(tokens_, 0.0);
  }

 private:
  void refill(double now_s) {
    if (rate_ <= 0) {
      tokens_ = burst_;
    } else if (now_s > last_) {
      tokens_ = std::min(burst_, tokens_ + (now_s - last_) * rate_);
    }
    last_ = std::max(last_, now_s);
  }

  double rate_;
  double burst_;
  double tokens_;
  double last_;
};

}  // namespace cphfleet
