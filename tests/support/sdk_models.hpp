// The response models of Huawei's official SDK for CPH (huaweicloudsdkcph/v1, release 3.1.211) as
// field -> type tables, written down from the models' openapi_types: what an answer must hold for the
// SDK to read it. Tests check the emulator's answers and the client's fixtures against them.
#pragma once
#include <fmt/format.h>
#include <boost/json.hpp>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace cphfleet::test {

using sdk_fields = std::vector<std::pair<std::string, std::string>>;

// Types: "str", "int", "bool", another model's name, or "list[T]".
inline const std::map<std::string, sdk_fields>& sdk_models() {
  static const std::map<std::string, sdk_fields> m = [] {
    std::map<std::string, sdk_fields> m = {
        {"Address",
         {{"intranet_ip", "str"}, {"access_ip", "str"}, {"server_ip", "str"}, {"public_ip", "str"}}},
        {"ServerMetadata", {{"product_id", "str"}, {"order_id", "str"}, {"charging_mode", "int"}}},
        {"Server",
         {{"server_name", "str"},
          {"availability_zone", "str"},
          {"server_id", "str"},
          {"server_model_name", "str"},
          {"phone_model_name", "str"},
          {"keypair_name", "str"},
          {"status", "int"},
          {"vpc_id", "str"},
          {"cidr", "str"},
          {"vpc_cidr", "str"},
          {"subnet_id", "str"},
          {"subnet_cidr", "str"},
          {"addresses", "list[Address]"},
          {"resource_project_id", "str"},
          {"metadata", "ServerMetadata"},
          {"network_version", "str"},
          {"enterprise_project_id", "str"},
          {"create_time", "str"},
          {"update_time", "str"}}},
        {"ListCloudPhoneServersResponse",
         {{"request_id", "str"}, {"count", "int"}, {"servers", "list[Server]"}}},
        {"Volume",
         {{"volume_name", "str"},
          {"volume_id", "str"},
          {"volume_size", "int"},
          {"volume_type", "str"},
          {"create_time", "str"},
          {"update_time", "str"}}},
        {"Bandwidth",
         {{"band_width_name", "str"},
          {"band_width_id", "str"},
          {"band_width_size", "int"},
          {"band_width_charge_mode", "int"},
          {"band_width_share_type", "int"},
          {"create_time", "str"},
          {"update_time", "str"}}},
        {"ShareVolumeInfo", {{"volume_type", "str"}, {"size", "int"}, {"version", "int"}}},
        {"ServerModelExtendSpecOsVolume", {{"size", "int"}, {"volume_type", "str"}}},
        {"ServerModelExtendSpec",
         {{"cpu", "str"},
          {"memory", "str"},
          {"disk", "str"},
          {"network_interface", "str"},
          {"gpu", "str"},
          {"bms_flavor", "str"},
          {"gpu_count", "int"},
          {"numa_count", "int"},
          {"os_volume", "ServerModelExtendSpecOsVolume"}}},
        {"ServerModel",
         {{"server_model_name", "str"},
          {"server_type", "str"},
          {"cpu", "int"},
          {"memory", "int"},
          {"extend_spec", "ServerModelExtendSpec"},
          {"disk_max_num", "int"},
          {"product_type", "int"},
          {"free_size", "int"}}},
        {"ListCloudPhoneServerModelsResponse",
         {{"request_id", "str"}, {"server_models", "list[ServerModel]"}}},
        {"PhoneModel",
         {{"server_model_name", "str"},
          {"phone_model_name", "str"},
          {"status", "int"},
          {"cpu", "int"},
          {"memory", "int"},
          {"disk", "int"},
          {"resolution", "str"},
          {"extend_spec", "str"},
          {"spec_code", "str"},
          {"phone_capacity", "int"},
          {"image_label", "str"},
          {"product_type", "int"},
          {"phone_model_version", "int"},
          {"dpi", "int"},
          {"fps", "str"},
          {"volume_mode", "int"},
          {"render_fps", "int"},
          {"stream_fps", "int"}}},
        {"ListCloudPhoneModelsResponse", {{"request_id", "str"}, {"phone_models", "list[PhoneModel]"}}},
        {"PhoneImage",
         {{"image_name", "str"},
          {"os_type", "str"},
          {"is_public", "int"},
          {"os_name", "str"},
          {"image_label", "str"},
          {"image_id", "str"},
          {"is_support_encrypt", "bool"}}},
        {"ListCloudPhoneImagesResponse", {{"request_id", "str"}, {"phone_images", "list[PhoneImage]"}}},
        {"ShowBandwidthDetailResponse", {{"request_id", "str"}, {"band_widths", "list[Bandwidth]"}}},
        {"PhoneMetadata", {{"order_id", "str"}, {"product_id", "str"}}},
        {"Phone",
         {{"phone_name", "str"},
          {"server_id", "str"},
          {"phone_id", "str"},
          {"phone_model_name", "str"},
          {"image_id", "str"},
          {"image_version", "str"},
          {"vnc_enable", "str"},
          {"status", "int"},
          {"type", "int"},
          {"imei", "str"},
          {"traffic_type", "str"},
          {"volume_mode", "int"},
          {"availability_zone", "str"},
          {"metadata", "PhoneMetadata"},
          {"has_encrypt", "bool"},
          {"create_time", "str"},
          {"update_time", "str"}}},
        {"ListCloudPhonesResponse", {{"phones", "list[Phone]"}, {"request_id", "str"}, {"count", "int"}}},
        {"PhoneAccessInfo",
         {{"type", "str"},
          {"device_ip", "str"},
          {"phone_ip", "str"},
          {"listen_port", "int"},
          {"access_ip", "str"},
          {"public_ip", "str"},
          {"intranet_ip", "str"},
          {"server_ip", "str"},
          {"access_port", "int"},
          {"phone_ipv6", "str"},
          {"server_ipv6", "str"}}},
        {"PhoneDataVolume", {{"volume_type", "str"}, {"volume_size", "int"}}},
        {"ShowCloudPhoneDetailResponse",
         {{"request_id", "str"},
          {"phone_name", "str"},
          {"server_id", "str"},
          {"phone_id", "str"},
          {"image_id", "str"},
          {"image_version", "str"},
          {"vnc_enable", "str"},
          {"phone_model_name", "str"},
          {"status", "int"},
          {"access_infos", "list[PhoneAccessInfo]"},
          {"property", "str"},
          {"metadata", "PhoneMetadata"},
          {"phone_data_volume", "PhoneDataVolume"},
          {"imei", "str"},
          {"type", "int"},
          {"traffic_type", "str"},
          {"volume_mode", "int"},
          {"availability_zone", "str"},
          {"has_encrypt", "bool"},
          {"create_time", "str"},
          {"update_time", "str"}}},
    };
    // The detail is a Server with request_id, band_widths, volumes, share_volume_info, security_groups.
    sdk_fields detail = m.at("Server");
    detail.insert(detail.end(), {{"request_id", "str"},
                                 {"band_widths", "list[Bandwidth]"},
                                 {"volumes", "list[Volume]"},
                                 {"share_volume_info", "ShareVolumeInfo"},
                                 {"security_groups", "list[str]"}});
    m["ShowCloudPhoneServerDetailResponse"] = std::move(detail);
    return m;
  }();
  return m;
}

// Every field of `model` that `v` lacks or holds with another type, as `path: problem`; empty when
// `v` is exactly what the SDK reads. A list must have at least one item, so its items get checked.
inline void check_sdk_model(const boost::json::value& v, const std::string& type, const std::string& path,
                            std::vector<std::string>& problems) {
  if (type == "str") {
    if (!v.is_string()) problems.push_back(path + ": not a string");
  } else if (type == "int") {
    if (!v.is_int64() && !v.is_uint64()) problems.push_back(path + ": not an integer");
  } else if (type == "bool") {
    if (!v.is_bool()) problems.push_back(path + ": not a boolean");
  } else if (type.starts_with("list[")) {
    if (!v.is_array()) {
      problems.push_back(path + ": not an array");
      return;
    }
    if (v.get_array().empty()) problems.push_back(path + ": empty (nothing to check)");
    std::string item = type.substr(5, type.size() - 6);
    for (std::size_t i = 0; i < v.get_array().size(); ++i)
      check_sdk_model(v.get_array()[i], item, fmt::format("{}[{}]", path, i), problems);
  } else {
    if (!v.is_object()) {
      problems.push_back(path + ": not an object");
      return;
    }
    for (const auto& [field, field_type] : sdk_models().at(type)) {
      std::string at = path.empty() ? field : path + "." + field;
      const boost::json::value* f = v.get_object().if_contains(field);
      if (f == nullptr) {
        problems.push_back(at + ": missing");
      } else {
        check_sdk_model(*f, field_type, at, problems);
      }
    }
  }
}

inline std::vector<std::string> sdk_problems(const boost::json::value& v, const std::string& model) {
  std::vector<std::string> problems;
  check_sdk_model(v, model, "", problems);
  return problems;
}

}  // namespace cphfleet::test
