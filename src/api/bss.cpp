#include "api/bss.hpp"

#include "base/text.hpp"
#include "base/time_text.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>

#include <chrono>
#include <limits>
#include <stdexcept>

namespace cphfleet {
namespace json = boost::json;

std::string order_status_name(int status) {
  switch (status) {
    case order_status::pending_approval:
      return "pending approval";
    case order_status::pending_refund:
      return "pending refund";
    case order_status::processing:
      return "processing";
    case order_status::cancelled:
      return "cancelled";
    case order_status::completed:
      return "completed";
    case order_status::pending_payment:
      return "pending payment";
    default:
      return fmt::format("status {}", status);
  }
}

// ---- queries -----------------------------------------------------------------------------------------

std::string to_query_text(const bss_list_query& q) {
  std::string out;
  auto add = [&](std::string_view key, std::string_view value) {
    if (!out.empty()) out += '&';
    out += key;
    out += '=';
    out += percent_encode(value);
  };
  if (!q.create_time_begin.empty()) add("create_time_begin", q.create_time_begin);
  if (!q.create_time_end.empty()) add("create_time_end", q.create_time_end);
  if (q.status) add("status", std::to_string(*q.status));
  if (!q.order_type.empty()) add("order_type", q.order_type);
  if (!q.service_type_code.empty()) add("service_type_code", q.service_type_code);
  if (q.limit) add("limit", std::to_string(*q.limit));
  if (q.offset) add("offset", std::to_string(*q.offset));
  if (!q.order_by.empty()) add("order_by", q.order_by);
  return out;
}

std::string bss_time(std::int64_t unix_s) { return rfc3339_s(unix_s * 1000); }

std::optional<std::int64_t> parse_bss_time(std::string_view text) {
  // Exactly yyyy-MM-ddTHH:mm:ssZ: no fraction, no offset.
  if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != 'Z')
    return std::nullopt;
  auto t = parse_utc_rfc3339(text);
  if (!t) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count();
}

parsed_bss_query parse_bss_list_query(std::string_view text) {
  bss_list_query q;
  auto invalid = [](std::string_view key) {
    return parsed_bss_query{std::nullopt, fmt::format("Invalid parameter: {}.", key)};
  };
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t amp = std::min(text.find('&', start), text.size());
    std::string_view pair = text.substr(start, amp - start);
    start = amp + 1;
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    std::string key = percent_decode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1));
    if (value.empty()) continue;  // the model: an empty value is no filter
    if (key == "create_time_begin" || key == "create_time_end") {
      if (!parse_bss_time(value)) return invalid(key);
      (key == "create_time_begin" ? q.create_time_begin : q.create_time_end) = value;
    } else if (key == "status") {
      auto v = parse_integer<int>(value);
      if (!v) return invalid(key);
      q.status = *v;
    } else if (key == "order_type") {
      if (!parse_integer<int>(value)) return invalid(key);
      q.order_type = value;
    } else if (key == "service_type_code") {
      q.service_type_code = value;
    } else if (key == "limit") {
      auto v = parse_integer<std::int64_t>(value);
      if (!v || *v < 1 || *v > k_bss_max_limit) return invalid(key);
      q.limit = *v;
    } else if (key == "offset") {
      auto v = parse_integer<std::int64_t>(value);
      if (!v || *v < 0) return invalid(key);
      q.offset = *v;
    } else if (key == "order_by") {
      if (!iequals(value, "createTime") && !iequals(value, "-createTime")) return invalid(key);
      q.order_by = value;
    }
  }
  return {std::move(q), {}};
}

// ---- numbers kept as text ----------------------------------------------------------------------------

namespace {

// A number is kept as a one-member object under this key. No JSON text can produce the key in a way
// that confuses a reader: a real object with it would be read as a number, which the readers then
// check like any other.
constexpr std::string_view k_number_key("\0#", 2);

const json::string* number_text(const json::value& v) {
  if (!v.is_object()) return nullptr;
  const auto& o = v.get_object();
  if (o.size() != 1) return nullptr;
  const json::value* t = o.if_contains(k_number_key);
  return t && t->is_string() ? &t->get_string() : nullptr;
}

// boost::json's basic_parser hands each number's text to its handler; this one builds the usual tree
// with every number as its text.
class keeping_handler {
 public:
  constexpr static std::size_t max_object_size = std::size_t(-1);
  constexpr static std::size_t max_array_size = std::size_t(-1);
  constexpr static std::size_t max_key_size = std::size_t(-1);
  constexpr static std::size_t max_string_size = std::size_t(-1);

  json::value release() { return stack_.release(); }

  bool on_document_begin(boost::system::error_code&) {
    stack_.reset();
    return true;
  }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_object_begin(boost::system::error_code&) { return true; }
  bool on_object_end(std::size_t n, boost::system::error_code&) {
    stack_.push_object(n);
    return true;
  }
  bool on_array_begin(boost::system::error_code&) { return true; }
  bool on_array_end(std::size_t n, boost::system::error_code&) {
    stack_.push_array(n);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, boost::system::error_code&) {
    stack_.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, boost::system::error_code&) {
    stack_.push_key(s);
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, boost::system::error_code&) {
    stack_.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, boost::system::error_code&) {
    stack_.push_string(s);
    return true;
  }
  bool on_number_part(json::string_view s, boost::system::error_code&) {
    number_.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t, json::string_view s, boost::system::error_code&) { return number(s); }
  bool on_uint64(std::uint64_t, json::string_view s, boost::system::error_code&) { return number(s); }
  bool on_double(double, json::string_view s, boost::system::error_code&) { return number(s); }
  bool on_bool(bool b, boost::system::error_code&) {
    stack_.push_bool(b);
    return true;
  }
  bool on_null(boost::system::error_code&) {
    stack_.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, boost::system::error_code&) { return true; }
  bool on_comment(json::string_view, boost::system::error_code&) { return true; }

 private:
  bool number(json::string_view last) {
    number_.append(last.data(), last.size());
    stack_.push_key(json::string_view(k_number_key.data(), k_number_key.size()));
    stack_.push_string(number_);
    stack_.push_object(1);
    number_.clear();
    return true;
  }

  json::value_stack stack_;
  std::string number_;
};

void write_into(std::string& out, const json::value& v) {
  if (const json::string* n = number_text(v)) {
    out.append(n->data(), n->size());
    return;
  }
  switch (v.kind()) {
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& [k, item] : v.get_object()) {
        if (!first) out += ',';
        first = false;
        out += json::serialize(json::string_view(k));
        out += ':';
        write_into(out, item);
      }
      out += '}';
      return;
    }
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& item : v.get_array()) {
        if (!first) out += ',';
        first = false;
        write_into(out, item);
      }
      out += ']';
      return;
    }
    default:
      out += json::serialize(v);
  }
}

}  // namespace

bool is_decimal_text(std::string_view t) {
  std::size_t i = 0;
  auto digits = [&] {
    std::size_t from = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    return i - from;
  };
  if (i < t.size() && t[i] == '-') ++i;
  if (i >= t.size()) return false;
  if (t[i] == '0') {
    ++i;
  } else if (digits() == 0) {
    return false;
  }
  if (i < t.size() && t[i] == '.') {
    ++i;
    if (digits() == 0) return false;
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == t.size();
}

json::value parse_bss_json(std::string_view text) {
  json::basic_parser<keeping_handler> parser(json::parse_options{});
  boost::system::error_code ec;
  std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
  if (!ec && used < text.size()) ec = json::error::extra_data;
  if (ec) throw std::runtime_error(fmt::format("not JSON: {}", ec.message()));
  return parser.handler().release();
}

std::string write_bss_json(const json::value& v) {
  std::string out;
  write_into(out, v);
  return out;
}

json::value bss_number(std::string_view text) {
  if (!is_decimal_text(text))
    throw std::invalid_argument(fmt::format("\"{}\" is not a decimal number", text));
  return json::object{{k_number_key, text}};
}

json::value bss_number(std::int64_t n) { return bss_number(std::to_string(n)); }

// ---- orders ------------------------------------------------------------------------------------------

namespace {

std::string at(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
}

[[noreturn]] void refuse(std::string_view where, std::string_view what) {
  throw std::runtime_error(fmt::format("{}: must be {}", where, what));
}

// The fields of one object of a tree from parse_bss_json.
class fields {
 public:
  fields(const json::value& v, std::string path) : path_(std::move(path)) {
    if (!v.is_object() || number_text(v)) refuse(path_.empty() ? "the answer" : path_, "an object");
    object_ = &v.get_object();
  }

  void text(std::string_view key, std::string& out) const {
    if (const json::value* v = get(key)) {
      if (!v->is_string()) refuse(at(path_, key), "a string");
      out = std::string(v->get_string());
    }
  }
  void decimal(std::string_view key, std::string& out) const {
    if (const json::value* v = get(key)) {
      const json::string* n = number_text(*v);
      if (!n) refuse(at(path_, key), "a number");
      out = std::string(*n);
    }
  }
  template <typename Int>
  void integer(std::string_view key, Int& out) const {
    if (const json::value* v = get(key)) {
      const json::string* n = number_text(*v);
      auto parsed = n ? parse_integer<Int>(std::string_view(*n)) : std::nullopt;
      if (!parsed) refuse(at(path_, key), "an integer");
      out = *parsed;
    }
  }
  const json::value* get(std::string_view key) const {
    const json::value* v = object_->if_contains(key);
    return v && !v->is_null() ? v : nullptr;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const json::object* object_ = nullptr;
};

void put_text(json::object& o, std::string_view key, const std::string& v) {
  if (!v.empty()) o[key] = v;
}
void put_decimal(json::object& o, std::string_view key, const std::string& v) {
  if (!v.empty()) o[key] = bss_number(v);
}

template <typename Item, typename Read>
std::vector<Item> read_items(const fields& f, std::string_view key, Read read) {
  std::vector<Item> out;
  const json::value* v = f.get(key);
  if (!v) return out;
  const std::string where = at(f.path(), key);
  if (!v->is_array()) refuse(where, "an array");
  std::size_t i = 0;
  for (const auto& item : v->get_array()) out.push_back(read(item, fmt::format("{}[{}]", where, i++)));
  return out;
}

json::value parse_object_body(std::string_view body) {
  json::value v = parse_bss_json(body);
  if (!v.is_object() || number_text(v)) throw std::runtime_error("the answer: must be an object");
  return v;
}

}  // namespace

json::object to_json(const bss_order& o) {
  json::object out;
  put_text(out, "order_id", o.order_id);
  put_text(out, "service_type_code", o.service_type_code);
  out["status"] = bss_number(o.status);
  out["order_type"] = bss_number(o.order_type);
  put_decimal(out, "official_amount", o.official_amount);
  put_decimal(out, "amount_after_discount", o.amount_after_discount);
  put_text(out, "currency", o.currency);
  put_text(out, "create_time", o.create_time);
  put_text(out, "payment_time", o.payment_time);
  return out;
}

bss_order bss_order_from_json(const json::value& v, std::string_view path) {
  fields f(v, std::string(path));
  bss_order o;
  f.text("order_id", o.order_id);
  f.text("service_type_code", o.service_type_code);
  f.integer("status", o.status);
  f.integer("order_type", o.order_type);
  f.decimal("official_amount", o.official_amount);
  f.decimal("amount_after_discount", o.amount_after_discount);
  f.text("currency", o.currency);
  f.text("create_time", o.create_time);
  f.text("payment_time", o.payment_time);
  return o;
}

json::object to_json(const bss_order_line& l) {
  json::object out;
  put_text(out, "order_line_item_id", l.order_line_item_id);
  put_text(out, "service_type_code", l.service_type_code);
  put_text(out, "product_id", l.product_id);
  put_text(out, "product_spec_desc", l.product_spec_desc);
  out["period_type"] = bss_number(l.period_type);
  out["period_num"] = bss_number(l.period_num);
  out["subscription_num"] = bss_number(l.subscription_num);
  put_decimal(out, "official_amount", l.official_amount);
  put_text(out, "currency", l.currency);
  return out;
}

bss_order_line bss_order_line_from_json(const json::value& v, std::string_view path) {
  fields f(v, std::string(path));
  bss_order_line l;
  f.text("order_line_item_id", l.order_line_item_id);
  f.text("service_type_code", l.service_type_code);
  f.text("product_id", l.product_id);
  f.text("product_spec_desc", l.product_spec_desc);
  f.integer("period_type", l.period_type);
  f.integer("period_num", l.period_num);
  f.integer("subscription_num", l.subscription_num);
  f.decimal("official_amount", l.official_amount);
  f.text("currency", l.currency);
  return l;
}

std::string write_order_page(const bss_order_page& page) {
  json::array orders;
  for (const auto& o : page.orders) orders.emplace_back(to_json(o));
  return write_bss_json(json::object{{"total_count", bss_number(page.total_count)}, {"order_infos", orders}});
}

bss_order_page read_order_page(std::string_view body) {
  json::value v = parse_object_body(body);
  fields f(v, "");
  bss_order_page page;
  f.integer("total_count", page.total_count);
  if (!f.get("order_infos")) throw std::runtime_error("order_infos: is missing");
  page.orders = read_items<bss_order>(f, "order_infos", [](const json::value& item, const std::string& p) {
    return bss_order_from_json(item, p);
  });
  return page;
}

std::string write_order_detail(const bss_order_detail& d) {
  json::array lines;
  for (const auto& l : d.lines) lines.emplace_back(to_json(l));
  const auto count = static_cast<std::int64_t>(d.lines.size());
  return write_bss_json(json::object{
      {"total_count", bss_number(count)}, {"order_info", to_json(d.order)}, {"order_line_items", lines}});
}

bss_order_detail read_order_detail(std::string_view body) {
  json::value v = parse_object_body(body);
  fields f(v, "");
  bss_order_detail d;
  const json::value* info = f.get("order_info");
  if (!info) throw std::runtime_error("order_info: is missing");
  d.order = bss_order_from_json(*info, "order_info");
  d.lines = read_items<bss_order_line>(
      f, "order_line_items",
      [](const json::value& item, const std::string& p) { return bss_order_line_from_json(item, p); });
  return d;
}

std::string write_cancel_request(std::string_view order_id) {
  return write_bss_json(json::object{{"order_id", order_id}});
}

std::string read_cancel_request(std::string_view body) {
  json::value v = parse_object_body(body);
  fields f(v, "");
  std::string id;
  f.text("order_id", id);
  if (id.empty()) throw std::runtime_error("order_id: is missing");
  return id;
}

// ---- paying ------------------------------------------------------------------------------------------

namespace {

template <typename Int>
void put_integer(json::object& o, std::string_view key, const std::optional<Int>& v) {
  if (v) o[key] = bss_number(static_cast<std::int64_t>(*v));
}
template <typename Int>
void optional_integer(const fields& f, std::string_view key, std::optional<Int>& out) {
  if (!f.get(key)) return;
  Int v{};
  f.integer(key, v);
  out = v;
}

}  // namespace

std::string write_pay_request(const pay_request& r) {
  return write_bss_json(
      json::object{{"order_id", r.order_id}, {"use_coupon", r.use_coupon}, {"use_discount", r.use_discount}});
}

pay_request read_pay_request(std::string_view body) {
  json::value v = parse_object_body(body);
  fields f(v, "");
  pay_request r;
  f.text("order_id", r.order_id);
  if (r.order_id.empty()) throw std::runtime_error("order_id: is missing");
  f.text("use_coupon", r.use_coupon);
  f.text("use_discount", r.use_discount);
  if (r.use_coupon != "YES" && r.use_coupon != "NO") refuse("use_coupon", "YES or NO");
  if (r.use_discount != "YES" && r.use_discount != "NO") refuse("use_discount", "YES or NO");
  return r;
}

// ---- the resources of an order -------------------------------------------------------------------------

std::string write_resources_query(const resources_query& q) {
  json::object o{{"order_id", q.order_id}};
  put_integer(o, "only_main_resource", q.only_main_resource);
  put_integer(o, "offset", q.offset);
  put_integer(o, "limit", q.limit);
  return write_bss_json(o);
}

resources_query read_resources_query(std::string_view body) {
  json::value v = parse_object_body(body);
  fields f(v, "");
  resources_query q;
  f.text("order_id", q.order_id);
  optional_integer(f, "only_main_resource", q.only_main_resource);
  optional_integer(f, "offset", q.offset);
  optional_integer(f, "limit", q.limit);
  return q;
}

namespace {

json::object to_json(const order_resource& r) {
  json::object out;
  put_text(out, "id", r.id);
  put_text(out, "resource_id", r.resource_id);
  put_text(out, "resource_name", r.resource_name);
  put_text(out, "region_code", r.region_code);
  put_text(out, "service_type_code", r.service_type_code);
  put_text(out, "resource_type_code", r.resource_type_code);
  put_text(out, "resource_spec_code", r.resource_spec_code);
  put_text(out, "project_id", r.project_id);
  put_text(out, "product_id", r.product_id);
  put_text(out, "product_spec_desc", r.product_spec_desc);
  out["is_main_resource"] = bss_number(r.is_main_resource);
  out["status"] = bss_number(r.status);
  return out;
}

order_resource order_resource_from_json(const json::value& v, std::string_view path) {
  fields f(v, std::string(path));
  order_resource r;
  f.text("id", r.id);
  f.text("resource_id", r.resource_id);
  f.text("resource_name", r.resource_name);
  f.text("region_code", r.region_code);
  f.text("service_type_code", r.service_type_code);
  f.text("resource_type_code", r.resource_type_code);
  f.text("resource_spec_code", r.resource_spec_code);
  f.text("project_id", r.project_id);
  f.text("product_id", r.product_id);
  f.text("product_spec_desc", r.product_spec_desc);
  f.integer("is_main_resource", r.is_main_resource);
  f.integer("status", r.status);
  return r;
}

}  // namespace

std::string write_order_resources(const order_resources_page& page) {
  json::array data;
  for (const auto& r : page.resources) data.emplace_back(to_json(r));
  return write_bss_json(json::object{{"total_count", bss_number(page.total_count)}, {"data", data}});
}

order_resources_page read_order_resources(std::string_view body) {
  json::value v = parse_object_body(body);
  fields f(v, "");
  order_resources_page page;
  f.integer("total_count", page.total_count);
  if (!f.get("data")) throw std::runtime_error("data: is missing");
  page.resources = read_items<order_resource>(f, "data", [](const json::value& item, const std::string& p) {
    return order_resource_from_json(item, p);
  });
  return page;
}

// ---- prices ------------------------------------------------------------------------------------------

std::string write_rate_request(const rate_request& r) {
  json::array products;
  for (const auto& p : r.products) {
    json::object o;
    put_text(o, "id", p.id);
    put_text(o, "cloud_service_type", p.cloud_service_type);
    put_text(o, "resource_type", p.resource_type);
    put_text(o, "resource_spec", p.resource_spec);
    put_text(o, "region", p.region);
    put_text(o, "available_zone", p.available_zone);
    put_integer(o, "resource_size", p.resource_size);
    put_integer(o, "size_measure_id", p.size_measure_id);
    o["period_type"] = bss_number(p.period_type);
    o["period_num"] = bss_number(p.period_num);
    o["subscription_num"] = bss_number(p.subscription_num);
    products.emplace_back(std::move(o));
  }
  return write_bss_json(json::object{{"project_id", r.project_id}, {"product_infos", products}});
}

rate_request read_rate_request(std::string_view body) {
  json::value v = parse_object_body(body);
  fields f(v, "");
  rate_request r;
  f.text("project_id", r.project_id);
  if (!f.get("product_infos")) throw std::runtime_error("product_infos: is missing");
  r.products =
      read_items<rate_product>(f, "product_infos", [](const json::value& item, const std::string& p) {
        fields g(item, p);
        rate_product out;
        g.text("id", out.id);
        g.text("cloud_service_type", out.cloud_service_type);
        g.text("resource_type", out.resource_type);
        g.text("resource_spec", out.resource_spec);
        g.text("region", out.region);
        g.text("available_zone", out.available_zone);
        optional_integer(g, "resource_size", out.resource_size);
        optional_integer(g, "size_measure_id", out.size_measure_id);
        g.integer("period_type", out.period_type);
        g.integer("period_num", out.period_num);
        g.integer("subscription_num", out.subscription_num);
        return out;
      });
  return r;
}

std::string write_rate_answer(const rate_answer& a) {
  json::array products;
  for (const auto& p : a.products) {
    json::object o;
    put_text(o, "id", p.id);
    put_text(o, "product_id", p.product_id);
    put_decimal(o, "official_website_amount", p.official_website_amount);
    products.emplace_back(std::move(o));
  }
  json::object result;
  put_decimal(result, "official_website_amount", a.official_website_amount);
  result["product_rating_results"] = std::move(products);
  json::object out{{"official_website_rating_result", std::move(result)}};
  put_text(out, "currency", a.currency);
  return write_bss_json(out);
}

rate_answer read_rate_answer(std::string_view body) {
  json::value v = parse_object_body(body);
  fields f(v, "");
  rate_answer a;
  f.text("currency", a.currency);
  const json::value* result = f.get("official_website_rating_result");
  if (!result) throw std::runtime_error("official_website_rating_result: is missing");
  fields r(*result, "official_website_rating_result");
  r.decimal("official_website_amount", a.official_website_amount);
  a.products = read_items<product_rate>(r, "product_rating_results",
                                        [](const json::value& item, const std::string& p) {
                                          fields g(item, p);
                                          product_rate out;
                                          g.text("id", out.id);
                                          g.text("product_id", out.product_id);
                                          g.decimal("official_website_amount", out.official_website_amount);
                                          return out;
                                        });
  return a;
}

}  // namespace cphfleet
