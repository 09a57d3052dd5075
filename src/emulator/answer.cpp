#include "emulator/answer.hpp"

#include "api/paths.hpp"

#include <boost/json.hpp>

namespace cphfleet {

answer json_answer(http::status status, const boost::json::value& v) {
  answer a;
  a.status = status;
  a.body = boost::json::serialize(v);
  return a;
}

answer error_answer(http::status status, std::string_view request_id, std::string_view code,
                    std::string_view msg) {
  return json_answer(
      status, boost::json::object{
                  {api_key::request_id, request_id}, {api_key::error_code, code}, {api_key::error_msg, msg}});
}

}  // namespace cphfleet
