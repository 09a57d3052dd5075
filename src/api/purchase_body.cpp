#include "api/purchase_body.hpp"

#include "base/text.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <set>

namespace cphfleet {
namespace {

namespace json = boost::json;

bool is_cjk_ideograph(char32_t cp) { return cp >= 0x4E00 && cp <= 0x9FFF; }

void check_bytes(std::vector<api_error>& out, std::string_view field, const std::string& value,
                 std::size_t max, std::string_view code_empty, std::string_view code_long) {
  if (value.empty()) {
    out.push_back(
        {std::string(field), fmt::format("is empty (allowed: 1..{} bytes)", max), std::string(code_empty)});
  } else if (value.size() > max) {
    out.push_back({std::string(field),
                   fmt::format("is {} bytes long (allowed: 1..{} bytes)", value.size(), max),
                   std::string(code_long)});
  }
}

void check_range(std::vector<api_error>& out, std::string_view field, std::int64_t value, std::int64_t lo,
                 std::int64_t hi, std::string_view code) {
  if (value < lo || value > hi) {
    out.push_back({std::string(field), fmt::format("{} is out of range (allowed: {}..{})", value, lo, hi),
                   std::string(code)});
  }
}

constexpr std::string_view k_bad_request = "APIGW.0201";

}  // namespace

bool is_valid_server_name_chars(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = next_code_point(s, i);
    bool ok = (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') || cp == '_' ||
              cp == '-' || is_cjk_ideograph(cp);
    if (!ok) return false;
  }
  return true;
}

bool is_valid_ipv4_cidr(std::string_view s) {
  auto slash = s.find('/');
  if (slash == std::string_view::npos) return false;
  std::string_view addr = s.substr(0, slash), prefix = s.substr(slash + 1);
  auto parse_num = [](std::string_view t, unsigned max, unsigned& v) {
    if (t.empty() || t.size() > 3 || (t.size() > 1 && t[0] == '0')) return false;
    auto n = parse_integer<unsigned>(t);
    if (!n || *n > max) return false;
    v = *n;
    return true;
  };
  std::uint32_t ip = 0;
  for (int part = 0; part < 4; ++part) {
    auto dot = addr.find('.');
    if ((part < 3) != (dot != std::string_view::npos)) return false;
    unsigned octet = 0;
    if (!parse_num(addr.substr(0, dot), 255, octet)) return false;
    ip = (ip << 8) | octet;
    addr = part < 3 ? addr.substr(dot + 1) : std::string_view{};
  }
  unsigned bits = 0;
  if (!parse_num(prefix, 32, bits)) return false;
  std::uint32_t host_mask = bits == 32 ? 0u : (0xFFFFFFFFu >> bits);
  return (ip & host_mask) == 0;  // a network address: no host bits set
}

std::vector<api_error> validate(const purchase_request& r) {
  std::vector<api_error> out;
  // server_name: 1..60 characters of the allowed set.
  std::size_t name_len = utf8_length(r.server_name);
  if (r.server_name.empty()) {
    out.push_back({"server_name", "is empty (allowed: 1..60 characters)", "CPS.0025"});
  } else if (name_len > 60) {
    out.push_back({"server_name", fmt::format("is {} characters long (allowed: 1..60 characters)", name_len),
                   "CPS.0025"});
  }
  if (!is_valid_server_name_chars(r.server_name)) {
    out.push_back({"server_name",
                   fmt::format("'{}' has characters that are not allowed (allowed: ASCII letters, digits, "
                               "Chinese characters, _ and -)",
                               r.server_name),
                   "CPS.0025"});
  }
  check_bytes(out, "server_model_name", r.server_model_name, 64, "CPS.0089", "CPS.0089");
  check_bytes(out, "phone_model_name", r.phone_model_name, 64, "CPS.0027", "CPS.0028");
  check_bytes(out, "image_id", r.image_id, 32, "CPS.0029", "CPS.0030");
  check_range(out, "count", r.count, 1, 10, "CPS.0024");

  const auto& bw = r.band_width;
  if (bw.band_width_id) {
    // An existing shared bandwidth wins over share type and size.
    if (bw.band_width_id->empty()) {
      out.push_back({"band_width.band_width_id", "is empty (allowed: the id of an existing shared bandwidth)",
                     "CPS.0031"});
    } else if (bw.band_width_id->size() > 64) {
      out.push_back({"band_width.band_width_id",
                     fmt::format("is {} bytes long (allowed: 1..64 bytes)", bw.band_width_id->size()),
                     "CPS.0031"});
    }
  } else if (!bw.band_width_share_type) {
    out.push_back({"band_width.band_width_share_type",
                   "is missing (required when band_width_id is not set: 0 dedicated or 1 shared)",
                   "CPS.0031"});
  } else if (*bw.band_width_share_type != 0 && *bw.band_width_share_type != 1) {
    out.push_back(
        {"band_width.band_width_share_type",
         fmt::format("{} is not a share type (allowed: 0 dedicated, 1 shared)", *bw.band_width_share_type),
         "CPS.0031"});
  } else if (*bw.band_width_share_type == 1 && !bw.band_width_size) {
    out.push_back({"band_width.band_width_size",
                   "is missing (required for a shared bandwidth: 1..300 Mbit/s)", "CPS.0031"});
  }
  if (!bw.band_width_id && bw.band_width_size) {
    check_range(out, "band_width.band_width_size", *bw.band_width_size, 1, 300, "CPS.0031");
  }

  const auto& ep = r.extend_param;
  if (ep.charging_mode != 0) {
    out.push_back({"extend_param.charging_mode",
                   fmt::format("{} is not a charging mode (allowed: 0, prepaid by period)", ep.charging_mode),
                   std::string(k_bad_request)});
  }
  if (ep.period_type == 2) {
    check_range(out, "extend_param.period_num", ep.period_num, 1, 9, k_bad_request);
  } else if (ep.period_type == 3) {
    check_range(out, "extend_param.period_num", ep.period_num, 1, 10, k_bad_request);
  } else {
    out.push_back({"extend_param.period_type",
                   fmt::format("{} is not a period type (allowed: 2 month, 3 year)", ep.period_type),
                   std::string(k_bad_request)});
  }
  if (ep.is_auto_pay && *ep.is_auto_pay != 0 && *ep.is_auto_pay != 1) {
    out.push_back(
        {"extend_param.is_auto_pay",
         fmt::format("{} is not allowed (allowed: 0 leave unpaid, 1 pay from balance)", *ep.is_auto_pay),
         "CPS.0060"});
  }

  if (r.keypair_name) check_bytes(out, "keypair_name", *r.keypair_name, 64, k_bad_request, k_bad_request);

  std::set<std::string> names;
  std::set<std::int64_t> numbers;
  for (std::size_t i = 0; i < r.ports.size(); ++i) {
    const auto& p = r.ports[i];
    std::string base = fmt::format("ports[{}]", i);
    check_bytes(out, base + ".name", p.name, 16, k_bad_request, k_bad_request);
    if (iequals(p.name, "adb") || iequals(p.name, "vnc")) {
      out.push_back({base + ".name",
                     fmt::format("'{}' is reserved (allowed: any name but adb and vnc)", p.name),
                     std::string(k_bad_request)});
    } else if (!p.name.empty() && !names.insert(p.name).second) {
      out.push_back({base + ".name", fmt::format("'{}' is used twice (allowed: each port name once)", p.name),
                     std::string(k_bad_request)});
    }
    check_range(out, base + ".listen_port", p.listen_port, 10000, 50000, k_bad_request);
    if (p.listen_port >= 10000 && p.listen_port <= 50000 && !numbers.insert(p.listen_port).second) {
      out.push_back({base + ".listen_port",
                     fmt::format("{} is used twice (allowed: each port number once)", p.listen_port),
                     std::string(k_bad_request)});
    }
  }
  if (r.subnet_cidr && !is_valid_ipv4_cidr(*r.subnet_cidr)) {
    out.push_back({"subnet_cidr",
                   fmt::format("'{}' is not an IPv4 CIDR (allowed: a.b.c.d/n, n 0..32, no host bits set)",
                               *r.subnet_cidr),
                   std::string(k_bad_request)});
  }
  return out;
}

json::object to_json(const purchase_request& r) {
  json::object o;
  o["server_name"] = r.server_name;
  o["server_model_name"] = r.server_model_name;
  o["phone_model_name"] = r.phone_model_name;
  o["image_id"] = r.image_id;
  o["count"] = r.count;
  json::object bw;
  if (r.band_width.band_width_id) bw["band_width_id"] = *r.band_width.band_width_id;
  if (r.band_width.band_width_share_type) bw["band_width_share_type"] = *r.band_width.band_width_share_type;
  if (r.band_width.band_width_size) bw["band_width_size"] = *r.band_width.band_width_size;
  o["band_width"] = std::move(bw);
  json::object ep;
  ep["charging_mode"] = r.extend_param.charging_mode;
  ep["period_type"] = r.extend_param.period_type;
  ep["period_num"] = r.extend_param.period_num;
  if (r.extend_param.is_auto_pay) ep["is_auto_pay"] = *r.extend_param.is_auto_pay;
  o["extend_param"] = std::move(ep);
  if (r.keypair_name) o["keypair_name"] = *r.keypair_name;
  if (r.vnc_enable) o["vnc_enable"] = *r.vnc_enable ? "true" : "false";
  if (!r.ports.empty()) {
    json::array ports;
    for (const auto& p : r.ports) {
      ports.push_back(json::object{{"name", p.name},
                                   {"listen_port", p.listen_port},
                                   {"internet_accessible", p.internet_accessible ? "true" : "false"}});
    }
    o["ports"] = std::move(ports);
  }
  if (r.subnet_cidr) o["subnet_cidr"] = *r.subnet_cidr;
  return o;
}

std::string to_body(const purchase_request& r) { return json::serialize(to_json(r)); }

namespace {

// Reads typed members the way the service's JSON binding does: a wrong type is an APIGW.0201 error
// naming the field; a missing required member likewise.
struct body_reader {
  std::vector<api_error>& errors;

  const json::value* member(const json::object& o, std::string_view prefix, std::string_view key,
                            bool required) {
    auto it = o.find(key);
    if (it == o.end() || it->value().is_null()) {
      if (required)
        errors.push_back({field(prefix, key), "is missing (required)", std::string(k_bad_request)});
      return nullptr;
    }
    return &it->value();
  }
  static std::string field(std::string_view prefix, std::string_view key) {
    return prefix.empty() ? std::string(key) : fmt::format("{}.{}", prefix, key);
  }
  void wrong_type(std::string_view prefix, std::string_view key, std::string_view expected) {
    errors.push_back({field(prefix, key), fmt::format("has the wrong type (allowed: {})", expected),
                      std::string(k_bad_request)});
  }
  std::optional<std::string> string(const json::object& o, std::string_view prefix, std::string_view key,
                                    bool required) {
    const json::value* v = member(o, prefix, key, required);
    if (!v) return std::nullopt;
    if (!v->is_string()) {
      wrong_type(prefix, key, "a string");
      return std::nullopt;
    }
    return std::string(v->get_string());
  }
  std::optional<std::int64_t> integer(const json::object& o, std::string_view prefix, std::string_view key,
                                      bool required) {
    const json::value* v = member(o, prefix, key, required);
    if (!v) return std::nullopt;
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
      return static_cast<std::int64_t>(v->get_uint64());
    wrong_type(prefix, key, "an integer");
    return std::nullopt;
  }
  const json::object* object(const json::object& o, std::string_view prefix, std::string_view key,
                             bool required) {
    const json::value* v = member(o, prefix, key, required);
    if (!v) return nullptr;
    if (!v->is_object()) {
      wrong_type(prefix, key, "an object");
      return nullptr;
    }
    return &v->get_object();
  }
};

}  // namespace

parsed_purchase parse_purchase(std::string_view body) {
  parsed_purchase out;
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec);
  if (ec) {
    out.errors.push_back({"body", fmt::format("is not valid JSON: {} (allowed: a JSON object)", ec.message()),
                          std::string(k_bad_request)});
    return out;
  }
  if (!doc.is_object()) {
    out.errors.push_back(
        {"body", "is not a JSON object (allowed: a JSON object)", std::string(k_bad_request)});
    return out;
  }
  const auto& o = doc.get_object();
  body_reader rd{out.errors};
  auto& r = out.request;
  if (auto v = rd.string(o, "", "server_name", true)) r.server_name = *v;
  if (auto v = rd.string(o, "", "server_model_name", true)) r.server_model_name = *v;
  if (auto v = rd.string(o, "", "phone_model_name", true)) r.phone_model_name = *v;
  if (auto v = rd.string(o, "", "image_id", true)) r.image_id = *v;
  if (auto v = rd.integer(o, "", "count", true)) r.count = *v;
  if (const auto* bw = rd.object(o, "", "band_width", true)) {
    r.band_width.band_width_id = rd.string(*bw, "band_width", "band_width_id", false);
    r.band_width.band_width_share_type = rd.integer(*bw, "band_width", "band_width_share_type", false);
    r.band_width.band_width_size = rd.integer(*bw, "band_width", "band_width_size", false);
  }
  if (const auto* ep = rd.object(o, "", "extend_param", true)) {
    if (auto v = rd.integer(*ep, "extend_param", "charging_mode", true)) r.extend_param.charging_mode = *v;
    if (auto v = rd.integer(*ep, "extend_param", "period_type", true)) r.extend_param.period_type = *v;
    if (auto v = rd.integer(*ep, "extend_param", "period_num", true)) r.extend_param.period_num = *v;
    r.extend_param.is_auto_pay = rd.integer(*ep, "extend_param", "is_auto_pay", false);
  }
  r.keypair_name = rd.string(o, "", "keypair_name", false);
  if (auto v = rd.string(o, "", "vnc_enable", false)) r.vnc_enable = iequals("true", *v);
  r.subnet_cidr = rd.string(o, "", "subnet_cidr", false);
  if (const json::value* ports = rd.member(o, "", "ports", false)) {
    if (!ports->is_array()) {
      rd.wrong_type("", "ports", "an array of objects");
    } else {
      const auto& arr = ports->get_array();
      for (std::size_t i = 0; i < arr.size(); ++i) {
        std::string prefix = fmt::format("ports[{}]", i);
        if (!arr[i].is_object()) {
          out.errors.push_back(
              {prefix, "has the wrong type (allowed: an object)", std::string(k_bad_request)});
          continue;
        }
        const auto& po = arr[i].get_object();
        port_spec p;
        if (auto v = rd.string(po, prefix, "name", true)) p.name = *v;
        if (auto v = rd.integer(po, prefix, "listen_port", true)) p.listen_port = *v;
        if (auto v = rd.string(po, prefix, "internet_accessible", true))
          p.internet_accessible = iequals("true", *v);
        r.ports.push_back(std::move(p));
      }
    }
  }
  return out;
}

}  // namespace cphfleet
