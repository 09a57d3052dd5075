// What `cphfleet emulator` takes on its command line, and the embedded emulator from the config's
// `[emulator]` table (src/app/service.hpp turns one into the other).
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cphfleet {

struct emulator_options {
  std::string listen = "127.0.0.1:0";  // HOST:PORT, port 0 = any free port
  std::string tls_cert;                // PEM chain; with tls_key, serve HTTPS
  std::string tls_key;
  std::string ak, sk;                    // both set: every API call must be SDK-HMAC-SHA256 signed
  std::string token;                     // set: every API call must carry X-Auth-Token equal to it
  std::string domain_id;                 // set: every billing call must carry X-Domain-Id equal to it
  std::int64_t metadata_lifetime_s = 0;  // > 0: serve the ECS metadata keys (emulator/metadata.hpp)
  double rate_limit = 0;                 // per API, per second, burst the same; 0 = unlimited
  std::int64_t latency_ms = 0;           // added before every API answer
  std::int64_t settle_ms = 0;            // new servers show in reads this long after their order
  std::int64_t boot_ms = 2000;           // --provision: then stay `creating` (1) this long before `normal`
                                         // (5), and their phones go `creating` (1) to `running` (2) by then
  std::int64_t pay_ms = 0;               // a PayOrders payment is processing (3) this long, then done
  std::int64_t slow_commit_ms = 120000;  // how late a slow_commit answer comes (if the client waits)
  std::map<std::string, double> faults;  // kind -> probability per purchase (provision_fail and
                                         // phone_fail: per server created; pay_drop: per PayOrders)
  std::string script;                    // "3:commit_then_drop,7:busy": exact purchase numbers
                                         // (pay_drop's number counts PayOrders calls)
  std::uint64_t seed = 1;                // faults only (lifecycle ones too); order and server ids are random
  std::string catalog_file;              // TOML; empty = the built-in catalog
  // APIs by their SDK names (ListCloudPhoneServers, ...) answered 403 CPS.0001, as for an account
  // whose IAM policy does not allow them.
  std::vector<std::string> forbidden_apis;
  // Bounds on what clients can hold: connections beyond max_connections are closed at once; a body
  // over max_body_bytes is answered 413; a request whose header has not arrived header_timeout_ms
  // after the connection went idle is dropped (its body then has 30 s more).
  std::size_t max_connections = 256;
  std::size_t max_body_bytes = 1024 * 1024;
  std::int64_t header_timeout_ms = 60000;
};

}  // namespace cphfleet
