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
constexpr std::array<std::string_view, 2> job_keys{"name", "config"};
constexpr std::array<std::string_view, 11> fleet_keys{
    "server_name", "count",      "server_model_name", "phone_model_name",
    "image_id",    "band_width", "extend_param",      "keypair_name",
    "vnc_enable",  "ports",      "subnet_cidr"};
constexpr std::array<std::string_view, 3> band_width_keys{"band_width_id", "band_width_share_type",
                                                          "band_width_size"};
constexpr std::array<std::string_view, 4> extend_param_keys{"charging_mode", "period_type", "period_num",
                                                            "is_auto_pay"};
constexpr std::array<std::string_view, 3> port_keys{"name", "listen_port", "internet_accessible"};
// A nested table's key written one level too high.
constexpr std::array<key_hint, 7> fleet_hints{{
    {"band_width_id", "band_width.band_width_id"},
    {"band_width_share_type", "band_width.band_width_share_type"},
    {"band_width_size", "band_width.band_width_size"},
    {"charging_mode", "extend_param.charging_mode"},
    {"period_type", "extend_param.period_type"},
    {"period_num", "extend_param.period_num"},
    {"is_auto_pay", "extend_param.is_auto_pay"},
}};

enum class value_kind { string, integer, flag };  // flag: a boolean or the API's "true"/"false"

value_kind kind_of(std::string_view api_path) {
  if (api_path == "count" || api_path.starts_with("extend_param.") ||
      api_path == "band_width.band_width_share_type" || api_path == "band_width.band_width_size" ||
      api_path == "listen_port")
    return value_kind::integer;
  if (api_path == "vnc_enable" || api_path == "internet_accessible") return value_kind::flag;
  return value_kind::string;
}

// Where a value was written: its node, and whether the fleet inherited it from [defaults].
struct origin {
  const toml::node* node = nullptr;
  bool from_defaults = false;
};

struct value_entry {
  std::variant<std::string, std::int64_t, bool> value;
  origin at;
};

struct port_entry {
  origin at;
  std::map<std::string, value_entry, std::less<>> values;  // name, listen_port, internet_accessible
};

// One [[fleet]] or the [defaults] table, flattened to the API's field paths ("image_id",
// "band_width.band_width_size"). Flattening is what makes band_width and extend_param merge field by
// field: a fleet that sets only band_width.band_width_size keeps the default share type. `ports` is a
// list, and a fleet's list replaces the default one whole (merging lists by position would pair ports
// the author never meant to pair).
struct fleet_fields {
  origin table;
  std::map<std::string, value_entry, std::less<>> values;
  std::map<std::string, origin, std::less<>> tables;  // band_width, extend_param, ports
  std::optional<std::vector<port_entry>> ports;
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
    if (const toml::node* n = t->get("config")) {
      if (auto config = in_.path_string(*n, "job.config", "a path, relative to this file's folder")) {
        fs::path p(*config);
        job.config_path = p.is_absolute() ? p : path_.parent_path() / p;
        job.config_line = line_of(*n);
        job.config_column = column_of(*n);
      }
    }
  }

  // Reads one value at `api_path` (the API's name for it) into `out`, reporting a wrong type.
  void read_value(const toml::node& n, const std::string& api_path, std::string_view kind_key,
                  std::string_view prefix, bool from_defaults, fleet_fields& out) {
    const std::string field = join_field(prefix, api_path);
    std::optional<value_entry> entry;
    switch (kind_of(kind_key)) {
      case value_kind::string:
        if (auto v = in_.string(n, field)) entry = value_entry{*v, {&n, from_defaults}};
        break;
      case value_kind::integer:
        if (api_path == "count") {
          if (auto v = in_.integer(n, field, 0, max_fleet_target))
            entry = value_entry{*v, {&n, from_defaults}};
        } else if (auto v = in_.integer(n, field)) {
          entry = value_entry{*v, {&n, from_defaults}};
        }
        break;
      case value_kind::flag:
        if (auto v = in_.bool_or_string(n, field)) entry = value_entry{*v, {&n, from_defaults}};
        break;
    }
    if (entry) {
      out.values.emplace(api_path, std::move(*entry));
    } else {
      out.reported.insert(api_path);
    }
  }

  void read_nested(const toml::node& n, std::string_view name, std::span<const std::string_view> keys,
                   std::string_view prefix, bool from_defaults, fleet_fields& out) {
    const std::string field = join_field(prefix, name);
    const auto* t = in_.table(n, field);
    if (!t) {
      out.reported.emplace(name);
      return;
    }
    out.tables.emplace(name, origin{&n, from_defaults});
    in_.check_keys(*t, field, keys);
    for (const auto& [key, value] : *t) {
      if (std::find(keys.begin(), keys.end(), key.str()) == keys.end()) continue;
      read_value(value, fmt::format("{}.{}", name, key.str()), fmt::format("{}.{}", name, key.str()), prefix,
                 from_defaults, out);
    }
  }

  void read_ports(const toml::node& n, std::string_view prefix, bool from_defaults, fleet_fields& out) {
    const std::string field = join_field(prefix, "ports");
    const auto* list = n.as_array();
    if (!list) {
      in_.error(n, field, fmt::format("is {} (allowed: an array of tables)", describe_type(n)));
      out.reported.insert("ports");
      return;
    }
    out.tables.emplace("ports", origin{&n, from_defaults});
    std::vector<port_entry> ports;
    for (std::size_t j = 0; j < list->size(); ++j) {
      const std::string base = fmt::format("ports[{}]", j);
      const std::string port_field = join_field(prefix, base);
      const toml::node& item = (*list)[j];
      port_entry port{{&item, from_defaults}, {}};
      const auto* t = item.as_table();
      if (!t) {
        in_.error(item, port_field, fmt::format("is {} (allowed: a table)", describe_type(item)));
        out.reported.insert(base);
        ports.push_back(std::move(port));
        continue;
      }
      in_.check_keys(*t, port_field, port_keys);
      // Every member of a port is required by the API; a missing one is not guessed.
      fleet_fields scratch;
      for (std::string_view key : port_keys) {
        const std::string path = fmt::format("{}.{}", base, key);
        if (const toml::node* v = t->get(key)) {
          read_value(*v, path, key, prefix, from_defaults, scratch);
        } else {
          in_.error(item, join_field(prefix, path), "is missing (required)");
          scratch.reported.insert(path);
        }
      }
      for (auto& [path, value] : scratch.values) port.values.emplace(path.substr(base.size() + 1), value);
      out.reported.merge(scratch.reported);
      ports.push_back(std::move(port));
    }
    out.ports = std::move(ports);
  }

  fleet_fields read_fields(const toml::table& t, std::string_view prefix, bool from_defaults) {
    fleet_fields out;
    out.table = {&t, from_defaults};
    in_.check_keys(t, prefix, fleet_keys, fleet_hints);
    for (const auto& [key, value] : t) {
      const std::string_view k = key.str();
      if (std::find(fleet_keys.begin(), fleet_keys.end(), k) == fleet_keys.end()) continue;
      if (from_defaults && k == "server_name") continue;  // reported by the caller
      if (k == "band_width") {
        read_nested(value, k, band_width_keys, prefix, from_defaults, out);
      } else if (k == "extend_param") {
        read_nested(value, k, extend_param_keys, prefix, from_defaults, out);
      } else if (k == "ports") {
        read_ports(value, prefix, from_defaults, out);
      } else {
        read_value(value, std::string(k), k, prefix, from_defaults, out);
      }
    }
    return out;
  }

  // The fleet's own fields win; [defaults] fills the rest, field by field.
  static fleet_fields merged(fleet_fields fleet, const fleet_fields& defaults) {
    for (const auto& [path, entry] : defaults.values) {
      if (path.starts_with("ports")) continue;
      if (!fleet.values.contains(path) && !fleet.is_reported(path)) fleet.values.emplace(path, entry);
    }
    for (const auto& [name, at] : defaults.tables) {
      if (!fleet.tables.contains(name) && !fleet.is_reported(name)) fleet.tables.emplace(name, at);
    }
    if (!fleet.ports && !fleet.is_reported("ports") && defaults.ports) fleet.ports = defaults.ports;
    // Defaults whose type was wrong were reported once, at [defaults]; a fleet that inherits them is
    // not blamed again.
    for (const auto& path : defaults.reported) {
      const bool own = path.starts_with("ports") ? fleet.ports || fleet.is_reported("ports")
                                                 : fleet.values.contains(path) || fleet.tables.contains(path);
      if (!own) fleet.reported.insert(path);
    }
    return fleet;
  }

  void read_fleet(const toml::table& t, std::size_t index, const fleet_fields& defaults, job_spec& job) {
    const std::string prefix = fmt::format("fleet[{}]", index);
    fleet_fields f = merged(read_fields(t, prefix, false), defaults);

    auto string_of = [&](std::string_view path) -> std::optional<std::string> {
      auto it = f.values.find(path);
      if (it == f.values.end()) return std::nullopt;
      return std::get<std::string>(it->second.value);
    };
    auto int_of = [&](std::string_view path) -> std::optional<std::int64_t> {
      auto it = f.values.find(path);
      if (it == f.values.end()) return std::nullopt;
      return std::get<std::int64_t>(it->second.value);
    };
    auto flag_of = [&](const std::map<std::string, value_entry, std::less<>>& values,
                       std::string_view path) -> std::optional<bool> {
      auto it = values.find(path);
      if (it == values.end()) return std::nullopt;
      return std::get<bool>(it->second.value);
    };
    // A required field neither the fleet nor [defaults] gives. It is reported at the nested table that
    // should hold it when there is one, else at the [[fleet]] header.
    auto require = [&](std::string_view path, std::string_view allowed) {
      if (f.values.contains(path) || f.is_reported(path)) return;
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

    fleet_spec spec;
    spec.line = line_of(t);
    spec.column = column_of(t);
    spec.server_name = string_of("server_name").value_or("");
    spec.target = int_of("count").value_or(0);

    purchase_request& r = spec.request;
    r.server_name = spec.server_name;
    r.count = 1;  // the planner sets each chunk's count; the template is checked as one server
    r.server_model_name = string_of("server_model_name").value_or("");
    r.phone_model_name = string_of("phone_model_name").value_or("");
    r.image_id = string_of("image_id").value_or("");
    r.band_width.band_width_id = string_of("band_width.band_width_id");
    r.band_width.band_width_share_type = int_of("band_width.band_width_share_type");
    r.band_width.band_width_size = int_of("band_width.band_width_size");
    r.extend_param.charging_mode = int_of("extend_param.charging_mode").value_or(0);
    r.extend_param.period_type = int_of("extend_param.period_type").value_or(2);
    r.extend_param.period_num = int_of("extend_param.period_num").value_or(1);
    r.extend_param.is_auto_pay = int_of("extend_param.is_auto_pay");
    r.keypair_name = string_of("keypair_name");
    r.vnc_enable = flag_of(f.values, "vnc_enable");
    r.subnet_cidr = string_of("subnet_cidr");
    if (f.ports) {
      for (const auto& p : *f.ports) {
        port_spec port;
        if (auto it = p.values.find("name"); it != p.values.end())
          port.name = std::get<std::string>(it->second.value);
        if (auto it = p.values.find("listen_port"); it != p.values.end())
          port.listen_port = std::get<std::int64_t>(it->second.value);
        port.internet_accessible = flag_of(p.values, "internet_accessible").value_or(false);
        r.ports.push_back(std::move(port));
      }
    }

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
    if (f.ports) {
      for (std::size_t j = 0; j < f.ports->size(); ++j) {
        const auto& p = (*f.ports)[j];
        const std::string base = fmt::format("ports[{}]", j);
        where.emplace(base, p.at);
        for (const auto& [key, entry] : p.values) where.emplace(fmt::format("{}.{}", base, key), entry.at);
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
