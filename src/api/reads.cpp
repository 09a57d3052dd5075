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
  // Illustrative values in the SDK's units (memory of a server in GiB, of a phone in MiB); the names
  // of the server flavors and image labels are the ones the SDK's phone_image.py names.
  auto server = [](std::string name, std::string type, std::int64_t cpu, std::int64_t memory, int product,
                   std::string gpu, std::int64_t gpu_count, std::int64_t disk_max_num,
                   std::int64_t free_size) {
    server_model m;
    m.server_model_name = std::move(name);
    m.server_type = type;
    m.cpu = cpu;
    m.memory = memory;
    m.product_type = product;
    m.extend_spec = {type,      "DDR4", "SSD",      "25GE", std::move(gpu), m.server_model_name,
                     gpu_count, 4,      {40, "SSD"}};
    m.disk_max_num = disk_max_num;
    m.free_size = free_size;
    return m;
  };
  c.server_models = {
      server("physical.rx1.xlarge", "Hi1616", 64, 256, product_type::cloud_phone, "", 0, 0, 0),
      server("physical.rx1.xlarge.v2", "Hi1616", 64, 256, product_type::cloud_phone, "", 0, 0, 0),
      server("physical.kg1.4xlarge.cp", "Kunpeng920", 128, 384, product_type::cloud_phone, "", 0, 2, 100),
      server("physical.rx1.xlarge.cg", "Hi1616", 64, 256, product_type::cloud_game, "AMD WX5100", 2, 0, 0),
      server("physical.kg1.4xlarge.cg", "Kunpeng920", 128, 512, product_type::cloud_game, "AMD WX5100", 4, 2,
             100),
  };
  struct phone_row {
    const char* server;
    const char* name;
    int status;
    std::int64_t cpu, memory, disk;
    const char* resolution;
    std::int64_t capacity;
    const char* label;
    int product, version;
    std::int64_t dpi;
    const char* fps;
    int volume_mode;
  };
  const phone_row phones[] = {
      {"physical.rx1.xlarge", "aphs1.medium.4.aosp", 1, 2, 4096, 32, "720x1280", 30, "cloud_phone", 0, 0, 320,
       "30", 0},
      {"physical.rx1.xlarge", "aphs1.large.4.aosp", 1, 4, 8192, 64, "1080x1920", 15, "cloud_phone", 0, 0, 480,
       "30", 0},
      {"physical.rx1.xlarge", "aphs1.small.2.aosp", 0, 1, 2048, 16, "720x1280", 60, "cloud_phone", 0, 0, 320,
       "30", 0},
      {"physical.rx1.xlarge.v2", "aphs1.medium.4.aosp.v2", 1, 2, 4096, 32, "720x1280", 30, "cloud_phone", 0,
       0, 320, "30", 0},
      {"physical.kg1.4xlarge.cp", "kg1.large.8.aosp", 1, 8, 16384, 128, "1080x2340", 16, "cloud_phone_1620",
       0, 0, 480, "30", 0},
      {"physical.kg1.4xlarge.cp", "kg1.medium.4.aosp.2", 1, 4, 8192, 64, "720x1280", 32, "cloud_phone_1620",
       0, 1, 320, "30", 1},
      {"physical.rx1.xlarge.cg", "aphs1.game.8.aosp", 1, 8, 16384, 64, "1080x1920", 4, "cloud_game", 1, 0,
       480, "60", 0},
      {"physical.kg1.4xlarge.cg", "kg1.game.16.aosp.2", 1, 16, 32768, 128, "1080x2340", 8, "cloud_game_1620",
       1, 1, 480, "60", 1},
      {"physical.kg1.4xlarge.cg", "kg1.game.8.aosp", 0, 8, 16384, 64, "1080x1920", 16, "cloud_game_1620", 1,
       0, 480, "60", 0},
  };
  for (const auto& p : phones) {
    phone_model m;
    m.server_model_name = p.server;
    m.phone_model_name = p.name;
    m.status = p.status;
    m.cpu = p.cpu;
    m.memory = p.memory;
    m.disk = p.disk;
    m.resolution = p.resolution;
    m.phone_capacity = p.capacity;
    m.extend_spec = fmt::format("{} vCPU, {} MiB, {} GiB, {}", p.cpu, p.memory, p.disk, p.resolution);
    m.spec_code = p.name;
    m.image_label = p.label;
    m.product_type = p.product;
    m.phone_model_version = p.version;
    m.dpi = p.dpi;
    m.fps = p.fps;
    m.volume_mode = p.volume_mode;
    m.render_fps = std::stoll(p.fps);
    m.stream_fps = std::stoll(p.fps);
    c.phone_models.push_back(std::move(m));
  }
  c.images = {
      {"88b8449b896f3a4f0ad57222dd919899", "CloudPhone_AOSP_10", "android", 1, "cloud_phone", "Android 10",
       false},
      {"3c2c8d2a7b3e4f0a9b6c5d4e3f2a1b0c", "CloudPhone_AOSP_11", "android", 1, "cloud_phone", "Android 11",
       true},
      {"7d6c5b4a39281706f5e4d3c2b1a09f8e", "CloudPhone_AOSP_11_1620", "android", 1, "cloud_phone_1620",
       "Android 11", true},
      {"9f1e2d3c4b5a69788796a5b4c3d2e1f0", "CloudPhone_AOSP_12_Game", "android", 1, "cloud_game",
       "Android 12", false},
      {"2b3c4d5e6f708192a3b4c5d6e7f80912", "CloudGame_AOSP_11_1620", "android", 1, "cloud_game_1620",
       "Android 11", false},
      {"e0d1c2b3a4958677685940312a1b0c9d", "MyApps_AOSP_10", "android", 2, "cloud_phone", "Android 10",
       false},
  };
  c.bandwidths = {
      {"cph-shared-100", "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", 100, 1, 0, "2026-01-05T08:00:00Z",
       "2026-01-05T08:00:00Z"},
      {"cph-shared-300", "5f4e3d2c-1b0a-4f9e-8d7c-6b5a4f3e2d1c", 300, 1, 1, "2026-02-10T09:30:00Z",
       "2026-03-01T12:00:00Z"},
  };
  return c;
}

const phone_model* find_phone_model(const catalog& c, std::string_view server_model_name,
                                    std::string_view phone_model_name) {
  for (const auto& p : c.phone_models)
    if (p.server_model_name == server_model_name && p.phone_model_name == phone_model_name) return &p;
  return nullptr;
}

bool server_belongs_to_chunk(std::string_view server_name, std::string_view chunk) {
  if (!server_name.starts_with(chunk)) return false;
  std::string_view rest = server_name.substr(chunk.size());
  if (rest.empty()) return true;
  if (rest.size() < 2 || rest.front() != '-') return false;
  return std::all_of(rest.begin() + 1, rest.end(), [](char c) { return c >= '0' && c <= '9'; });
}

namespace {

std::string join_path(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
}

[[noreturn]] void wrong_type(std::string_view path, std::string_view what) {
  throw std::runtime_error(fmt::format("{}: must be {}", path, what));
}

// Reads the fields of one JSON object into a struct: an absent or null field leaves the target as it
// is, a field of the wrong type throws naming its path.
class object_reader {
 public:
  object_reader(const json::value& v, std::string path, std::string_view name) : path_(std::move(path)) {
    if (!v.is_object()) wrong_type(path_.empty() ? name : std::string_view(path_), "an object");
    o_ = &v.get_object();
  }

  void text(std::string_view key, std::string& out) const {
    if (const json::value* v = find(key)) {
      if (!v->is_string()) wrong_type(join_path(path_, key), "a string");
      out = std::string(v->get_string());
    }
  }

  template <typename Int>
  void integer(std::string_view key, Int& out) const {
    if (const json::value* v = find(key)) out = integer_of<Int>(*v, join_path(path_, key));
  }
  template <typename Int>
  void integer(std::string_view key, std::optional<Int>& out) const {
    if (const json::value* v = find(key)) out = integer_of<Int>(*v, join_path(path_, key));
  }

  void boolean(std::string_view key, std::optional<bool>& out) const {
    if (const json::value* v = find(key)) {
      if (!v->is_bool()) wrong_type(join_path(path_, key), "true or false");
      out = v->get_bool();
    }
  }

  // `f(object_reader&)` for a nested object.
  template <typename F>
  void object(std::string_view key, F&& f) const {
    if (const json::value* v = find(key)) {
      object_reader nested(*v, join_path(path_, key), key);
      f(nested);
    }
  }

  // `f(item, path)` for each item of an array, path `key[i]`.
  template <typename F>
  void array(std::string_view key, F&& f) const {
    if (const json::value* v = find(key)) {
      std::string at = join_path(path_, key);
      if (!v->is_array()) wrong_type(at, "an array");
      std::size_t i = 0;
      for (const auto& item : v->get_array()) f(item, fmt::format("{}[{}]", at, i++));
    }
  }

  void strings(std::string_view key, std::vector<std::string>& out) const {
    array(key, [&](const json::value& item, const std::string& at) {
      if (!item.is_string()) wrong_type(at, "a string");
      out.emplace_back(item.get_string());
    });
  }

  const std::string& path() const { return path_; }
  bool has(std::string_view key) const { return find(key) != nullptr; }

 private:
  const json::value* find(std::string_view key) const {
    const json::value* v = o_->if_contains(key);
    return v == nullptr || v->is_null() ? nullptr : v;
  }

  template <typename Int>
  static Int integer_of(const json::value& v, const std::string& at) {
    auto fail = [&] { wrong_type(at, "an integer"); };
    if (v.is_int64()) {
      std::int64_t i = v.get_int64();
      if (i < std::numeric_limits<Int>::min() || i > std::numeric_limits<Int>::max()) fail();
      return static_cast<Int>(i);
    }
    if (v.is_uint64()) {
      std::uint64_t u = v.get_uint64();
      if (u > static_cast<std::uint64_t>(std::numeric_limits<Int>::max())) fail();
      return static_cast<Int>(u);
    }
    if (v.is_double()) {
      // Some JSON writers send 64.0 for 64; a fraction is still a wrong type. The bounds are the powers
      // of two a double holds exactly: max() as a double rounds up to -min(), which does not fit.
      double d = v.get_double();
      const double lowest = static_cast<double>(std::numeric_limits<Int>::min());
      if (std::floor(d) != d || d < lowest || d >= -lowest) fail();
      return static_cast<Int>(d);
    }
    fail();
    return 0;
  }

  std::string path_;
  const json::object* o_ = nullptr;
};

template <typename T>
void put_optional(json::object& o, std::string_view key, const std::optional<T>& v) {
  if (v) o[key] = *v;
}

json::object to_json(const server_address& a) {
  return {{"intranet_ip", a.intranet_ip},
          {"access_ip", a.access_ip},
          {"server_ip", a.server_ip},
          {"public_ip", a.public_ip}};
}

server_address address_from(const object_reader& r) {
  server_address a;
  r.text("intranet_ip", a.intranet_ip);
  r.text("access_ip", a.access_ip);
  r.text("server_ip", a.server_ip);
  r.text("public_ip", a.public_ip);
  return a;
}

json::object to_json(const server_volume& v) {
  return {{"volume_name", v.volume_name}, {"volume_id", v.volume_id},     {"volume_size", v.volume_size},
          {"volume_type", v.volume_type}, {"create_time", v.create_time}, {"update_time", v.update_time}};
}

server_volume volume_from(const object_reader& r) {
  server_volume v;
  r.text("volume_name", v.volume_name);
  r.text("volume_id", v.volume_id);
  r.integer("volume_size", v.volume_size);
  r.text("volume_type", v.volume_type);
  r.text("create_time", v.create_time);
  r.text("update_time", v.update_time);
  return v;
}

bandwidth_info bandwidth_from(const object_reader& r) {
  bandwidth_info m;
  r.text("band_width_name", m.band_width_name);
  r.text("band_width_id", m.band_width_id);
  r.integer("band_width_size", m.band_width_size);
  r.integer("band_width_share_type", m.band_width_share_type);
  r.integer("band_width_charge_mode", m.band_width_charge_mode);
  r.text("create_time", m.create_time);
  r.text("update_time", m.update_time);
  return m;
}

json::object to_json(const phone_access_info& a) {
  return {{"type", a.type},
          {"device_ip", a.device_ip},
          {"phone_ip", a.phone_ip},
          {"listen_port", a.listen_port},
          {"access_ip", a.access_ip},
          {"public_ip", a.public_ip},
          {"intranet_ip", a.intranet_ip},
          {"server_ip", a.server_ip},
          {"access_port", a.access_port},
          {"phone_ipv6", a.phone_ipv6},
          {"server_ipv6", a.server_ipv6}};
}

phone_access_info access_info_from(const object_reader& r) {
  phone_access_info a;
  r.text("type", a.type);
  r.text("device_ip", a.device_ip);
  r.text("phone_ip", a.phone_ip);
  r.integer("listen_port", a.listen_port);
  r.text("access_ip", a.access_ip);
  r.text("public_ip", a.public_ip);
  r.text("intranet_ip", a.intranet_ip);
  r.text("server_ip", a.server_ip);
  r.integer("access_port", a.access_port);
  r.text("phone_ipv6", a.phone_ipv6);
  r.text("server_ipv6", a.server_ipv6);
  return a;
}

}  // namespace

json::object to_json(const server_info& s, server_form form) {
  json::object o;
  o["server_id"] = s.server_id;
  o["server_name"] = s.server_name;
  o["server_model_name"] = s.server_model_name;
  o["phone_model_name"] = s.phone_model_name;
  o["status"] = s.status;
  o["create_time"] = s.create_time;
  o["update_time"] = s.update_time;
  o["availability_zone"] = s.availability_zone;
  o["keypair_name"] = s.keypair_name;
  o["network_version"] = s.network_version;
  o["vpc_id"] = s.vpc_id;
  o["cidr"] = s.cidr;
  o["vpc_cidr"] = s.vpc_cidr;
  o["subnet_id"] = s.subnet_id;
  o["subnet_cidr"] = s.subnet_cidr;
  json::array addresses;
  for (const auto& a : s.addresses) addresses.emplace_back(to_json(a));
  o["addresses"] = std::move(addresses);
  o["resource_project_id"] = s.resource_project_id;
  o["enterprise_project_id"] = s.enterprise_project_id;
  json::object meta;
  meta["order_id"] = s.order_id;
  meta["product_id"] = s.product_id;
  put_optional(meta, "charging_mode", s.charging_mode);
  o["metadata"] = std::move(meta);
  if (form == server_form::detail) {
    json::array bandwidths, volumes, groups;
    for (const auto& b : s.band_widths) bandwidths.emplace_back(to_json(b));
    for (const auto& v : s.volumes) volumes.emplace_back(to_json(v));
    for (const auto& g : s.security_groups) groups.emplace_back(g);
    o["band_widths"] = std::move(bandwidths);
    o["volumes"] = std::move(volumes);
    o["security_groups"] = std::move(groups);
    if (s.share_volume_info) {
      o["share_volume_info"] = {{"volume_type", s.share_volume_info->volume_type},
                                {"size", s.share_volume_info->size},
                                {"version", s.share_volume_info->version}};
    }
  }
  return o;
}

server_info server_from_json(const json::value& v, std::string_view path) {
  object_reader r(v, std::string(path), "server");
  server_info s;
  r.text("server_id", s.server_id);
  r.text("server_name", s.server_name);
  r.text("server_model_name", s.server_model_name);
  r.text("phone_model_name", s.phone_model_name);
  r.integer("status", s.status);
  r.text("create_time", s.create_time);
  r.text("update_time", s.update_time);
  r.text("availability_zone", s.availability_zone);
  r.text("keypair_name", s.keypair_name);
  r.text("network_version", s.network_version);
  r.text("vpc_id", s.vpc_id);
  r.text("cidr", s.cidr);
  r.text("vpc_cidr", s.vpc_cidr);
  r.text("subnet_id", s.subnet_id);
  r.text("subnet_cidr", s.subnet_cidr);
  r.array("addresses", [&](const json::value& item, const std::string& at) {
    s.addresses.push_back(address_from(object_reader(item, at, "address")));
  });
  r.text("resource_project_id", s.resource_project_id);
  r.text("enterprise_project_id", s.enterprise_project_id);
  r.object("metadata", [&](const object_reader& meta) {
    meta.text("order_id", s.order_id);
    meta.text("product_id", s.product_id);
    meta.integer("charging_mode", s.charging_mode);
  });
  r.array("band_widths", [&](const json::value& item, const std::string& at) {
    s.band_widths.push_back(bandwidth_from(object_reader(item, at, "bandwidth")));
  });
  r.array("volumes", [&](const json::value& item, const std::string& at) {
    s.volumes.push_back(volume_from(object_reader(item, at, "volume")));
  });
  r.object("share_volume_info", [&](const object_reader& sv) {
    share_volume out;
    sv.text("volume_type", out.volume_type);
    sv.integer("size", out.size);
    sv.integer("version", out.version);
    s.share_volume_info = std::move(out);
  });
  r.strings("security_groups", s.security_groups);
  return s;
}

json::object to_json(const phone_info& p, phone_form form) {
  json::object o;
  o["phone_name"] = p.phone_name;
  o["server_id"] = p.server_id;
  o["phone_id"] = p.phone_id;
  o["phone_model_name"] = p.phone_model_name;
  o["image_id"] = p.image_id;
  o["image_version"] = p.image_version;
  o["vnc_enable"] = p.vnc_enable;
  o["status"] = p.status;
  o["type"] = p.type;
  o["imei"] = p.imei;
  o["traffic_type"] = p.traffic_type;
  o["volume_mode"] = p.volume_mode;
  o["availability_zone"] = p.availability_zone;
  o["metadata"] = {{"order_id", p.order_id}, {"product_id", p.product_id}};
  put_optional(o, "has_encrypt", p.has_encrypt);
  o["create_time"] = p.create_time;
  o["update_time"] = p.update_time;
  if (form == phone_form::detail) {
    json::array infos;
    for (const auto& a : p.access_infos) infos.emplace_back(to_json(a));
    o["access_infos"] = std::move(infos);
    o["property"] = p.property;
    if (p.data_volume) {
      o["phone_data_volume"] = {{"volume_type", p.data_volume->volume_type},
                                {"volume_size", p.data_volume->volume_size}};
    }
  }
  return o;
}

phone_info phone_from_json(const json::value& v, std::string_view path) {
  object_reader r(v, std::string(path), "phone");
  phone_info p;
  r.text("phone_name", p.phone_name);
  r.text("server_id", p.server_id);
  r.text("phone_id", p.phone_id);
  r.text("phone_model_name", p.phone_model_name);
  r.text("image_id", p.image_id);
  r.text("image_version", p.image_version);
  r.text("vnc_enable", p.vnc_enable);
  r.integer("status", p.status);
  r.integer("type", p.type);
  r.text("imei", p.imei);
  r.text("traffic_type", p.traffic_type);
  r.integer("volume_mode", p.volume_mode);
  r.text("availability_zone", p.availability_zone);
  r.object("metadata", [&](const object_reader& meta) {
    meta.text("order_id", p.order_id);
    meta.text("product_id", p.product_id);
  });
  r.boolean("has_encrypt", p.has_encrypt);
  r.text("create_time", p.create_time);
  r.text("update_time", p.update_time);
  r.array("access_infos", [&](const json::value& item, const std::string& at) {
    p.access_infos.push_back(access_info_from(object_reader(item, at, "access info")));
  });
  r.text("property", p.property);
  r.object("phone_data_volume", [&](const object_reader& dv) {
    phone_data_volume out;
    dv.text("volume_type", out.volume_type);
    dv.integer("volume_size", out.volume_size);
    p.data_volume = std::move(out);
  });
  return p;
}

json::object to_json(const server_model& m) {
  const auto& e = m.extend_spec;
  json::object o{{"server_model_name", m.server_model_name},
                 {"server_type", m.server_type},
                 {"cpu", m.cpu},
                 {"memory", m.memory},
                 {"extend_spec",
                  {{"cpu", e.cpu},
                   {"memory", e.memory},
                   {"disk", e.disk},
                   {"network_interface", e.network_interface},
                   {"gpu", e.gpu},
                   {"bms_flavor", e.bms_flavor},
                   {"gpu_count", e.gpu_count},
                   {"numa_count", e.numa_count},
                   {"os_volume", {{"size", e.os_volume.size}, {"volume_type", e.os_volume.volume_type}}}}},
                 {"disk_max_num", m.disk_max_num},
                 {"free_size", m.free_size}};
  put_optional(o, "product_type", m.product_type);
  return o;
}

server_model server_model_from_json(const json::value& v, std::string_view path) {
  object_reader r(v, std::string(path), "server model");
  server_model m;
  r.text("server_model_name", m.server_model_name);
  r.text("server_type", m.server_type);
  r.integer("cpu", m.cpu);
  r.integer("memory", m.memory);
  r.object("extend_spec", [&](const object_reader& e) {
    auto& s = m.extend_spec;
    e.text("cpu", s.cpu);
    e.text("memory", s.memory);
    e.text("disk", s.disk);
    e.text("network_interface", s.network_interface);
    e.text("gpu", s.gpu);
    e.text("bms_flavor", s.bms_flavor);
    e.integer("gpu_count", s.gpu_count);
    e.integer("numa_count", s.numa_count);
    e.object("os_volume", [&](const object_reader& os) {
      os.integer("size", s.os_volume.size);
      os.text("volume_type", s.os_volume.volume_type);
    });
  });
  r.integer("disk_max_num", m.disk_max_num);
  r.integer("product_type", m.product_type);
  r.integer("free_size", m.free_size);
  return m;
}

json::object to_json(const phone_model& m) {
  json::object o{{"server_model_name", m.server_model_name},
                 {"phone_model_name", m.phone_model_name},
                 {"status", m.status},
                 {"cpu", m.cpu},
                 {"memory", m.memory},
                 {"disk", m.disk},
                 {"resolution", m.resolution},
                 {"extend_spec", m.extend_spec},
                 {"spec_code", m.spec_code},
                 {"phone_capacity", m.phone_capacity},
                 {"image_label", m.image_label}};
  put_optional(o, "product_type", m.product_type);
  put_optional(o, "phone_model_version", m.phone_model_version);
  o["dpi"] = m.dpi;
  o["fps"] = m.fps;
  o["volume_mode"] = m.volume_mode;
  o["render_fps"] = m.render_fps;
  o["stream_fps"] = m.stream_fps;
  return o;
}

phone_model phone_model_from_json(const json::value& v, std::string_view path) {
  object_reader r(v, std::string(path), "phone model");
  phone_model m;
  r.text("server_model_name", m.server_model_name);
  r.text("phone_model_name", m.phone_model_name);
  r.integer("status", m.status);
  r.integer("cpu", m.cpu);
  r.integer("memory", m.memory);
  r.integer("disk", m.disk);
  r.text("resolution", m.resolution);
  r.text("extend_spec", m.extend_spec);
  r.text("spec_code", m.spec_code);
  r.integer("phone_capacity", m.phone_capacity);
  r.text("image_label", m.image_label);
  r.integer("product_type", m.product_type);
  r.integer("phone_model_version", m.phone_model_version);
  r.integer("dpi", m.dpi);
  r.text("fps", m.fps);
  r.integer("volume_mode", m.volume_mode);
  r.integer("render_fps", m.render_fps);
  r.integer("stream_fps", m.stream_fps);
  return m;
}

json::object to_json(const phone_image& m) {
  json::object o{{"image_id", m.image_id}, {"image_name", m.image_name}, {"os_type", m.os_type},
                 {"os_name", m.os_name},   {"is_public", m.is_public},   {"image_label", m.image_label}};
  put_optional(o, "is_support_encrypt", m.is_support_encrypt);
  return o;
}

phone_image phone_image_from_json(const json::value& v, std::string_view path) {
  object_reader r(v, std::string(path), "phone image");
  phone_image m;
  r.text("image_id", m.image_id);
  r.text("image_name", m.image_name);
  r.text("os_type", m.os_type);
  r.text("os_name", m.os_name);
  r.integer("is_public", m.is_public);
  r.text("image_label", m.image_label);
  r.boolean("is_support_encrypt", m.is_support_encrypt);
  return m;
}

json::object to_json(const bandwidth_info& m) {
  return {{"band_width_name", m.band_width_name},
          {"band_width_id", m.band_width_id},
          {"band_width_size", m.band_width_size},
          {"band_width_share_type", m.band_width_share_type},
          {"band_width_charge_mode", m.band_width_charge_mode},
          {"create_time", m.create_time},
          {"update_time", m.update_time}};
}

bandwidth_info bandwidth_from_json(const json::value& v, std::string_view path) {
  return bandwidth_from(object_reader(v, std::string(path), "bandwidth"));
}

namespace {

template <typename Item, typename Read>
read_answer<Item> read_list(const json::value& v, std::string_view key, bool counted, Read read) {
  object_reader r(v, "", "answer");
  read_answer<Item> out;
  r.text("request_id", out.request_id);
  if (counted) r.integer("count", out.count);
  if (!r.has(key)) throw std::runtime_error(fmt::format("{}: missing", key));
  r.array(key, [&](const json::value& item, const std::string& at) { out.items.push_back(read(item, at)); });
  return out;
}

}  // namespace

read_answer<server_info> read_server_list(const json::value& v) {
  return read_list<server_info>(v, "servers", true, server_from_json);
}
read_answer<phone_info> read_phone_list(const json::value& v) {
  return read_list<phone_info>(v, "phones", true, phone_from_json);
}
read_answer<server_model> read_server_models(const json::value& v) {
  return read_list<server_model>(v, "server_models", false, server_model_from_json);
}
read_answer<phone_model> read_phone_models(const json::value& v) {
  return read_list<phone_model>(v, "phone_models", false, phone_model_from_json);
}
read_answer<phone_image> read_phone_images(const json::value& v) {
  return read_list<phone_image>(v, "phone_images", false, phone_image_from_json);
}
read_answer<bandwidth_info> read_bandwidths(const json::value& v) {
  return read_list<bandwidth_info>(v, "band_widths", false, bandwidth_from_json);
}

}  // namespace cphfleet
