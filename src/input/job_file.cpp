#include "input/job_file.hpp"

#include "base/text.hpp"
#include "base/toml_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <unordered_map>
#include <variant>

namespace cphfleet {
namespace {

namespace fs = std::filesystem;

// The longest server_name the service takes (docs/service.md "Purchase"), chunk part included.
constexpr std::size_t max_server_name_chars = 60;

constexpr std::array<std::string_view, 3> top_keys{"job", "defaults", "fleet"};
constexpr std::array<std::string_view, 3> job_keys{"name", "config", "api"};
// The keys of a [[fleet]] per API, and those only the other API takes (named as such in errors).
constexpr std::array<std::string_view, 11> v1_fleet_keys{
    "server_name", "count",      "server_model_name", "phone_model_name",
    "image_id",    "band_width", "extend_param",      "keypair_name",
    "vnc_enable",  "ports",      "subnet_cidr"};
constexpr std::array<std::string_view, 17> v2_fleet_keys{"server_name",
                                                         "count",
                                                         "server_model_name",
                                                         "phone_model_name",
                                                         "image_id",
                                                         "band_width",
                                                         "extend_param",
                                                         "keypair_name",
                                                         "ports",
                                                         "tenant_vpc_id",
                                                         "nics",
                                                         "public_ip",
                                                         "availability_zone",
                                                         "phone_count_per_ip",
                                                         "phone_data_volume",
                                                         "server_share_data_volume",
                                                         "property"};
constexpr std::array<std::string_view, 2> v1_only_keys{"vnc_enable", "subnet_cidr"};
constexpr std::array<std::string_view, 8> v2_only_keys{"tenant_vpc_id",
                                                       "nics",
                                                       "public_ip",
                                                       "availability_zone",
                                                       "phone_count_per_ip",
                                                       "phone_data_volume",
                                                       "server_share_data_volume",
                                                       "property"};
constexpr std::array<std::string_view, 3> v1_band_width_keys{"band_width_id", "band_width_share_type",
                                                             "band_width_size"};
constexpr std::array<std::string_view, 4> band_width_keys{"band_width_id", "band_width_share_type",
                                                          "band_width_size", "band_width_charge_mode"};
constexpr std::array<std::string_view, 1> v2_only_band_width_keys{"band_width_charge_mode"};
constexpr std::array<std::string_view, 6> extend_param_keys{
    "charging_mode", "period_type", "period_num", "is_auto_pay", "is_auto_renew", "enterprise_project_id"};
constexpr std::array<std::string_view, 3> public_ip_keys{"ids", "eip", "count"};
constexpr std::array<std::string_view, 1> eip_keys{"type"};
constexpr std::array<std::string_view, 2> volume_keys{"volume_type", "size"};
constexpr std::array<std::string_view, 3> port_keys{"name", "listen_port", "internet_accessible"};
constexpr std::array<std::string_view, 3> nic_keys{"subnet_id", "ipv6_enable", "ipv6_bandwidth"};
constexpr std::array<std::string_view, 1> ipv6_bandwidth_keys{"band_width_id"};

// The tables inside a fleet, by their API path (inside a list item, relative to the item).
struct nested_table {
  std::string_view path;
  std::span<const std::string_view> keys;
};
constexpr std::array<nested_table, 7> nested_tables{{
    {"band_width", band_width_keys},
    {"extend_param", extend_param_keys},
    {"public_ip", public_ip_keys},
    {"public_ip.eip", eip_keys},
    {"phone_data_volume", volume_keys},
    {"server_share_data_volume", volume_keys},
    {"ipv6_bandwidth", ipv6_bandwidth_keys},  // in nics[]
}};
const nested_table* nested_table_at(std::string_view path) {
  for (const auto& t : nested_tables) {
    if (t.path == path) return &t;
  }
  return nullptr;
}

// The lists of tables: a fleet's list replaces the default one whole (merging lists by position
// would pair items the author never meant to pair).
struct list_field {
  std::string_view name;
  std::span<const std::string_view> keys;
  bool all_required;  // ports: every member is required and the file says so itself
};
constexpr std::array<list_field, 2> list_fields{{{"ports", port_keys, true}, {"nics", nic_keys, false}}};
const list_field* list_field_at(std::string_view name) {
  for (const auto& l : list_fields) {
    if (l.name == name) return &l;
  }
  return nullptr;
}
// "ports[1].name" -> "ports"; a path outside the lists -> "".
std::string_view list_of(std::string_view path) {
  for (const auto& l : list_fields) {
    if (path.starts_with(l.name) && (path.size() == l.name.size() || path[l.name.size()] == '['))
      return l.name;
  }
  return {};
}

// The API that alone takes a field, by API path; nullopt: both take it.
std::optional<purchase_api> api_of_field(std::string_view path) {
  auto in = [&](std::span<const std::string_view> keys) {
    return std::find(keys.begin(), keys.end(), path) != keys.end();
  };
  if (in(v1_only_keys)) return purchase_api::v1;
  if (in(v2_only_keys) || path == "band_width.band_width_charge_mode") return purchase_api::v2;
  return std::nullopt;
}

// The keys a table at `path` (relative to a list item inside one) takes in a job of `api`, and the
// keys only the other API takes there.
struct table_keys {
  std::span<const std::string_view> allowed;
  std::span<const std::string_view> elsewhere;
};
table_keys keys_of(std::string_view path, purchase_api api) {
  const bool v1 = api == purchase_api::v1;
  if (path.empty())
    return v1 ? table_keys{v1_fleet_keys, v2_only_keys} : table_keys{v2_fleet_keys, v1_only_keys};
  if (path == "band_width")
    return v1 ? table_keys{v1_band_width_keys, v2_only_band_width_keys} : table_keys{band_width_keys, {}};
  if (const list_field* lf = list_field_at(path)) return {lf->keys, {}};
  for (const auto& t : nested_tables) {
    if (t.path == path) return {t.keys, {}};
  }
  return {};
}

// A nested table's key written one level too high.
constexpr std::array<key_hint, 9> fleet_hints{{
    {"band_width_id", "band_width.band_width_id"},
    {"band_width_share_type", "band_width.band_width_share_type"},
    {"band_width_size", "band_width.band_width_size"},
    {"band_width_charge_mode", "band_width.band_width_charge_mode"},
    {"charging_mode", "extend_param.charging_mode"},
    {"period_type", "extend_param.period_type"},
    {"period_num", "extend_param.period_num"},
    {"is_auto_pay", "extend_param.is_auto_pay"},
    {"is_auto_renew", "extend_param.is_auto_renew"},
}};

// flag: a boolean or the API's "true"/"false"; boolean: a JSON boolean only (v2's ipv6_enable).
enum class value_kind { string, integer, flag, boolean, strings };

// `path` is the API path, relative to the list item for the members of ports[] and nics[].
value_kind kind_of(std::string_view path) {
  if (path == "extend_param.enterprise_project_id") return value_kind::string;
  if (path == "count" || path.starts_with("extend_param.") || path == "band_width.band_width_share_type" ||
      path == "band_width.band_width_size" || path == "band_width.band_width_charge_mode" ||
      path == "listen_port" || path == "public_ip.count" || path == "phone_count_per_ip" ||
      path.ends_with("volume.size"))
    return value_kind::integer;
  if (path == "vnc_enable" || path == "internet_accessible") return value_kind::flag;
  if (path == "ipv6_enable") return value_kind::boolean;
  if (path == "public_ip.ids") return value_kind::strings;
  return value_kind::string;
}

// Where a value was written: its node, and whether the fleet inherited it from [defaults].
struct origin {
  const toml::node* node = nullptr;
  bool from_defaults = false;
};

struct value_entry {
  std::variant<std::string, std::int64_t, bool, std::vector<std::string>> value;
  origin at;
};

using value_map = std::map<std::string, value_entry, std::less<>>;
using table_map = std::map<std::string, origin, std::less<>>;

// One item of ports[] or nics[]: its members by path relative to the item.
struct item_entry {
  origin at;
  value_map values;
  table_map tables;  // nics[].ipv6_bandwidth
};

// One [[fleet]] or the [defaults] table, flattened to the API's field paths ("image_id",
// "band_width.band_width_size"). Flattening is what makes nested tables merge field by field: a fleet
// that sets only band_width.band_width_size keeps the default share type. Lists (ports, nics) are
// kept whole.
struct fleet_fields {
  origin table;
  value_map values;
  table_map tables;                                                   // band_width, public_ip.eip, ports, ...
  std::map<std::string, std::vector<item_entry>, std::less<>> lists;  // ports, nics
  // Paths given with a wrong type or out of range: already reported; they still override [defaults]
  // (the author meant to set them) and validate() is not asked about them again.
  std::set<std::string, std::less<>> reported;

  bool is_reported(std::string_view path) const {
    // `ports[1].name` is covered by `ports` or `ports[1]`, `band_width.x` by `band_width`.
    for (;;) {
      if (reported.contains(path)) return true;
      auto cut = path.find_last_of(".[");
      if (cut == std::string_view::npos) return false;
      path = path.substr(0, cut);
    }
  }
  bool has(std::string_view path) const {
    return values.contains(path) || tables.contains(path) || lists.contains(path);
  }
};

std::string_view parent_path(std::string_view path) {
  auto cut = path.find_last_of(".[");
  return cut == std::string_view::npos ? std::string_view{} : path.substr(0, cut);
}

bool valid_job_name(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::string ascii_folded(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

int line_of(const toml::node& n) { return static_cast<int>(n.source().begin.line); }
int column_of(const toml::node& n) { return static_cast<int>(n.source().begin.column); }

// Typed lookups in a flattened table; a path that is absent gives nullopt (its type was checked when
// it was read).
struct fields_view {
  const value_map& values;
  template <typename T>
  std::optional<T> get(std::string_view path) const {
    auto it = values.find(path);
    if (it == values.end()) return std::nullopt;
    return std::get<T>(it->second.value);
  }
  std::optional<std::string> string(std::string_view path) const { return get<std::string>(path); }
  std::optional<std::int64_t> integer(std::string_view path) const { return get<std::int64_t>(path); }
  std::optional<bool> flag(std::string_view path) const { return get<bool>(path); }
  std::optional<std::vector<std::string>> strings(std::string_view path) const {
    return get<std::vector<std::string>>(path);
  }
};

class job_reader {
 public:
  job_reader(const fs::path& path, diagnostics& out) : path_(path), in_(path.string(), out) {}

  // `text`: the file's content when the caller has it already; else the file is read.
  job_spec read(const std::string_view* text = nullptr) {
    job_spec job;
    job.path = path_;
    auto doc = text ? in_.parse_text(*text) : in_.parse_file(path_);
    if (!doc) {
      in_.finish();
      return job;
    }
    in_.check_keys(*doc, "", top_keys);
    read_job_table(*doc, job);

    fleet_fields defaults;
    if (const toml::node* d = doc->get("defaults")) {
      if (const auto* t = in_.table(*d, "defaults")) {
        if (const toml::node* name = t->get("server_name")) {
          in_.error(*name, "defaults.server_name",
                    "is not allowed in [defaults] (each [[fleet]] names itself)");
        }
        defaults = read_fields(*t, "defaults", true);
      }
    }

    const toml::node* fleets = doc->get("fleet");
    if (!fleets) {
      in_.error("fleet", "is missing (required: at least one [[fleet]] table)");
    } else if (const auto* list = fleets->as_array()) {
      if (list->empty()) in_.error(*list, "fleet", "is empty (required: at least one [[fleet]] table)");
      for (std::size_t i = 0; i < list->size(); ++i) {
        if (const auto* t = in_.table((*list)[i], fmt::format("fleet[{}]", i)))
          read_fleet(*t, i, defaults, job);
      }
    } else {
      in_.error(
          *fleets, "fleet",
          fmt::format("is {} (allowed: an array of tables, written [[fleet]])", describe_type(*fleets)));
    }
    check_names_apart(job);
    in_.finish();
    return job;
  }

 private:
  void read_job_table(const toml::table& doc, job_spec& job) {
    const toml::node* node = doc.get("job");
    if (!node) {
      in_.error("job", "is missing (required: a [job] table with a name)");
      return;
    }
    const auto* t = in_.table(*node, "job");
    if (!t) return;
    in_.check_keys(*t, "job", job_keys);
    constexpr std::string_view allowed = "1..32 of a-z, 0-9, _ and -";
    if (const toml::node* n = t->get("name")) {
      if (auto name = in_.string(*n, "job.name")) {
        if (name->empty()) {
          in_.error(*n, "job.name", fmt::format("is empty (allowed: {})", allowed));
        } else if (!valid_job_name(*name)) {
          in_.error(
              *n, "job.name",
              fmt::format("{} has characters that are not allowed (allowed: {})", quote(*name), allowed));
        } else if (name->size() > 32) {  // ASCII by now: bytes are characters
          in_.error(*n, "job.name",
                    fmt::format("is {} characters long (allowed: {})", name->size(), allowed));
        }
        job.name = *name;
      }
    } else {
      in_.error(*t, "job.name", fmt::format("is missing (required: {})", allowed));
    }
    if (const toml::node* n = t->get("api")) {
      if (auto api = in_.string(*n, "job.api")) {
        if (auto parsed = parse_purchase_api(*api)) {
          job.api = *parsed;
        } else {
          in_.error(*n, "job.api",
                    fmt::format("{} is not a purchase API (allowed: \"v1\" CreateCloudPhoneServer, \"v2\" "
                                "CreateNet2CloudPhoneServer)",
                                quote(*api)));
        }
      }
    }
    api_ = job.api;
    if (const toml::node* n = t->get("config")) {
      if (auto config = in_.path_string(*n, "job.config", "a path, relative to this file's folder")) {
        fs::path p(*config);
        job.config_path = p.is_absolute() ? p : path_.parent_path() / p;
        job.config_line = line_of(*n);
        job.config_column = column_of(*n);
      }
    }
  }

  // Reads one value at `api_path` (the API's name for it; `kind_path` is the same relative to a list
  // item) into `out`, reporting a wrong type.
  void read_value(const toml::node& n, const std::string& api_path, std::string_view kind_path,
                  std::string_view prefix, bool from_defaults, value_map& values,
                  std::set<std::string, std::less<>>& reported) {
    const std::string field = join_field(prefix, api_path);
    std::optional<value_entry> entry;
    const origin at{&n, from_defaults};
    switch (kind_of(kind_path)) {
      case value_kind::string:
        if (auto v = in_.string(n, field)) entry = value_entry{*v, at};
        break;
      case value_kind::integer:
        if (api_path == "count") {
          if (auto v = in_.integer(n, field, 0, max_fleet_target)) entry = value_entry{*v, at};
        } else if (auto v = in_.integer(n, field)) {
          entry = value_entry{*v, at};
        }
        break;
      case value_kind::flag:
        if (auto v = in_.bool_or_string(n, field)) entry = value_entry{*v, at};
        break;
      case value_kind::boolean:
        if (auto v = in_.boolean(n, field)) entry = value_entry{*v, at};
        break;
      case value_kind::strings:
        if (auto v = strings(n, field)) entry = value_entry{std::move(*v), at};
        break;
    }
    if (entry) {
      values.emplace(api_path, std::move(*entry));
    } else {
      reported.insert(api_path);
    }
  }

  std::optional<std::vector<std::string>> strings(const toml::node& n, const std::string& field) {
    const auto* list = in_.array(n, field);
    if (!list) return std::nullopt;
    std::vector<std::string> out;
    bool ok = true;
    for (std::size_t i = 0; i < list->size(); ++i) {
      if (auto v = in_.string((*list)[i], fmt::format("{}[{}]", field, i))) {
        out.push_back(*v);
      } else {
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    return out;
  }

  // The members of a table at `path` ("" for the fleet itself, else an API path; `base` is the part of
  // it that a list item adds, so kinds and keys are looked up relative to the item), nested tables
  // read in place. Lists (ports, nics) are read by read_list.
  void read_members(const toml::table& t, std::string_view path, std::string_view base,
                    std::string_view prefix, bool from_defaults, value_map& values, table_map& tables,
                    std::set<std::string, std::less<>>& reported, std::span<const key_hint> hints = {}) {
    const table_keys keys = keys_of(path.substr(std::min(base.size(), path.size())), api_);
    in_.check_keys(t, path.empty() ? std::string(prefix) : join_field(prefix, path), keys.allowed, hints,
                   keys.elsewhere);
    auto known = [&](std::string_view k) {
      return std::find(keys.allowed.begin(), keys.allowed.end(), k) != keys.allowed.end() ||
             std::find(keys.elsewhere.begin(), keys.elsewhere.end(), k) != keys.elsewhere.end();
    };
    for (const auto& [key, value] : t) {
      const std::string_view k = key.str();
      if (!known(k)) continue;
      if (path.empty() && (list_field_at(k) || (from_defaults && k == "server_name"))) continue;
      const std::string full = path.empty() ? std::string(k) : fmt::format("{}.{}", path, k);
      const std::string_view relative = std::string_view(full).substr(base.size());
      if (!wrong_api(value, relative, join_field(prefix, full), reported, full)) continue;
      if (nested_table_at(relative)) {
        const std::string field = join_field(prefix, full);
        const auto* inner = in_.table(value, field);
        if (!inner) {
          reported.insert(full);
          continue;
        }
        tables.emplace(full, origin{&value, from_defaults});
        read_members(*inner, full, base, prefix, from_defaults, values, tables, reported);
      } else {
        read_value(value, full, relative, prefix, from_defaults, values, reported);
      }
    }
  }

  // True when the job's API takes the field at `api_path`; else reports it (naming the API that
  // takes it) and marks `mark` reported.
  bool wrong_api(const toml::node& n, std::string_view api_path, const std::string& field,
                 std::set<std::string, std::less<>>& reported, const std::string& mark) {
    auto only = api_of_field(api_path);
    if (!only || *only == api_) return true;
    in_.error(n, field,
              fmt::format("is only taken by api \"{0}\" (allowed in a job with [job] api = \"{0}\"; this "
                          "job's api is \"{1}\")",
                          to_string(*only), to_string(api_)));
    reported.insert(mark);
    return false;
  }

  void read_list(const toml::node& n, const list_field& lf, std::string_view prefix, bool from_defaults,
                 fleet_fields& out) {
    const std::string name(lf.name);
    const std::string field = join_field(prefix, name);
    const auto* list = n.as_array();
    if (!list) {
      in_.error(n, field, fmt::format("is {} (allowed: an array of tables)", describe_type(n)));
      out.reported.insert(name);
      return;
    }
    std::vector<item_entry> items;
    for (std::size_t j = 0; j < list->size(); ++j) {
      const std::string base = fmt::format("{}[{}]", name, j);
      const std::string item_field = join_field(prefix, base);
      const toml::node& node = (*list)[j];
      item_entry item{{&node, from_defaults}, {}, {}};
      const auto* t = node.as_table();
      if (!t) {
        in_.error(node, item_field, fmt::format("is {} (allowed: a table)", describe_type(node)));
        out.reported.insert(base);
        items.push_back(std::move(item));
        continue;
      }
      // Members are read at their full path (`nics[0].ipv6_bandwidth.band_width_id`) for the messages,
      // and kept relative to the item.
      value_map values;
      table_map tables;
      std::set<std::string, std::less<>> reported;
      read_item(*t, lf, base, prefix, from_defaults, values, tables, reported);
      if (lf.all_required) {
        // Every member of a port is required by the API; a missing one is not guessed.
        for (std::string_view key : lf.keys) {
          const std::string path = fmt::format("{}.{}", base, key);
          if (!t->get(key)) {
            in_.error(node, join_field(prefix, path), "is missing (required)");
            reported.insert(path);
          }
        }
      }
      for (auto& [path, value] : values) item.values.emplace(path.substr(base.size() + 1), std::move(value));
      for (auto& [path, at] : tables) item.tables.emplace(path.substr(base.size() + 1), at);
      out.reported.merge(reported);
      items.push_back(std::move(item));
    }
    out.tables.emplace(name, origin{&n, from_defaults});
    out.lists[name] = std::move(items);
  }

  // One item of a list: its members as for a table, but at the item's own keys.
  void read_item(const toml::table& t, const list_field& lf, const std::string& base, std::string_view prefix,
                 bool from_defaults, value_map& values, table_map& tables,
                 std::set<std::string, std::less<>>& reported) {
    in_.check_keys(t, join_field(prefix, base), lf.keys);
    for (const auto& [key, value] : t) {
      const std::string_view k = key.str();
      if (std::find(lf.keys.begin(), lf.keys.end(), k) == lf.keys.end()) continue;
      const std::string full = fmt::format("{}.{}", base, k);
      if (nested_table_at(k)) {
        const auto* inner = in_.table(value, join_field(prefix, full));
        if (!inner) {
          reported.insert(full);
          continue;
        }
        tables.emplace(full, origin{&value, from_defaults});
        read_members(*inner, full, base + ".", prefix, from_defaults, values, tables, reported);
      } else {
        read_value(value, full, k, prefix, from_defaults, values, reported);
      }
    }
  }

  fleet_fields read_fields(const toml::table& t, std::string_view prefix, bool from_defaults) {
    fleet_fields out;
    out.table = {&t, from_defaults};
    read_members(t, "", "", prefix, from_defaults, out.values, out.tables, out.reported, fleet_hints);
    for (const auto& [key, value] : t) {
      const std::string k(key.str());
      const list_field* lf = list_field_at(k);
      if (!lf || !wrong_api(value, k, join_field(prefix, k), out.reported, k)) continue;
      read_list(value, *lf, prefix, from_defaults, out);
    }
    return out;
  }

  // The fleet's own fields win; [defaults] fills the rest, field by field.
  static fleet_fields merged(fleet_fields fleet, const fleet_fields& defaults) {
    for (const auto& [path, entry] : defaults.values) {
      if (!fleet.values.contains(path) && !fleet.is_reported(path)) fleet.values.emplace(path, entry);
    }
    for (const auto& [name, at] : defaults.tables) {
      if (!fleet.tables.contains(name) && !fleet.is_reported(name)) fleet.tables.emplace(name, at);
    }
    for (const auto& [name, items] : defaults.lists) {
      if (!fleet.lists.contains(name) && !fleet.is_reported(name)) fleet.lists.emplace(name, items);
    }
    // Defaults whose type was wrong were reported once, at [defaults]; a fleet that inherits them is
    // not blamed again.
    for (const auto& path : defaults.reported) {
      const std::string_view list = list_of(path);
      const bool own = !list.empty() ? fleet.lists.contains(list) || fleet.is_reported(list)
                                     : fleet.values.contains(path) || fleet.tables.contains(path);
      if (!own) fleet.reported.insert(path);
    }
    return fleet;
  }

  void read_fleet(const toml::table& t, std::size_t index, const fleet_fields& defaults, job_spec& job) {
    const std::string prefix = fmt::format("fleet[{}]", index);
    fleet_fields f = merged(read_fields(t, prefix, false), defaults);

    // A required field neither the fleet nor [defaults] gives. It is reported at the nested table that
    // should hold it when there is one, else at the [[fleet]] header.
    auto require = [&](std::string_view path, std::string_view allowed) {
      if (f.has(path) || f.is_reported(path)) return;
      std::string_view parent = parent_path(path);
      auto table_at = f.tables.find(parent);
      const toml::node& at = table_at != f.tables.end() ? *table_at->second.node : t;
      in_.error(at, join_field(prefix, path), fmt::format("is missing (required: {})", allowed));
      f.reported.emplace(path);
    };
    require("server_name", "the fleet's name; its chunks are <server_name>-NNN");
    require("count", fmt::format("the fleet's target, 0..{}", max_fleet_target));
    require("server_model_name", "here or in [defaults]");
    require("phone_model_name", "here or in [defaults]");
    require("image_id", "here or in [defaults]");
    require("extend_param.charging_mode", "0, prepaid by period; here or in [defaults]");
    require("extend_param.period_type", "2 month or 3 year; here or in [defaults]");
    require("extend_param.period_num", "here or in [defaults]");
    if (api_ == purchase_api::v2) {
      require("tenant_vpc_id", "the id of the VPC the servers go into; here or in [defaults]");
      require("nics",
              "the servers' network interfaces, nics = [{ subnet_id = \"...\" }]; here or in [defaults]");
      require(
          "public_ip",
          "public_ip = { eip = { type = \"5_bgp\" } }, { ids = [\"<eip id>\"] } or { count = 0 }; here or in "
          "[defaults]");
      require("band_width.band_width_share_type", "0 dedicated or 1 shared; here or in [defaults]");
      require("band_width.band_width_charge_mode", "0 by bandwidth or 1 by traffic; here or in [defaults]");
    }

    fleet_spec spec;
    spec.line = line_of(t);
    spec.column = column_of(t);
    const fields_view v{f.values};
    spec.server_name = v.string("server_name").value_or("");
    spec.target = v.integer("count").value_or(0);

    purchase_request& r = spec.request;
    r.api = api_;
    r.server_name = spec.server_name;
    r.count = 1;  // the planner sets each chunk's count; the template is checked as one server
    r.server_model_name = v.string("server_model_name").value_or("");
    r.phone_model_name = v.string("phone_model_name").value_or("");
    r.image_id = v.string("image_id").value_or("");
    r.band_width.band_width_id = v.string("band_width.band_width_id");
    r.band_width.band_width_share_type = v.integer("band_width.band_width_share_type");
    r.band_width.band_width_size = v.integer("band_width.band_width_size");
    r.band_width.band_width_charge_mode = v.integer("band_width.band_width_charge_mode");
    r.extend_param.charging_mode = v.integer("extend_param.charging_mode").value_or(0);
    r.extend_param.period_type = v.integer("extend_param.period_type").value_or(2);
    r.extend_param.period_num = v.integer("extend_param.period_num").value_or(1);
    r.extend_param.is_auto_pay = v.integer("extend_param.is_auto_pay");
    r.extend_param.is_auto_renew = v.integer("extend_param.is_auto_renew");
    r.extend_param.enterprise_project_id = v.string("extend_param.enterprise_project_id");
    r.keypair_name = v.string("keypair_name");
    r.vnc_enable = v.flag("vnc_enable");
    r.subnet_cidr = v.string("subnet_cidr");
    if (auto it = f.lists.find("ports"); it != f.lists.end()) {
      for (const auto& p : it->second) {
        const fields_view pv{p.values};
        r.ports.push_back({pv.string("name").value_or(""), pv.integer("listen_port").value_or(0),
                           pv.flag("internet_accessible").value_or(false)});
      }
    }
    r.tenant_vpc_id = v.string("tenant_vpc_id");
    if (auto it = f.lists.find("nics"); it != f.lists.end()) {
      std::vector<nic_spec> nics;
      for (const auto& item : it->second) {
        const fields_view nv{item.values};
        nic_spec n{nv.string("subnet_id"), nv.flag("ipv6_enable"), std::nullopt};
        if (item.tables.contains("ipv6_bandwidth"))
          n.ipv6_band_width_id = nv.string("ipv6_bandwidth.band_width_id");
        nics.push_back(std::move(n));
      }
      r.nics = std::move(nics);
    }
    if (f.tables.contains("public_ip")) {
      public_ip_spec ip;
      ip.ids = v.strings("public_ip.ids");
      if (f.tables.contains("public_ip.eip")) ip.eip_type = v.string("public_ip.eip.type");
      ip.count = v.integer("public_ip.count");
      r.public_ip = std::move(ip);
    }
    r.availability_zone = v.string("availability_zone");
    r.phone_count_per_ip = v.integer("phone_count_per_ip");
    for (auto [name, volume] : {std::pair{"phone_data_volume", &r.phone_data_volume},
                                std::pair{"server_share_data_volume", &r.server_share_data_volume}}) {
      if (!f.tables.contains(name)) continue;
      *volume =
          volume_spec{v.string(fmt::format("{}.volume_type", name)), v.integer(fmt::format("{}.size", name))};
    }
    r.property = v.string("property");

    check_server_name(f, prefix, spec);
    check_with_api_rules(f, t, prefix, r);

    auto name_at = f.values.find("server_name");
    const toml::node& name_node = name_at != f.values.end() ? *name_at->second.at.node : t;
    places_.push_back({index, line_of(name_node), column_of(name_node)});
    job.fleets.push_back(std::move(spec));
  }

  // The name's own rules, with the chunk part it will carry: the API's 60 characters hold
  // `<server_name>-NNN`, not just the name.
  void check_server_name(const fleet_fields& f, const std::string& prefix, const fleet_spec& spec) {
    auto it = f.values.find("server_name");
    if (it == f.values.end()) return;
    const toml::node& at = *it->second.at.node;
    const std::string field = join_field(prefix, "server_name");
    const std::string& name = spec.server_name;
    const int digits = chunk_digits(spec.target);
    const std::size_t room = max_server_name_chars - 1 - static_cast<std::size_t>(digits);
    if (name.empty()) {
      in_.error(at, field, fmt::format("is empty (allowed: 1..{} characters)", room));
      return;
    }
    if (!is_valid_server_name_chars(name)) {
      in_.error(at, field,
                fmt::format("{} has characters that are not allowed (allowed: ASCII letters, digits, Chinese "
                            "characters, _ and -)",
                            quote(name)));
    }
    const std::size_t chars = utf8_length(name);
    if (chars > room) {
      in_.error(
          at, field,
          fmt::format("is {} characters long, {} with its chunk part -{} (allowed: at most {} for a target "
                      "of {})",
                      chars, chars + 1 + static_cast<std::size_t>(digits),
                      std::string(static_cast<std::size_t>(digits), 'N'), room, spec.target));
    }
  }

  // The purchase template through the API model's own rules (the same ones the emulator enforces),
  // each broken rule pointed at the value that broke it.
  void check_with_api_rules(const fleet_fields& f, const toml::table& fleet_table, const std::string& prefix,
                            const purchase_request& r) {
    // Where each API path was written, for the messages.
    std::unordered_map<std::string, origin> where;
    for (const auto& [path, entry] : f.values) where.emplace(path, entry.at);
    for (const auto& [name, at] : f.tables) where.emplace(name, at);
    for (const auto& [name, items] : f.lists) {
      for (std::size_t j = 0; j < items.size(); ++j) {
        const auto& item = items[j];
        const std::string base = fmt::format("{}[{}]", name, j);
        where.emplace(base, item.at);
        for (const auto& [key, entry] : item.values) where.emplace(fmt::format("{}.{}", base, key), entry.at);
        for (const auto& [key, at] : item.tables) where.emplace(fmt::format("{}.{}", base, key), at);
      }
    }
    for (const api_error& e : validate(r)) {
      // The name is checked above with its chunk part, the target is not the per-call count, and a
      // value already reported (wrong type, missing) would only be reported again in other words.
      if (e.field == "server_name" || e.field == "count" || f.is_reported(e.field)) continue;
      origin at{&fleet_table, false};
      for (std::string_view path = e.field; !path.empty(); path = parent_path(path)) {
        if (auto it = where.find(std::string(path)); it != where.end()) {
          at = it->second;
          break;
        }
      }
      in_.error(*at.node, join_field(at.from_defaults ? "defaults" : prefix, e.field), e.message);
    }
  }

  // No two fleets may share a name, and none may be named like another's chunks or servers: chunks
  // of `game` are `game-NNN` and its servers `game-NNN-0001`, so a fleet `game-1x` would share their
  // prefix and could be mistaken for them when the server list is read back. Names are compared
  // without ASCII case: how the service matches case is not published.
  void check_names_apart(const job_spec& job) {
    std::unordered_map<std::string, std::size_t> by_name;  // folded name -> first fleet with it
    for (std::size_t i = 0; i < job.fleets.size(); ++i) {
      const std::string folded = ascii_folded(job.fleets[i].server_name);
      if (!folded.empty()) by_name.emplace(folded, i);
    }
    for (std::size_t i = 0; i < job.fleets.size(); ++i) {
      const fleet_spec& b = job.fleets[i];
      const fleet_place& here = places_[i];
      const std::string folded = ascii_folded(b.server_name);
      if (folded.empty()) continue;
      const std::string field = fmt::format("fleet[{}].server_name", here.index);
      if (auto it = by_name.find(folded); it != by_name.end() && it->second != i) {
        const fleet_place& first = places_[it->second];
        in_.error(here.line, here.column, field,
                  fmt::format("{} is already the name of fleet[{}] at line {} (allowed: each name once)",
                              quote(b.server_name), first.index, first.line));
        continue;
      }
      // Every split point `A-<digit>` of B's name: is A another fleet?
      for (std::size_t p = folded.find('-'); p != std::string::npos; p = folded.find('-', p + 1)) {
        if (p + 1 >= folded.size() || folded[p + 1] < '0' || folded[p + 1] > '9') continue;
        auto it = by_name.find(folded.substr(0, p));
        if (it == by_name.end()) continue;
        const fleet_place& other = places_[it->second];
        in_.error(
            here.line, here.column, field,
            fmt::format("{} could be mistaken for the chunks and servers of fleet[{}] {} at line {} "
                        "(allowed: a name that is not another fleet's name followed by '-' and a digit)",
                        quote(b.server_name), other.index, quote(job.fleets[it->second].server_name),
                        other.line));
        break;
      }
    }
  }

  fs::path path_;
  toml_reader in_;
  purchase_api api_ = purchase_api::v1;  // the job's, known before [defaults] and the fleets are read
  // For the cross-fleet checks, one per job.fleets entry: its index in the file (a [[fleet]] that is
  // not a table is skipped) and where its server_name is written.
  struct fleet_place {
    std::size_t index;
    int line;
    int column;
  };
  std::vector<fleet_place> places_;
};

}  // namespace

std::string chunk_name(std::string_view server_name, std::int64_t index) {
  return fmt::format("{}-{:03}", server_name, index);
}

int chunk_digits(std::int64_t target) {
  // The planner packs a fleet into chunks of 10 (docs/service.md "Purchase": at most 10 servers per call).
  std::int64_t chunks = std::max<std::int64_t>(1, (target + 9) / 10);
  int digits = 0;
  for (; chunks > 0; chunks /= 10) ++digits;
  return std::max(3, digits);
}

job_spec read_job(const std::filesystem::path& path, diagnostics& errors) {
  return job_reader(path, errors).read();
}

job_spec load_job(const std::filesystem::path& path) {
  diagnostics errors;
  job_spec job = read_job(path, errors);
  if (!errors.empty()) throw input_error(std::move(errors));
  return job;
}

job_spec read_job(std::string_view text, const std::filesystem::path& path, diagnostics& errors) {
  return job_reader(path, errors).read(&text);
}

}  // namespace cphfleet
