// What the emulator answers to one request, before a session writes it: status, body and what the
// session does with it (write, close after, drop, hold back).
#pragma once
#include "base/net.hpp"

#include <boost/json/fwd.hpp>

#include <string>
#include <string_view>

namespace cphfleet {

enum class answer_action {
  reply,        // write it, keep the connection if the client wants
  reply_close,  // write it, then close (the request could not be read to its end)
  drop,         // close without writing
  slow,         // write it only after slow_commit_ms, unless the client leaves first
};

struct answer {
  http::status status = http::status::ok;
  std::string body;
  std::string_view content_type = "application/json;charset=UTF-8";
  answer_action act = answer_action::reply;
  bool api_call = false;  // latency applies to API answers, not to the admin endpoints
};

answer json_answer(http::status status, const boost::json::value& v);
// The service's error shape: {"request_id", "error_code", "error_msg"}.
answer error_answer(http::status status, std::string_view request_id, std::string_view code,
                    std::string_view msg);

}  // namespace cphfleet
