// The exit codes every command returns (README "Exit codes"): scripts and cron depend on them.
#pragma once

namespace cphfleet::exit_code {

inline constexpr int ok = 0;
inline constexpr int failed = 1;      // some chunks failed (audit: disagreement)
inline constexpr int invalid = 2;     // invalid input or config, nothing sent
inline constexpr int unresolved = 3;  // unknown chunks remain
inline constexpr int creating = 3;    // status: servers still creating (and none failed)
inline constexpr int aborted = 4;     // auth failure, open circuit
inline constexpr int locked = 75;     // another process holds the ledger
inline constexpr int sigint = 130;
inline constexpr int sigterm = 143;

}  // namespace cphfleet::exit_code
