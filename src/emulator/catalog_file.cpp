#include "emulator/catalog_file.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <optional>
#include <set>
#include <stdexcept>

namespace cphfleet {
namespace {

struct catalog_reader {
  std::string path;

  [[noreturn]] void fail(const toml::node& n, const std::string& field, const std::string& what) const {
    const auto& src = n.source();
    throw std::runtime_error(
        fmt::format("{}:{}:{}: {}: {}", path, src.begin.line, src.begin.column, field, what));
  }

  template <typename F>
  void each_table(const toml::table& root, std::string_view key, F&& f) const {
    const toml::node* n = root.get(key);
    if (n == nullptr) return;
    const toml::array* arr = n->as_array();
    if (arr == nullptr)
      fail(*n, std::string(key), "must be an array of tables ([[" + std::string(key) + "]])");
    std::size_t i = 0;
    for (const toml::node& item : *arr) {
      std::string field = fmt::format("{}[{}]", key, i++);
      const toml::table* t = item.as_table();
      if (t == nullptr) fail(item, field, "must be a table");
      f(*t, field);
    }
  }

  void string_field(const toml::table& t, const std::string& field, std::string_view key, std::string& out,
                    std::set<std::string_view>& known) const {
    known.insert(key);
    if (const toml::node* n = t.get(key)) {
      if (!n->is_string()) fail(*n, field + "." + std::string(key), "must be a string");
      out = n->value<std::string>().value();
    }
  }

  template <typename Int>
  void int_field(const toml::table& t, const std::string& field, std::string_view key, Int& out,
                 std::set<std::string_view>& known) const {
    known.insert(key);
    if (const toml::node* n = t.get(key)) {
      if (!n->is_integer()) fail(*n, field + "." + std::string(key), "must be an integer");
      out = static_cast<Int>(n->value<std::int64_t>().value());
    }
  }

  void bool_field(const toml::table& t, const std::string& field, std::string_view key,
                  std::optional<bool>& out, std::set<std::string_view>& known) const {
    known.insert(key);
    if (const toml::node* n = t.get(key)) {
      if (!n->is_boolean()) fail(*n, field + "." + std::string(key), "must be true or false");
      out = n->value<bool>().value();
    }
  }

  // An integer among `allowed`; `legacy` maps the strings older catalog files used.
  void enum_field(const toml::table& t, const std::string& field, std::string_view key,
                  std::optional<int>& out, std::initializer_list<int> allowed, std::string_view what,
                  std::set<std::string_view>& known, std::string_view legacy_string = {},
                  int legacy_value = 0) const {
    known.insert(key);
    const toml::node* n = t.get(key);
    if (n == nullptr) return;
    if (!legacy_string.empty() && n->is_string() && n->value<std::string>().value() == legacy_string) {
      out = legacy_value;
      return;
    }
    auto v = n->value_exact<std::int64_t>();
    if (!v || std::find(allowed.begin(), allowed.end(), *v) == allowed.end())
      fail(*n, field + "." + std::string(key), std::string("must be ") + std::string(what));
    out = static_cast<int>(*v);
  }

  void no_unknown(const toml::table& t, const std::string& field,
                  const std::set<std::string_view>& known) const {
    for (const auto& [k, v] : t)
      if (!known.contains(k.str())) fail(v, field + "." + std::string(k.str()), "unknown key");
  }
};

}  // namespace

catalog load_catalog_file(const std::filesystem::path& path) {
  toml::table root;
  try {
    root = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    throw std::runtime_error(fmt::format("{}:{}:{}: {}", path.string(), e.source().begin.line,
                                         e.source().begin.column, e.description()));
  }
  catalog_reader r{path.string()};
  catalog c;
  for (const auto& [k, v] : root) {
    std::string_view key = k.str();
    if (key != "server_models" && key != "phone_models" && key != "phone_images" && key != "bandwidths")
      r.fail(v, std::string(key), "unknown key (server_models, phone_models, phone_images, bandwidths)");
  }
  r.each_table(root, "server_models", [&](const toml::table& t, const std::string& f) {
    std::set<std::string_view> known;
    server_model m;
    r.string_field(t, f, "server_model_name", m.server_model_name, known);
    r.string_field(t, f, "server_type", m.server_type, known);
    r.int_field(t, f, "cpu", m.cpu, known);
    r.int_field(t, f, "memory", m.memory, known);
    // Older catalog files said "CPH": a cloud phone flavor.
    r.enum_field(t, f, "product_type", m.product_type, {0, 1}, "0 (cloud phone) or 1 (cloud game)", known,
                 "CPH", product_type::cloud_phone);
    if (!m.product_type) m.product_type = product_type::cloud_phone;
    r.int_field(t, f, "disk_max_num", m.disk_max_num, known);
    r.int_field(t, f, "free_size", m.free_size, known);
    known.insert("extend_spec");
    if (const toml::node* n = t.get("extend_spec")) {
      const std::string ef = f + ".extend_spec";
      const toml::table* e = n->as_table();
      if (e == nullptr) r.fail(*n, ef, "must be a table");
      std::set<std::string_view> ek;
      auto& x = m.extend_spec;
      r.string_field(*e, ef, "cpu", x.cpu, ek);
      r.string_field(*e, ef, "memory", x.memory, ek);
      r.string_field(*e, ef, "disk", x.disk, ek);
      r.string_field(*e, ef, "network_interface", x.network_interface, ek);
      r.string_field(*e, ef, "gpu", x.gpu, ek);
      r.string_field(*e, ef, "bms_flavor", x.bms_flavor, ek);
      r.int_field(*e, ef, "gpu_count", x.gpu_count, ek);
      r.int_field(*e, ef, "numa_count", x.numa_count, ek);
      r.int_field(*e, ef, "os_volume_size", x.os_volume.size, ek);
      r.string_field(*e, ef, "os_volume_type", x.os_volume.volume_type, ek);
      r.no_unknown(*e, ef, ek);
    }
    r.no_unknown(t, f, known);
    c.server_models.push_back(std::move(m));
  });
  r.each_table(root, "phone_models", [&](const toml::table& t, const std::string& f) {
    std::set<std::string_view> known;
    phone_model m;
    r.string_field(t, f, "server_model_name", m.server_model_name, known);
    r.string_field(t, f, "phone_model_name", m.phone_model_name, known);
    r.int_field(t, f, "status", m.status, known);
    r.int_field(t, f, "cpu", m.cpu, known);
    r.int_field(t, f, "memory", m.memory, known);
    r.int_field(t, f, "disk", m.disk, known);
    r.string_field(t, f, "resolution", m.resolution, known);
    r.int_field(t, f, "phone_capacity", m.phone_capacity, known);
    if (m.phone_capacity < 0 || m.phone_capacity > 256)
      r.fail(*t.get("phone_capacity"), f + ".phone_capacity", "must be 0..256");
    r.string_field(t, f, "extend_spec", m.extend_spec, known);
    r.string_field(t, f, "spec_code", m.spec_code, known);
    r.string_field(t, f, "image_label", m.image_label, known);
    r.enum_field(t, f, "product_type", m.product_type, {0, 1}, "0 (cloud phone) or 1 (cloud game)", known);
    r.enum_field(t, f, "phone_model_version", m.phone_model_version, {0, 1}, "0 (1.0) or 1 (2.0)", known);
    if (!m.phone_model_version) m.phone_model_version = 0;
    r.int_field(t, f, "dpi", m.dpi, known);
    r.string_field(t, f, "fps", m.fps, known);
    r.int_field(t, f, "volume_mode", m.volume_mode, known);
    r.int_field(t, f, "render_fps", m.render_fps, known);
    r.int_field(t, f, "stream_fps", m.stream_fps, known);
    r.no_unknown(t, f, known);
    c.phone_models.push_back(std::move(m));
  });
  r.each_table(root, "phone_images", [&](const toml::table& t, const std::string& f) {
    std::set<std::string_view> known;
    phone_image m;
    r.string_field(t, f, "image_id", m.image_id, known);
    r.string_field(t, f, "image_name", m.image_name, known);
    r.string_field(t, f, "os_type", m.os_type, known);
    std::optional<int> is_public;
    r.enum_field(t, f, "is_public", is_public, {1, 2}, "1 (public) or 2 (private)", known);
    m.is_public = is_public.value_or(1);
    r.string_field(t, f, "image_label", m.image_label, known);
    r.string_field(t, f, "os_name", m.os_name, known);
    r.bool_field(t, f, "is_support_encrypt", m.is_support_encrypt, known);
    r.no_unknown(t, f, known);
    c.images.push_back(std::move(m));
  });
  r.each_table(root, "bandwidths", [&](const toml::table& t, const std::string& f) {
    std::set<std::string_view> known;
    bandwidth_info m;
    r.string_field(t, f, "band_width_name", m.band_width_name, known);
    r.string_field(t, f, "band_width_id", m.band_width_id, known);
    r.string_field(t, f, "create_time", m.create_time, known);
    r.string_field(t, f, "update_time", m.update_time, known);
    r.int_field(t, f, "band_width_size", m.band_width_size, known);
    r.int_field(t, f, "band_width_share_type", m.band_width_share_type, known);
    r.int_field(t, f, "band_width_charge_mode", m.band_width_charge_mode, known);
    r.no_unknown(t, f, known);
    c.bandwidths.push_back(std::move(m));
  });
  // A phone model without a product type has its server model's.
  for (auto& p : c.phone_models) {
    if (p.product_type) continue;
    for (const auto& m : c.server_models)
      if (m.server_model_name == p.server_model_name) p.product_type = m.product_type;
    if (!p.product_type) p.product_type = product_type::cloud_phone;
  }
  return c;
}

}  // namespace cphfleet
