#include "api/purchase_body.hpp"

#include "base/text.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <algorithm>
#include <array>
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

purchase_api api_of_object(const json::object& o) {
  return o.contains("tenant_vpc_id") || o.contains("nics") ? purchase_api::v2 : purchase_api::v1;
}

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

std::string_view to_string(purchase_api api) { return api == purchase_api::v2 ? "v2" : "v1"; }

std::optional<purchase_api> parse_purchase_api(std::string_view s) {
  if (s == "v1") return purchase_api::v1;
  if (s == "v2") return purchase_api::v2;
  return std::nullopt;
}

purchase_api purchase_api_of(std::string_view body) {
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec);
  if (ec || !doc.is_object()) return purchase_api::v1;
  return api_of_object(doc.get_object());
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : hex_value(s[i]) < 0) return false;
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

namespace {

void check_common(std::vector<api_error>& out, const purchase_request& r) {
  // server_name: 1..60 characters of the allowed set (both APIs).
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
}

void check_v1_band_width(std::vector<api_error>& out, const band_width_spec& bw) {
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
}

// v2 turns v1's rule around: the share type and charge mode are always given; a shared bandwidth is
// named by id, a dedicated one sized.
void check_v2_band_width(std::vector<api_error>& out, const band_width_spec& bw) {
  if (!bw.band_width_share_type) {
    out.push_back(
        {"band_width.band_width_share_type", "is missing (required: 0 dedicated or 1 shared)", "CPS.0031"});
  } else if (*bw.band_width_share_type != 0 && *bw.band_width_share_type != 1) {
    out.push_back(
        {"band_width.band_width_share_type",
         fmt::format("{} is not a share type (allowed: 0 dedicated, 1 shared)", *bw.band_width_share_type),
         "CPS.0031"});
  }
  if (!bw.band_width_charge_mode) {
    out.push_back({"band_width.band_width_charge_mode",
                   "is missing (required: 0 by bandwidth or 1 by traffic)", "CPS.0031"});
  } else if (*bw.band_width_charge_mode != 0 && *bw.band_width_charge_mode != 1) {
    out.push_back({"band_width.band_width_charge_mode",
                   fmt::format("{} is not a charge mode (allowed: 0 by bandwidth, 1 by traffic)",
                               *bw.band_width_charge_mode),
                   "CPS.0031"});
  }
  const bool shared = bw.band_width_share_type == 1;
  const bool dedicated = bw.band_width_share_type == 0;
  if (shared && !bw.band_width_id) {
    out.push_back({"band_width.band_width_id",
                   "is missing (required for a shared bandwidth: the id of an existing shared bandwidth)",
                   "CPS.0031"});
  }
  if (bw.band_width_id)
    check_bytes(out, "band_width.band_width_id", *bw.band_width_id, 64, "CPS.0031", "CPS.0031");
  if (dedicated && !bw.band_width_size) {
    out.push_back({"band_width.band_width_size",
                   "is missing (required for a dedicated bandwidth: 1..2000 Mbit/s)", "CPS.0031"});
  }
  if (bw.band_width_size)
    check_range(out, "band_width.band_width_size", *bw.band_width_size, 1, 2000, "CPS.0031");
}

void check_extend_param(std::vector<api_error>& out, const extend_param_spec& ep) {
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
  if (ep.is_auto_renew && *ep.is_auto_renew != 0 && *ep.is_auto_renew != 1) {
    out.push_back(
        {"extend_param.is_auto_renew",
         fmt::format("{} is not allowed (allowed: 0 do not renew, 1 renew automatically)", *ep.is_auto_renew),
         std::string(k_bad_request)});
  }
  if (ep.enterprise_project_id && *ep.enterprise_project_id != "0" && !is_uuid(*ep.enterprise_project_id)) {
    out.push_back({"extend_param.enterprise_project_id",
                   fmt::format("'{}' is not an enterprise project id (allowed: \"0\" for the default "
                               "project, or a project's UUID)",
                               *ep.enterprise_project_id),
                   std::string(k_bad_request)});
  }
}

void check_ports(std::vector<api_error>& out, const std::vector<port_spec>& ports) {
  std::set<std::string> names;
  std::set<std::int64_t> numbers;
  for (std::size_t i = 0; i < ports.size(); ++i) {
    const auto& p = ports[i];
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
}

void missing(std::vector<api_error>& out, std::string field, std::string_view required) {
  out.push_back(
      {std::move(field), fmt::format("is missing (required: {})", required), std::string(k_bad_request)});
}

void check_uuid(std::vector<api_error>& out, const std::string& field, const std::optional<std::string>& v,
                std::string_view what) {
  if (!v) {
    missing(out, field, fmt::format("{}, a UUID", what));
  } else if (!is_uuid(*v)) {
    out.push_back({field, fmt::format("'{}' is not a UUID (allowed: {}, 8-4-4-4-12 hex digits)", *v, what),
                   std::string(k_bad_request)});
  }
}

void check_nics(std::vector<api_error>& out, const std::optional<std::vector<nic_spec>>& nics) {
  if (!nics) {
    missing(out, "nics", "one network interface, [{ subnet_id = \"...\" }]");
    return;
  }
  if (nics->empty()) {
    out.push_back({"nics", "is empty (allowed: one network interface or more, each with a subnet_id)",
                   std::string(k_bad_request)});
  }
  for (std::size_t i = 0; i < nics->size(); ++i) {
    const nic_spec& n = (*nics)[i];
    const std::string base = fmt::format("nics[{}]", i);
    check_uuid(out, base + ".subnet_id", n.subnet_id, "the id of a subnet of tenant_vpc_id");
    if (n.ipv6_band_width_id) {
      const std::string field = base + ".ipv6_bandwidth.band_width_id";
      if (!*n.ipv6_band_width_id) {
        missing(out, field, "the id of the shared bandwidth IPv6 is bound to");
      } else {
        check_bytes(out, field, **n.ipv6_band_width_id, 64, k_bad_request, k_bad_request);
      }
    }
  }
}

constexpr std::array<std::string_view, 4> k_eip_types{"5_telcom", "5_union", "5_bgp", "5_sbgp"};

void check_public_ip(std::vector<api_error>& out, const std::optional<public_ip_spec>& ip) {
  if (!ip) {
    missing(out, "public_ip",
            "eip = { type = \"5_bgp\" } for new EIPs, ids = [\"<eip id>\"] for an existing one, or count = 0 "
            "for none");
    return;
  }
  const std::int64_t count = ip->count.value_or(1);
  if (count < 0) {
    out.push_back(
        {"public_ip.count",
         fmt::format("{} is out of range (allowed: 0 for no EIP, up to the number of phone IPs)", count),
         std::string(k_bad_request)});
  }
  if (ip->ids && ip->eip_type) {
    out.push_back({"public_ip",
                   "sets both eip and ids (allowed: eip for new EIPs or ids for an existing one)",
                   std::string(k_bad_request)});
  } else if (!ip->ids && !ip->eip_type && count != 0) {
    out.push_back({"public_ip",
                   "sets neither eip nor ids (required unless count = 0: eip = { type = \"5_bgp\" } or ids = "
                   "[\"<eip id>\"])",
                   std::string(k_bad_request)});
  }
  if (ip->ids) {
    if (ip->ids->size() != 1) {
      out.push_back({"public_ip.ids",
                     fmt::format("has {} ids (allowed: exactly one existing EIP id)", ip->ids->size()),
                     std::string(k_bad_request)});
    }
    for (std::size_t i = 0; i < ip->ids->size(); ++i)
      check_bytes(out, fmt::format("public_ip.ids[{}]", i), (*ip->ids)[i], 64, k_bad_request, k_bad_request);
  }
  if (ip->eip_type) {
    if (!*ip->eip_type) {
      missing(out, "public_ip.eip.type", "5_telcom, 5_union, 5_bgp or 5_sbgp");
    } else if (std::find(k_eip_types.begin(), k_eip_types.end(), **ip->eip_type) == k_eip_types.end()) {
      out.push_back(
          {"public_ip.eip.type",
           fmt::format("'{}' is not an EIP type (allowed: 5_telcom, 5_union, 5_bgp, 5_sbgp)", **ip->eip_type),
           std::string(k_bad_request)});
    }
  }
}

void check_volume(std::vector<api_error>& out, std::string_view name, const std::optional<volume_spec>& v,
                  std::int64_t min_size) {
  if (!v) return;
  const std::string type_field = fmt::format("{}.volume_type", name);
  const std::string size_field = fmt::format("{}.size", name);
  if (!v->volume_type) {
    missing(out, type_field, "SSD or GPSSD");
  } else if (*v->volume_type != "SSD" && *v->volume_type != "GPSSD") {
    out.push_back({type_field, fmt::format("'{}' is not a disk type (allowed: SSD, GPSSD)", *v->volume_type),
                   std::string(k_bad_request)});
  }
  if (!v->size) {
    missing(out, size_field, fmt::format("GiB, {}..32768", min_size));
  } else {
    check_range(out, size_field, *v->size, min_size, 32768, k_bad_request);
  }
}

void check_property(std::vector<api_error>& out, const std::optional<std::string>& property) {
  if (!property) return;
  const std::size_t chars = utf8_length(*property);
  if (chars == 0 || chars > 8192) {
    out.push_back({"property", fmt::format("is {} characters long (allowed: 1..8192 characters)", chars),
                   std::string(k_bad_request)});
    return;
  }
  boost::system::error_code ec;
  json::value v = json::parse(*property, ec);
  if (ec || !v.is_object()) {
    out.push_back({"property",
                   "is not a JSON object (allowed: phone properties as a JSON object in a string, e.g. "
                   "'{\"ro.com.cph.notification_disable\":\"1\"}')",
                   std::string(k_bad_request)});
  }
}

}  // namespace

std::vector<api_error> validate(const purchase_request& r) {
  std::vector<api_error> out;
  check_common(out, r);
  if (r.api == purchase_api::v1) {
    check_v1_band_width(out, r.band_width);
  } else {
    check_uuid(out, "tenant_vpc_id", r.tenant_vpc_id, "the id of a VPC of the tenant");
    check_nics(out, r.nics);
    check_public_ip(out, r.public_ip);
    check_v2_band_width(out, r.band_width);
  }
  check_extend_param(out, r.extend_param);
  if (r.keypair_name) check_bytes(out, "keypair_name", *r.keypair_name, 64, k_bad_request, k_bad_request);
  check_ports(out, r.ports);
  if (r.api == purchase_api::v1) {
    if (r.subnet_cidr && !is_valid_ipv4_cidr(*r.subnet_cidr)) {
      out.push_back({"subnet_cidr",
                     fmt::format("'{}' is not an IPv4 CIDR (allowed: a.b.c.d/n, n 0..32, no host bits set)",
                                 *r.subnet_cidr),
                     std::string(k_bad_request)});
    }
    return out;
  }
  if (r.availability_zone)
    check_bytes(out, "availability_zone", *r.availability_zone, 64, k_bad_request, k_bad_request);
  if (r.phone_count_per_ip && *r.phone_count_per_ip < 1) {
    out.push_back({"phone_count_per_ip",
                   fmt::format("{} is out of range (allowed: 1..the phone flavor's phone count)",
                               *r.phone_count_per_ip),
                   std::string(k_bad_request)});
  }
  check_volume(out, "phone_data_volume", r.phone_data_volume, 1);
  check_volume(out, "server_share_data_volume", r.server_share_data_volume, 10);
  check_property(out, r.property);
  return out;
}

namespace {

json::object volume_json(const volume_spec& v) {
  json::object o;
  if (v.volume_type) o["volume_type"] = *v.volume_type;
  if (v.size) o["size"] = *v.size;
  return o;
}

}  // namespace

json::object to_json(const purchase_request& r) {
  const bool v2 = r.api == purchase_api::v2;
  json::object o;
  o["server_name"] = r.server_name;
  o["server_model_name"] = r.server_model_name;
  o["phone_model_name"] = r.phone_model_name;
  o["image_id"] = r.image_id;
  o["count"] = r.count;
  if (v2) {
    if (r.tenant_vpc_id) o["tenant_vpc_id"] = *r.tenant_vpc_id;
    if (r.nics) {
      json::array nics;
      for (const auto& n : *r.nics) {
        json::object nic;
        if (n.subnet_id) nic["subnet_id"] = *n.subnet_id;
        if (n.ipv6_enable) nic["ipv6_enable"] = *n.ipv6_enable;
        if (n.ipv6_band_width_id) {
          json::object bw;
          if (*n.ipv6_band_width_id) bw["band_width_id"] = **n.ipv6_band_width_id;
          nic["ipv6_bandwidth"] = std::move(bw);
        }
        nics.push_back(std::move(nic));
      }
      o["nics"] = std::move(nics);
    }
    if (r.public_ip) {
      json::object ip;
      if (r.public_ip->ids) {
        json::array ids;
        for (const auto& id : *r.public_ip->ids) ids.push_back(json::string(id));
        ip["ids"] = std::move(ids);
      }
      if (r.public_ip->eip_type) {
        json::object eip;
        if (*r.public_ip->eip_type) eip["type"] = **r.public_ip->eip_type;
        ip["eip"] = std::move(eip);
      }
      if (r.public_ip->count) ip["count"] = *r.public_ip->count;
      o["public_ip"] = std::move(ip);
    }
  }
  json::object bw;
  if (r.band_width.band_width_id) bw["band_width_id"] = *r.band_width.band_width_id;
  if (r.band_width.band_width_share_type) bw["band_width_share_type"] = *r.band_width.band_width_share_type;
  if (v2 && r.band_width.band_width_charge_mode)
    bw["band_width_charge_mode"] = *r.band_width.band_width_charge_mode;
  if (r.band_width.band_width_size) bw["band_width_size"] = *r.band_width.band_width_size;
  o["band_width"] = std::move(bw);
  json::object ep;
  ep["charging_mode"] = r.extend_param.charging_mode;
  ep["period_type"] = r.extend_param.period_type;
  ep["period_num"] = r.extend_param.period_num;
  if (r.extend_param.is_auto_pay) ep["is_auto_pay"] = *r.extend_param.is_auto_pay;
  if (r.extend_param.is_auto_renew) ep["is_auto_renew"] = *r.extend_param.is_auto_renew;
  if (r.extend_param.enterprise_project_id)
    ep["enterprise_project_id"] = *r.extend_param.enterprise_project_id;
  o["extend_param"] = std::move(ep);
  if (r.keypair_name) o["keypair_name"] = *r.keypair_name;
  if (!v2 && r.vnc_enable) o["vnc_enable"] = *r.vnc_enable ? "true" : "false";
  if (!r.ports.empty()) {
    json::array ports;
    for (const auto& p : r.ports) {
      ports.push_back(json::object{{"name", p.name},
                                   {"listen_port", p.listen_port},
                                   {"internet_accessible", p.internet_accessible ? "true" : "false"}});
    }
    o["ports"] = std::move(ports);
  }
  if (!v2) {
    if (r.subnet_cidr) o["subnet_cidr"] = *r.subnet_cidr;
    return o;
  }
  if (r.availability_zone) o["availability_zone"] = *r.availability_zone;
  if (r.phone_count_per_ip) o["phone_count_per_ip"] = *r.phone_count_per_ip;
  if (r.phone_data_volume) o["phone_data_volume"] = volume_json(*r.phone_data_volume);
  if (r.server_share_data_volume) o["server_share_data_volume"] = volume_json(*r.server_share_data_volume);
  if (r.property) o["property"] = *r.property;
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
  std::optional<bool> boolean(const json::object& o, std::string_view prefix, std::string_view key) {
    const json::value* v = member(o, prefix, key, false);
    if (!v) return std::nullopt;
    if (!v->is_bool()) {
      wrong_type(prefix, key, "true or false");
      return std::nullopt;
    }
    return v->get_bool();
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
  // The objects of an array member, each with its own prefix (`ports[1]`); an item that is not an
  // object is reported and skipped.
  template <typename F>
  bool objects(const json::object& o, std::string_view key, bool required, F&& each) {
    const json::value* v = member(o, "", key, required);
    if (!v) return false;
    if (!v->is_array()) {
      wrong_type("", key, "an array of objects");
      return false;
    }
    const auto& arr = v->get_array();
    for (std::size_t i = 0; i < arr.size(); ++i) {
      std::string prefix = fmt::format("{}[{}]", key, i);
      if (!arr[i].is_object()) {
        errors.push_back({prefix, "has the wrong type (allowed: an object)", std::string(k_bad_request)});
        continue;
      }
      each(arr[i].get_object(), prefix);
    }
    return true;
  }
  std::optional<std::vector<std::string>> strings(const json::object& o, std::string_view prefix,
                                                  std::string_view key) {
    const json::value* v = member(o, prefix, key, false);
    if (!v) return std::nullopt;
    if (!v->is_array()) {
      wrong_type(prefix, key, "an array of strings");
      return std::nullopt;
    }
    std::vector<std::string> out;
    for (const auto& item : v->get_array()) {
      if (!item.is_string()) {
        wrong_type(prefix, key, "an array of strings");
        return std::nullopt;
      }
      out.emplace_back(item.get_string());
    }
    return out;
  }
  std::optional<volume_spec> volume(const json::object& o, std::string_view key) {
    const json::object* v = object(o, "", key, false);
    if (!v) return std::nullopt;
    return volume_spec{string(*v, key, "volume_type", true), integer(*v, key, "size", true)};
  }
};

void read_v2_members(body_reader& rd, const json::object& o, purchase_request& r) {
  r.tenant_vpc_id = rd.string(o, "", "tenant_vpc_id", true);
  std::vector<nic_spec> nics;
  if (rd.objects(o, "nics", true, [&](const json::object& no, const std::string& prefix) {
        nic_spec n;
        n.subnet_id = rd.string(no, prefix, "subnet_id", true);
        n.ipv6_enable = rd.boolean(no, prefix, "ipv6_enable");
        const std::string bw_prefix = prefix + ".ipv6_bandwidth";
        if (const auto* bw = rd.object(no, prefix, "ipv6_bandwidth", false))
          n.ipv6_band_width_id = rd.string(*bw, bw_prefix, "band_width_id", true);
        nics.push_back(std::move(n));
      }))
    r.nics = std::move(nics);
  if (const auto* ip = rd.object(o, "", "public_ip", true)) {
    public_ip_spec p;
    p.ids = rd.strings(*ip, "public_ip", "ids");
    if (const auto* eip = rd.object(*ip, "public_ip", "eip", false))
      p.eip_type = rd.string(*eip, "public_ip.eip", "type", true);
    p.count = rd.integer(*ip, "public_ip", "count", false);
    r.public_ip = std::move(p);
  }
  r.availability_zone = rd.string(o, "", "availability_zone", false);
  r.phone_count_per_ip = rd.integer(o, "", "phone_count_per_ip", false);
  r.phone_data_volume = rd.volume(o, "phone_data_volume");
  r.server_share_data_volume = rd.volume(o, "server_share_data_volume");
  r.property = rd.string(o, "", "property", false);
}

}  // namespace

namespace {

parsed_purchase parse_body(std::string_view body, std::optional<purchase_api> api) {
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
  r.api = api ? *api : api_of_object(o);
  const bool v2 = r.api == purchase_api::v2;
  if (auto v = rd.string(o, "", "server_name", true)) r.server_name = *v;
  if (auto v = rd.string(o, "", "server_model_name", true)) r.server_model_name = *v;
  if (auto v = rd.string(o, "", "phone_model_name", true)) r.phone_model_name = *v;
  if (auto v = rd.string(o, "", "image_id", true)) r.image_id = *v;
  if (auto v = rd.integer(o, "", "count", true)) r.count = *v;
  if (const auto* bw = rd.object(o, "", "band_width", true)) {
    r.band_width.band_width_id = rd.string(*bw, "band_width", "band_width_id", false);
    r.band_width.band_width_share_type = rd.integer(*bw, "band_width", "band_width_share_type", false);
    r.band_width.band_width_size = rd.integer(*bw, "band_width", "band_width_size", false);
    if (v2)
      r.band_width.band_width_charge_mode = rd.integer(*bw, "band_width", "band_width_charge_mode", false);
  }
  if (const auto* ep = rd.object(o, "", "extend_param", true)) {
    if (auto v = rd.integer(*ep, "extend_param", "charging_mode", true)) r.extend_param.charging_mode = *v;
    if (auto v = rd.integer(*ep, "extend_param", "period_type", true)) r.extend_param.period_type = *v;
    if (auto v = rd.integer(*ep, "extend_param", "period_num", true)) r.extend_param.period_num = *v;
    r.extend_param.is_auto_pay = rd.integer(*ep, "extend_param", "is_auto_pay", false);
    r.extend_param.is_auto_renew = rd.integer(*ep, "extend_param", "is_auto_renew", false);
    r.extend_param.enterprise_project_id = rd.string(*ep, "extend_param", "enterprise_project_id", false);
  }
  r.keypair_name = rd.string(o, "", "keypair_name", false);
  if (v2) {
    read_v2_members(rd, o, r);
  } else {
    if (auto v = rd.string(o, "", "vnc_enable", false)) r.vnc_enable = iequals("true", *v);
    r.subnet_cidr = rd.string(o, "", "subnet_cidr", false);
  }
  rd.objects(o, "ports", false, [&](const json::object& po, const std::string& prefix) {
    port_spec p;
    if (auto v = rd.string(po, prefix, "name", true)) p.name = *v;
    if (auto v = rd.integer(po, prefix, "listen_port", true)) p.listen_port = *v;
    if (auto v = rd.string(po, prefix, "internet_accessible", true))
      p.internet_accessible = iequals("true", *v);
    r.ports.push_back(std::move(p));
  });
  return out;
}

}  // namespace

parsed_purchase parse_purchase(std::string_view body) { return parse_body(body, std::nullopt); }
parsed_purchase parse_purchase(std::string_view body, purchase_api api) { return parse_body(body, api); }

}  // namespace cphfleet
