#include "api/reads.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace cphfleet {
namespace json = boost::json;

catalog builtin_catalog() {
  catalog c;
  c.server_models = {
      {"physical.rx1.xlarge", "0", 64, 262144, "CPH"},
      {"physical.rx1.xlarge.v2", "0", 64, 262144, "CPH"},
      {"physical.kg1.4xlarge.cp", "0", 128, 393216, "CPH"},
  };
  c.phone_models = {
      {"physical.rx1.xlarge", "aphs1.medium.4.aosp", 1, 2, 4096, 32, "720x1280", 30},
      {"physical.rx1.xlarge", "aphs1.large.4.aosp", 1, 4, 8192, 64, "1080x1920", 15},
      {"physical.rx1.xlarge", "aphs1.small.2.aosp", 0, 1, 2048, 16, "720x1280", 60},  // offline
      {"physical.rx1.xlarge.v2", "aphs1.medium.4.aosp.v2", 1, 2, 4096, 32, "720x1280", 30},
      {"physical.kg1.4xlarge.cp", "kg1.large.8.aosp", 1, 8, 16384, 128, "1080x2340", 16},
  };
  c.images = {
      {"88b8449b896f3a4f0ad57222dd919899", "CloudPhone_AOSP_10", "android", 1, "cloud_phone"},
      {"3c2c8d2a7b3e4f0a9b6c5d4e3f2a1b0c", "CloudPhone_AOSP_11", "android", 1, "cloud_phone"},
      {"9f1e2d3c4b5a69788796a5b4c3d2e1f0", "CloudPhone_AOSP_12_Game", "android", 0, "cloud_game"},
  };
  c.bandwidths = {
      {"1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", 100, 1, 0},
      {"5f4e3d2c-1b0a-4f9e-8d7c-6b5a4f3e2d1c", 300, 1, 1},
  };
  return c;
}

bool server_belongs_to_chunk(std::string_view server_name, std::string_view chunk) {
  if (!server_name.starts_with(chunk)) return false;
  std::string_view rest = server_name.substr(chunk.size());
  if (rest.empty()) return true;
  if (rest.size() < 2 || rest.front() != '-') return false;
  return std::all_of(rest.begin() + 1, rest.end(), [](char c) { return c >= '0' && c <= '9'; });
}

namespace {

const json::object& as_object(const json::value& v, std::string_view what) {
  if (!v.is_object()) throw std::runtime_error(fmt::format("{}: must be an object", what));
  return v.get_object();
}

void read_string(const json::object& o, std::string_view key, std::string& out,
                 std::string_view prefix = {}) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return;
  if (!v->is_string()) throw std::runtime_error(fmt::format("{}{}: must be a string", prefix, key));
  out = std::string(v->get_string());
}

template <typename Int>
void read_int(const json::object& o, std::string_view key, Int& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return;
  auto fail = [&] { return std::runtime_error(fmt::format("{}: must be an integer", key)); };
  if (v->is_int64()) {
    std::int64_t i = v->get_int64();
    if (i < std::numeric_limits<Int>::min() || i > std::numeric_limits<Int>::max()) throw fail();
    out = static_cast<Int>(i);
  } else if (v->is_uint64()) {
    std::uint64_t u = v->get_uint64();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<Int>::max())) throw fail();
    out = static_cast<Int>(u);
  } else if (v->is_double()) {
    // Some JSON writers send 64.0 for 64; a fraction is still a wrong type. The bounds are the powers
    // of two a double holds exactly: max() as a double rounds up to -min(), which does not fit.
    double d = v->get_double();
    const double lowest = static_cast<double>(std::numeric_limits<Int>::min());
    if (std::floor(d) != d || d < lowest || d >= -lowest) throw fail();
    out = static_cast<Int>(d);
  } else {
    throw fail();
  }
}

}  // namespace

json::object to_json(const server_info& s) {
  json::object o;
  o["server_id"] = s.server_id;
  o["server_name"] = s.server_name;
  o["server_model_name"] = s.server_model_name;
  o["phone_model_name"] = s.phone_model_name;
  o["status"] = s.status;
  o["create_time"] = s.create_time;
  json::object meta;
  meta["order_id"] = s.order_id;
  meta["product_id"] = s.product_id;
  meta["charging_mode"] = "0";  // prepaid by period: the only mode the purchase call offers
  o["metadata"] = std::move(meta);
  return o;
}

server_info server_from_json(const json::value& v) {
  const json::object& o = as_object(v, "server");
  server_info s;
  read_string(o, "server_id", s.server_id);
  read_string(o, "server_name", s.server_name);
  read_string(o, "server_model_name", s.server_model_name);
  read_string(o, "phone_model_name", s.phone_model_name);
  read_int(o, "status", s.status);
  read_string(o, "create_time", s.create_time);
  if (const json::value* m = o.if_contains("metadata"); m != nullptr && !m->is_null()) {
    const json::object& meta = as_object(*m, "metadata");
    read_string(meta, "order_id", s.order_id, "metadata.");
    read_string(meta, "product_id", s.product_id, "metadata.");
  }
  return s;
}

json::object to_json(const server_model& m) {
  return {{"server_model_name", m.server_model_name},
          {"server_type", m.server_type},
          {"cpu", m.cpu},
          {"memory", m.memory},
          {"product_type", m.product_type}};
}

server_model server_model_from_json(const json::value& v) {
  const json::object& o = as_object(v, "server model");
  server_model m;
  read_string(o, "server_model_name", m.server_model_name);
  read_string(o, "server_type", m.server_type);
  read_int(o, "cpu", m.cpu);
  read_int(o, "memory", m.memory);
  read_string(o, "product_type", m.product_type);
  return m;
}

json::object to_json(const phone_model& m) {
  return {{"server_model_name", m.server_model_name},
          {"phone_model_name", m.phone_model_name},
          {"status", m.status},
          {"cpu", m.cpu},
          {"memory", m.memory},
          {"disk", m.disk},
          {"resolution", m.resolution},
          {"phone_capacity", m.phone_capacity}};
}

phone_model phone_model_from_json(const json::value& v) {
  const json::object& o = as_object(v, "phone model");
  phone_model m;
  read_string(o, "server_model_name", m.server_model_name);
  read_string(o, "phone_model_name", m.phone_model_name);
  read_int(o, "status", m.status);
  read_int(o, "cpu", m.cpu);
  read_int(o, "memory", m.memory);
  read_int(o, "disk", m.disk);
  read_string(o, "resolution", m.resolution);
  read_int(o, "phone_capacity", m.phone_capacity);
  return m;
}

json::object to_json(const phone_image& m) {
  return {{"image_id", m.image_id},
          {"image_name", m.image_name},
          {"os_type", m.os_type},
          {"is_public", m.is_public},
          {"image_label", m.image_label}};
}

phone_image phone_image_from_json(const json::value& v) {
  const json::object& o = as_object(v, "phone image");
  phone_image m;
  read_string(o, "image_id", m.image_id);
  read_string(o, "image_name", m.image_name);
  read_string(o, "os_type", m.os_type);
  read_int(o, "is_public", m.is_public);
  read_string(o, "image_label", m.image_label);
  return m;
}

json::object to_json(const bandwidth_info& m) {
  return {{"band_width_id", m.band_width_id},
          {"band_width_size", m.band_width_size},
          {"band_width_share_type", m.band_width_share_type},
          {"band_width_charge_mode", m.band_width_charge_mode}};
}

bandwidth_info bandwidth_from_json(const json::value& v) {
  const json::object& o = as_object(v, "bandwidth");
  bandwidth_info m;
  read_string(o, "band_width_id", m.band_width_id);
  read_int(o, "band_width_size", m.band_width_size);
  read_int(o, "band_width_share_type", m.band_width_share_type);
  read_int(o, "band_width_charge_mode", m.band_width_charge_mode);
  return m;
}

}  // namespace cphfleet
