// The service's URL paths, query parameters and JSON keys (docs/service.md), spelled once: the client
// builds requests and reads answers with them, the emulator routes requests and writes answers with
// them. The fields of a server or a catalog item are spelled by their JSON forms in src/api/reads.hpp.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cphfleet {

namespace api_path {
// Every API path is `/{version}/{project_id}/cloud-phone/{resource}[/{id}]`, the version `v1` but for
// the v2 purchase (POST /v2/{project_id}/cloud-phone/servers, CreateNet2CloudPhoneServer).
inline constexpr std::string_view version = "v1";
inline constexpr std::string_view version_v2 = "v2";
inline constexpr std::string_view service = "cloud-phone";

// POST phones: the purchase (CreateCloudPhoneServer); GET phones: the phone list (ListCloudPhones);
// GET phones/{id}: one phone (ShowCloudPhoneDetail).
inline constexpr std::string_view phones = "phones";
inline constexpr std::string_view servers = "servers";  // GET: the list; GET servers/{id}: one server
inline constexpr std::string_view server_models = "server-models";
inline constexpr std::string_view phone_models = "phone-models";
inline constexpr std::string_view phone_images = "phone-images";
inline constexpr std::string_view bandwidths = "bandwidths";

// `project_id` and `id` as they go on the wire (percent-encoded by the caller).
std::string of(std::string_view project_id, std::string_view resource, std::string_view id = {});
std::string of_version(std::string_view version, std::string_view project_id, std::string_view resource,
                       std::string_view id = {});

// The parts of a path of that shape, still encoded (views into `path`); nothing for any other path.
// `id` is empty when the path has none.
struct parts {
  std::string_view project_id;
  std::string_view resource;
  std::string_view id;
  std::string_view version = api_path::version;  // v1 or v2
};
std::optional<parts> parse(std::string_view path);
}  // namespace api_path

// The ECS metadata service's paths (docs/service.md "Authentication"), which the emulator serves too:
// a session token (PUT; answered only where the service asks for one) and the temporary keys of the
// ECS's agency (GET).
namespace ecs_metadata_path {
inline constexpr std::string_view token = "/meta-data/latest/api/token";
inline constexpr std::string_view securitykey = "/openstack/latest/securitykey";
}  // namespace ecs_metadata_path

// The query parameters of the reads (docs/service.md "Reads").
namespace api_query {
inline constexpr std::string_view offset = "offset";
inline constexpr std::string_view limit = "limit";              // 1..100 (the phone list: 1..200)
inline constexpr std::string_view server_name = "server_name";  // a substring of the name
inline constexpr std::string_view server_id = "server_id";      // servers and phones
inline constexpr std::string_view phone_model_name = "phone_model_name";
inline constexpr std::string_view network_version = "network_version";  // v1, v2
inline constexpr std::string_view status = "status";                    // servers, phones, phone models
inline constexpr std::string_view create_since = "create_since";        // Unix seconds
inline constexpr std::string_view create_until = "create_until";
inline constexpr std::string_view phone_name = "phone_name";      // a substring of the name
inline constexpr std::string_view type = "type";                  // phones: 0 ordinary
inline constexpr std::string_view product_type = "product_type";  // server models: 0 phone, 1 game
inline constexpr std::string_view image_type = "image_type";      // public, private, share, all
inline constexpr std::int64_t max_limit = 100;
inline constexpr std::int64_t max_phone_limit = 200;
}  // namespace api_query

// The keys of the answers' top level.
namespace api_key {
inline constexpr std::string_view request_id = "request_id";
inline constexpr std::string_view error_code = "error_code";
inline constexpr std::string_view error_msg = "error_msg";
inline constexpr std::string_view order_id = "order_id";  // the purchase's answer
inline constexpr std::string_view product_id = "product_id";
inline constexpr std::string_view server_ids = "server_ids";
inline constexpr std::string_view count = "count";                  // the list's answer: every match
inline constexpr std::string_view servers = "servers";              // and this page of them
inline constexpr std::string_view phones = "phones";                // the phone list's page
inline constexpr std::string_view server_models = "server_models";  // the catalog reads' answers
inline constexpr std::string_view phone_models = "phone_models";
inline constexpr std::string_view phone_images = "phone_images";
inline constexpr std::string_view band_widths = "band_widths";
}  // namespace api_key

}  // namespace cphfleet
