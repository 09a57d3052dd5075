// The read side of the CPH API (docs/service.md "Reads"): servers, phones and the catalog, with their
// JSON forms. Every field of the official SDK's response models is here, with the model's JSON type.
// The emulator writes these shapes and the client reads them, through the same functions.
#pragma once
#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cphfleet {

// ---- servers (ListCloudPhoneServers, ShowCloudPhoneServerDetail) ------------------------------------

struct server_address {
  std::string intranet_ip;  // old name of server_ip
  std::string access_ip;    // old name of public_ip
  std::string server_ip;
  std::string public_ip;
};

struct server_volume {
  std::string volume_name;
  std::string volume_id;
  std::int64_t volume_size = 0;  // GiB
  std::string volume_type;
  std::string create_time;
  std::string update_time;
};

struct bandwidth_info {
  std::string band_width_name;
  std::string band_width_id;
  std::int64_t band_width_size = 0;  // Mbit/s
  int band_width_share_type = 0;     // 0 dedicated (per), 1 shared (whole)
  int band_width_charge_mode = 0;    // 0 by bandwidth, 1 by traffic
  std::string create_time;
  std::string update_time;
};

struct share_volume {
  std::string volume_type;
  std::int64_t size = 0;  // GiB
  int version = 0;        // 0 shared storage 1.0, 1 shared storage 2.0
};

// Server status, as the SDK's enum.
namespace server_status {
inline constexpr int abnormal = 2;
inline constexpr int normal = 5;
inline constexpr int frozen = 8;
inline constexpr int stopped = 10;
inline constexpr int stopping = 11;
inline constexpr int stop_failed = 12;
inline constexpr int starting = 13;
// 0, 1, 3 and 4 all mean "creating".
inline bool creating(int s) { return s == 0 || s == 1 || s == 3 || s == 4; }
}  // namespace server_status

struct server_info {
  std::string server_id;
  std::string server_name;
  std::string server_model_name;
  std::string phone_model_name;
  int status = 0;
  std::string create_time;           // YYYY-MM-DDTHH:MM:SSZ
  std::string order_id;              // metadata.order_id
  std::string product_id;            // metadata.product_id
  std::optional<int> charging_mode;  // metadata.charging_mode: 0 prepaid by period, 1 on demand
  std::string update_time;
  std::string availability_zone;
  std::string keypair_name;
  std::string network_version;  // "v1" the service's network, "v2" the tenant's VPC
  std::string vpc_id;
  std::string cidr;
  std::string vpc_cidr;
  std::string subnet_id;
  std::string subnet_cidr;
  std::vector<server_address> addresses;
  std::string resource_project_id;
  std::string enterprise_project_id;
  // ShowCloudPhoneServerDetail only:
  std::vector<bandwidth_info> band_widths;
  std::vector<server_volume> volumes;
  std::optional<share_volume> share_volume_info;
  std::vector<std::string> security_groups;
};

// Which model a server is written as: the list's (server.py) or the detail's, which adds band_widths,
// volumes, share_volume_info and security_groups.
enum class server_form { list, detail };

// ---- phones (ListCloudPhones, ShowCloudPhoneDetail) -------------------------------------------------

namespace phone_status {
inline constexpr int creating = 1;
inline constexpr int running = 2;
inline constexpr int abnormal = -7;
inline constexpr int creation_failed = -8;
}  // namespace phone_status

struct phone_access_info {
  std::string type;
  std::string device_ip;  // old name of phone_ip
  std::string phone_ip;
  std::int64_t listen_port = 0;
  std::string access_ip;  // old name of public_ip
  std::string public_ip;
  std::string intranet_ip;  // old name of server_ip
  std::string server_ip;
  std::int64_t access_port = 0;
  std::string phone_ipv6;
  std::string server_ipv6;
};

struct phone_data_volume {
  std::string volume_type;
  std::int64_t volume_size = 0;
};

struct phone_info {
  std::string phone_name;
  std::string server_id;
  std::string phone_id;
  std::string phone_model_name;
  std::string image_id;
  std::string image_version;
  std::string vnc_enable;  // "true" or "false": a string in the model
  int status = 0;          // phone_status
  int type = 0;            // 0 an ordinary phone
  std::string imei;
  std::string traffic_type;  // "direct" or "routing"
  int volume_mode = 0;       // 0 shared disk, 1 a disk of its own
  std::string availability_zone;
  std::string order_id;  // metadata.order_id
  std::string product_id;
  std::optional<bool> has_encrypt;
  std::string create_time;
  std::string update_time;
  // ShowCloudPhoneDetail only:
  std::vector<phone_access_info> access_infos;
  std::string property;                          // a JSON text in a string
  std::optional<phone_data_volume> data_volume;  // phone_data_volume
};

enum class phone_form { list, detail };

// ---- the catalog -------------------------------------------------------------------------------------

// product_type of server and phone models.
namespace product_type {
inline constexpr int cloud_phone = 0;
inline constexpr int cloud_game = 1;
}  // namespace product_type

struct server_model_os_volume {
  std::int64_t size = 0;  // GiB
  std::string volume_type;
};

struct server_model_extend_spec {
  std::string cpu;
  std::string memory;
  std::string disk;
  std::string network_interface;
  std::string gpu;
  std::string bms_flavor;
  std::int64_t gpu_count = 0;
  std::int64_t numa_count = 0;
  server_model_os_volume os_volume;
};

struct server_model {
  std::string server_model_name;
  std::string server_type;
  std::int64_t cpu = 0;
  std::int64_t memory = 0;  // GiB
  std::optional<int> product_type;
  server_model_extend_spec extend_spec;
  std::int64_t disk_max_num = 0;  // 0: local disks only
  std::int64_t free_size = 0;     // GiB of disk included
};

struct phone_model {
  std::string server_model_name;
  std::string phone_model_name;
  int status = 1;  // 1 on sale, 0 offline
  std::int64_t cpu = 0;
  std::int64_t memory = 0;  // MiB
  std::int64_t disk = 0;    // GiB
  std::string resolution;
  std::int64_t phone_capacity = 0;  // phones per server
  std::string extend_spec;          // free text in the model
  std::string spec_code;
  std::string image_label;  // the images that fit: qemu_phone, cloud_phone, cloud_phone_1620, ...
  std::optional<int> product_type;
  std::optional<int> phone_model_version;  // 0 flavor 1.0, 1 flavor 2.0
  std::int64_t dpi = 0;
  std::string fps;  // a string in the model
  int volume_mode = 0;
  std::int64_t render_fps = 0;
  std::int64_t stream_fps = 0;
};

struct phone_image {
  std::string image_id;
  std::string image_name;
  std::string os_type;
  int is_public = 1;  // 1 public, 2 private
  std::string image_label;
  std::string os_name;
  std::optional<bool> is_support_encrypt;
};

struct catalog {
  std::vector<server_model> server_models;
  std::vector<phone_model> phone_models;
  std::vector<phone_image> images;
  std::vector<bandwidth_info> bandwidths;
};

// The built-in catalog: the seed's example values (physical.rx1.xlarge, aphs1.medium.4.aosp, image
// 88b8449b896f3a4f0ad57222dd919899, ...) and flavors of both product types, offline flavors, flavors
// of version 1.0 and 2.0, public and private images.
catalog builtin_catalog();

// The phone model `phone_model_name` on `server_model_name`; null when the catalog has none.
const phone_model* find_phone_model(const catalog& c, std::string_view server_model_name,
                                    std::string_view phone_model_name);

// A server matches a chunk when its name is exactly `<chunk>` or `<chunk>-<digits>`
// (the list API filters by substring).
bool server_belongs_to_chunk(std::string_view server_name, std::string_view chunk);

// ---- JSON both ways ----------------------------------------------------------------------------------
// The writers produce the SDK models' field names and types. The readers take every field of the
// model, ignore unknown ones, leave absent ones empty, and throw std::runtime_error naming the field's
// path on a type they cannot use (`servers[2].metadata.charging_mode: must be an integer`). `path` is
// where the item sits in its answer; empty for an item read alone.

boost::json::object to_json(const server_info& s, server_form form = server_form::list);
server_info server_from_json(const boost::json::value& v, std::string_view path = {});
boost::json::object to_json(const phone_info& p, phone_form form = phone_form::list);
phone_info phone_from_json(const boost::json::value& v, std::string_view path = {});
boost::json::object to_json(const server_model& m);
server_model server_model_from_json(const boost::json::value& v, std::string_view path = {});
boost::json::object to_json(const phone_model& m);
phone_model phone_model_from_json(const boost::json::value& v, std::string_view path = {});
boost::json::object to_json(const phone_image& m);
phone_image phone_image_from_json(const boost::json::value& v, std::string_view path = {});
boost::json::object to_json(const bandwidth_info& m);
bandwidth_info bandwidth_from_json(const boost::json::value& v, std::string_view path = {});

// Whole answers, as the client reads them: the items under their key, `count` and `request_id`. An
// absent item array is an error (the answer is not the one asked for); an empty one is not.
template <typename Item>
struct read_answer {
  std::string request_id;
  std::optional<std::int64_t> count;  // the lists that have one: every match, not just this page
  std::vector<Item> items;
};
read_answer<server_info> read_server_list(const boost::json::value& v);     // ListCloudPhoneServers
read_answer<phone_info> read_phone_list(const boost::json::value& v);       // ListCloudPhones
read_answer<server_model> read_server_models(const boost::json::value& v);  // ListCloudPhoneServerModels
read_answer<phone_model> read_phone_models(const boost::json::value& v);    // ListCloudPhoneModels
read_answer<phone_image> read_phone_images(const boost::json::value& v);    // ListCloudPhoneImages
read_answer<bandwidth_info> read_bandwidths(const boost::json::value& v);   // ShowBandwidthDetail

}  // namespace cphfleet
