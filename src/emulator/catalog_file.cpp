#include "emulator/catalog_file.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

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
    r.string_field(t, f, "product_type", m.product_type, known);
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
    r.no_unknown(t, f, known);
    c.phone_models.push_back(std::move(m));
  });
  r.each_table(root, "phone_images", [&](const toml::table& t, const std::string& f) {
    std::set<std::string_view> known;
    phone_image m;
    r.string_field(t, f, "image_id", m.image_id, known);
    r.string_field(t, f, "image_name", m.image_name, known);
    r.string_field(t, f, "os_type", m.os_type, known);
    r.int_field(t, f, "is_public", m.is_public, known);
    r.string_field(t, f, "image_label", m.image_label, known);
    r.no_unknown(t, f, known);
    c.images.push_back(std::move(m));
  });
  r.each_table(root, "bandwidths", [&](const toml::table& t, const std::string& f) {
    std::set<std::string_view> known;
    bandwidth_info m;
    r.string_field(t, f, "band_width_id", m.band_width_id, known);
    r.int_field(t, f, "band_width_size", m.band_width_size, known);
    r.int_field(t, f, "band_width_share_type", m.band_width_share_type, known);
    r.int_field(t, f, "band_width_charge_mode", m.band_width_charge_mode, known);
    r.no_unknown(t, f, known);
    c.bandwidths.push_back(std::move(m));
  });
  return c;
}

}  // namespace cphfleet
