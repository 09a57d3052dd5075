// The CPH purchase calls (docs/service.md "Purchase"): v1 CreateCloudPhoneServer and v2
// CreateNet2CloudPhoneServer, their bodies, every rule of them, and their JSON forms. The one source of
// truth for validation, shared by the job file checks and by the emulator.
#pragma once
#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cphfleet {

// Which purchase call a body is for. v1 posts to /v1/{project_id}/cloud-phone/phones, v2 to
// /v2/{project_id}/cloud-phone/servers (servers in the tenant's own VPC).
enum class purchase_api { v1, v2 };
std::string_view to_string(purchase_api api);
std::optional<purchase_api> parse_purchase_api(std::string_view s);  // "v1" | "v2"
// The API a recorded body was built for: v2 bodies always carry `tenant_vpc_id` and `nics` (both
// required there), v1 bodies never do. What lets a ledger row say which call it went to without a
// column of its own, so ledgers written before v2 read unchanged.
purchase_api purchase_api_of(std::string_view body);

struct band_width_spec {
  std::optional<std::string> band_width_id;
  std::optional<std::int64_t> band_width_share_type;   // 0 dedicated, 1 shared
  std::optional<std::int64_t> band_width_size;         // Mbit/s
  std::optional<std::int64_t> band_width_charge_mode;  // v2 only: 0 by bandwidth, 1 by traffic
};

struct extend_param_spec {
  std::int64_t charging_mode = 0;                    // 0 only
  std::int64_t period_type = 2;                      // 2 month, 3 year
  std::int64_t period_num = 1;                       // month 1..9, year 1..10
  std::optional<std::int64_t> is_auto_pay;           // 1 pay from balance; 0/unset leaves the order unpaid
  std::optional<std::int64_t> is_auto_renew;         // 1 renew at the end of the period; 0/unset do not
  std::optional<std::string> enterprise_project_id;  // unset or "0": the default enterprise project
  bool auto_pay() const { return is_auto_pay.value_or(0) == 1; }
};

// v2: one network interface of the server, in a subnet of `tenant_vpc_id`.
struct nic_spec {
  std::optional<std::string> subnet_id;  // required (a UUID)
  std::optional<bool> ipv6_enable;       // a JSON boolean
  // `ipv6_bandwidth.band_width_id`: the shared bandwidth IPv6 is bound to. The outer optional says
  // whether the `ipv6_bandwidth` object is there at all.
  std::optional<std::optional<std::string>> ipv6_band_width_id;
};

// v2: the servers' public addresses. `eip.type` buys new EIPs, `ids` uses an existing one; `count`
// (default 1) says how many, 0 for none.
struct public_ip_spec {
  std::optional<std::vector<std::string>> ids;
  std::optional<std::optional<std::string>> eip_type;  // the outer optional: whether `eip` is there
  std::optional<std::int64_t> count;
};

// v2: a disk (`phone_data_volume`, `server_share_data_volume`).
struct volume_spec {
  std::optional<std::string> volume_type;  // SSD or GPSSD
  std::optional<std::int64_t> size;        // GiB
};

struct port_spec {
  std::string name;                  // 1..16 bytes, not adb/vnc
  std::int64_t listen_port = 0;      // 10000..50000
  bool internet_accessible = false;  // sent as "true"/"false"
};

struct purchase_request {
  purchase_api api = purchase_api::v1;
  std::string server_name;        // 1..60 characters, [A-Za-z0-9_-] and CJK ideographs
  std::string server_model_name;  // 1..64 bytes
  std::string phone_model_name;   // 1..64 bytes
  std::string image_id;           // 1..32 bytes
  std::int64_t count = 1;         // 1..10
  band_width_spec band_width;
  extend_param_spec extend_param;
  std::optional<std::string> keypair_name;  // <= 64 bytes
  std::vector<port_spec> ports;             // empty: left out of the body
  // v1 only.
  std::optional<bool> vnc_enable;          // sent as "true"/"false"
  std::optional<std::string> subnet_cidr;  // IPv4 CIDR
  // v2 only.
  std::optional<std::string> tenant_vpc_id;   // required (a UUID)
  std::optional<std::vector<nic_spec>> nics;  // required, at least one
  std::optional<public_ip_spec> public_ip;    // required
  std::optional<std::string> availability_zone;
  std::optional<std::int64_t> phone_count_per_ip;  // 1..the flavor's phone count
  std::optional<volume_spec> phone_data_volume;    // required for "2.0" phone flavors (online check)
  std::optional<volume_spec> server_share_data_volume;
  std::optional<std::string> property;  // phone properties, a JSON object as a string, 1..8192
};

// One broken rule. `field` is the API's own path (`count`, `band_width.band_width_size`,
// `ports[1].listen_port`); `message` reads "what is wrong (what is allowed)"; `code` is the error code
// the service answers for it (CPS.0024, CPS.0031, APIGW.0201 for malformed or mistyped input, ...).
struct api_error {
  std::string field;
  std::string message;
  std::string code;
};

// Every rule of the purchase body of `request.api` (docs/service.md "Purchase") that needs no catalog,
// all broken ones reported (not just the first). Fields of the other API are not looked at.
std::vector<api_error> validate(const purchase_request& request);

// Rules on single values, for callers that check a part (the job file checks a fleet's name with the
// chunk part it will get).
bool is_valid_server_name_chars(std::string_view s);  // [A-Za-z0-9_-] and CJK Unified Ideographs
bool is_valid_ipv4_cidr(std::string_view s);
bool is_uuid(std::string_view s);  // 8-4-4-4-12 hex digits, either case

// The exact body `request.api` expects: strings "true"/"false" for the string-typed booleans, JSON
// booleans for v2's `ipv6_enable`, integers as integers, unset optional fields and the other API's
// fields left out. `to_body` is its compact serialization (what is sent and
// what the ledger's `request` column holds).
boost::json::object to_json(const purchase_request& request);
std::string to_body(const purchase_request& request);

// Reads a body as the service of `api` does (members of the other API are ignored, as unknown members
// are). Malformed JSON, a missing required member or a wrong type is an APIGW.0201 error naming the
// field; values are not range-checked here (that is `validate`). Without `api`, the body's own
// (purchase_api_of) is used: what reading a recorded ledger row needs.
struct parsed_purchase {
  purchase_request request;
  std::vector<api_error> errors;  // empty when the body is structurally sound
};
parsed_purchase parse_purchase(std::string_view body);
parsed_purchase parse_purchase(std::string_view body, purchase_api api);

// The 200 answer (v1 and v2 alike).
struct purchase_response {
  std::string request_id;
  std::string order_id;
  std::string product_id;
  std::vector<std::string> server_ids;  // newer service versions only
};

}  // namespace cphfleet
