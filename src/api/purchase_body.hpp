// The CPH purchase call (docs/service.md "Purchase"): its body, every rule of it, and its JSON forms.
// The one source of truth for validation, shared by the job file checks and by the emulator.
#pragma once
#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cphfleet {

struct band_width_spec {
  std::optional<std::string> band_width_id;
  std::optional<std::int64_t> band_width_share_type;  // 0 dedicated, 1 shared
  std::optional<std::int64_t> band_width_size;        // Mbit/s
};

struct extend_param_spec {
  std::int64_t charging_mode = 0;           // 0 only
  std::int64_t period_type = 2;             // 2 month, 3 year
  std::int64_t period_num = 1;              // month 1..9, year 1..10
  std::optional<std::int64_t> is_auto_pay;  // 1 pay from balance; 0/unset leaves the order unpaid
  bool auto_pay() const { return is_auto_pay.value_or(0) == 1; }
};

struct port_spec {
  std::string name;                  // 1..16 bytes, not adb/vnc
  std::int64_t listen_port = 0;      // 10000..50000
  bool internet_accessible = false;  // sent as "true"/"false"
};

struct purchase_request {
  std::string server_name;        // 1..60 characters, [A-Za-z0-9_-] and CJK ideographs
  std::string server_model_name;  // 1..64 bytes
  std::string phone_model_name;   // 1..64 bytes
  std::string image_id;           // 1..32 bytes
  std::int64_t count = 1;         // 1..10
  band_width_spec band_width;
  extend_param_spec extend_param;
  std::optional<std::string> keypair_name;  // <= 64 bytes
  std::optional<bool> vnc_enable;           // sent as "true"/"false"
  std::vector<port_spec> ports;             // empty: left out of the body
  std::optional<std::string> subnet_cidr;   // IPv4 CIDR
};

// One broken rule. `field` is the API's own path (`count`, `band_width.band_width_size`,
// `ports[1].listen_port`); `message` reads "what is wrong (what is allowed)"; `code` is the error code
// the service answers for it (CPS.0024, CPS.0031, APIGW.0201 for malformed or mistyped input, ...).
struct api_error {
  std::string field;
  std::string message;
  std::string code;
};

// Every rule of the purchase body (docs/service.md "Purchase") that needs no catalog, all broken ones
// reported (not just the first).
std::vector<api_error> validate(const purchase_request& request);

// Rules on single values, for callers that check a part (the job file checks a fleet's name with the
// chunk part it will get).
bool is_valid_server_name_chars(std::string_view s);  // [A-Za-z0-9_-] and CJK Unified Ideographs
bool is_valid_ipv4_cidr(std::string_view s);

// The exact body the API expects: strings "true"/"false" for the string-typed booleans, integers as
// integers, unset optional fields left out. `to_body` is its compact serialization (what is sent and
// what the ledger's `request` column holds).
boost::json::object to_json(const purchase_request& request);
std::string to_body(const purchase_request& request);

// Reads a body as the service does. Malformed JSON, a missing required field or a wrong type is an
// APIGW.0201 error naming the field; values are not range-checked here (that is `validate`).
struct parsed_purchase {
  purchase_request request;
  std::vector<api_error> errors;  // empty when the body is structurally sound
};
parsed_purchase parse_purchase(std::string_view body);

// The 200 answer.
struct purchase_response {
  std::string request_id;
  std::string order_id;
  std::string product_id;
  std::vector<std::string> server_ids;  // newer service versions only
};

}  // namespace cphfleet
