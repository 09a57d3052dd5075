// The read side of the CPH API (docs/service.md "Reads"): servers and the catalog, with their JSON forms.
// The emulator writes these shapes and the client reads them, through the same functions.
#pragma once
#include <boost/json/fwd.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cphfleet {

struct server_info {
  std::string server_id;
  std::string server_name;
  std::string server_model_name;
  std::string phone_model_name;
  int status = 0;           // 0,1,3,4 creating; 2 abnormal; 5 running; ...
  std::string create_time;  // YYYY-MM-DDTHH:MM:SSZ
  std::string order_id;     // metadata.order_id
  std::string product_id;   // metadata.product_id
};

struct server_model {
  std::string server_model_name;
  std::string server_type;
  std::int64_t cpu = 0;
  std::int64_t memory = 0;
  std::string product_type;
};

struct phone_model {
  std::string server_model_name;
  std::string phone_model_name;
  int status = 1;  // 1 on sale, 0 offline
  std::int64_t cpu = 0;
  std::int64_t memory = 0;
  std::int64_t disk = 0;
  std::string resolution;
  std::int64_t phone_capacity = 0;
};

struct phone_image {
  std::string image_id;
  std::string image_name;
  std::string os_type;
  int is_public = 1;
  std::string image_label;
};

struct bandwidth_info {
  std::string band_width_id;
  std::int64_t band_width_size = 0;
  int band_width_share_type = 0;
  int band_width_charge_mode = 0;
};

struct catalog {
  std::vector<server_model> server_models;
  std::vector<phone_model> phone_models;
  std::vector<phone_image> images;
  std::vector<bandwidth_info> bandwidths;
};

// The built-in catalog: contains the seed's example values (physical.rx1.xlarge,
// aphs1.medium.4.aosp, image 88b8449b896f3a4f0ad57222dd919899, ...).
catalog builtin_catalog();

// A server matches a chunk when its name is exactly `<chunk>` or `<chunk>-<digits>`
// (the list API filters by substring).
bool server_belongs_to_chunk(std::string_view server_name, std::string_view chunk);

// JSON both ways. The writers produce the service's field names; the readers tolerate missing fields
// and extra ones, and throw std::runtime_error naming the field on a wrong type.
boost::json::object to_json(const server_info& s);
server_info server_from_json(const boost::json::value& v);
boost::json::object to_json(const server_model& m);
server_model server_model_from_json(const boost::json::value& v);
boost::json::object to_json(const phone_model& m);
phone_model phone_model_from_json(const boost::json::value& v);
boost::json::object to_json(const phone_image& m);
phone_image phone_image_from_json(const boost::json::value& v);
boost::json::object to_json(const bandwidth_info& m);
bandwidth_info bandwidth_from_json(const boost::json::value& v);

}  // namespace cphfleet
