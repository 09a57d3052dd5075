// The emulator's own endpoints under /_emulator/ (README "The emulator"): the orders it took, its
// faults (read and changed at run time), a reset, its counts, and paying an unpaid order as a person
// in the console would. Not part of the service: no auth, no rate limit, no latency.
#pragma once
#include "emulator/answer.hpp"

#include <string>
#include <string_view>

namespace cphfleet {

class routes;

answer admin_answer(const http::request<http::string_body>& req, std::string_view path,
                    const std::string& rid, routes& service);

}  // namespace cphfleet
