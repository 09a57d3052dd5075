// The emulator in this process, on a thread of its own, and what its tests say to it over real sockets
// on 127.0.0.1 (test_http.hpp's client): a purchase body of the built-in catalog's values, a purchase,
// the admin order list, a server list.
#pragma once
#include "api/purchase_body.hpp"
#include "emulator/server.hpp"
#include "support/test_http.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <chrono>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace cphfleet::test {

inline const std::string pid = "0123456789abcdef0123456789abcdef";
inline const std::string phones = "/v1/" + pid + "/cloud-phone/phones";
inline const std::string servers = "/v1/" + pid + "/cloud-phone/servers";

class running_emulator {
 public:
  explicit running_emulator(emulator_options o = {}) : emu_(ioc_, std::move(o)) {
    port_ = emu_.start().port();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~running_emulator() {
    emu_.stop();
    thread_.join();
  }
  unsigned short port() const { return port_; }
  http_client client(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    return http_client("127.0.0.1", port_, timeout);
  }

 private:
  net::io_context ioc_;
  emulator emu_;
  unsigned short port_ = 0;
  std::thread thread_;
};

inline boost::json::object purchase_json(const std::string& name, std::int64_t count = 1,
                                         std::int64_t auto_pay = 1) {
  return boost::json::object{
      {"server_name", name},
      {"server_model_name", "physical.rx1.xlarge"},
      {"phone_model_name", "aphs1.medium.4.aosp"},
      {"image_id", "88b8449b896f3a4f0ad57222dd919899"},
      {"count", count},
      {"band_width", {{"band_width_share_type", 0}}},
      {"extend_param",
       {{"charging_mode", 0}, {"period_type", 2}, {"period_num", 1}, {"is_auto_pay", auto_pay}}}};
}

// The same purchase as a request, for tests of the state alone.
inline purchase_request purchase_of(std::string name, std::int64_t count = 3, std::int64_t auto_pay = 1) {
  purchase_request r;
  r.server_name = std::move(name);
  r.server_model_name = "physical.rx1.xlarge";
  r.phone_model_name = "aphs1.medium.4.aosp";
  r.image_id = "88b8449b896f3a4f0ad57222dd919899";
  r.count = count;
  r.band_width.band_width_share_type = 0;
  r.extend_param.is_auto_pay = auto_pay;
  return r;
}

inline std::string purchase_body(const std::string& name, std::int64_t count = 1, std::int64_t auto_pay = 1) {
  return boost::json::serialize(purchase_json(name, count, auto_pay));
}

inline http_result buy(http_client& c, const std::string& body, header_list extra = {}) {
  extra.emplace_back("Content-Type", "application/json");
  return c.request("POST", phones, extra, body);
}

inline boost::json::array orders_of(http_client& c) {
  auto r = c.request("GET", "/_emulator/orders");
  EXPECT_EQ(r.status, 200u);
  return r.json().at("orders").as_array();
}

inline boost::json::object list(http_client& c, const std::string& query) {
  auto r = c.request("GET", servers + query);
  EXPECT_EQ(r.status, 200u) << r.body;
  return r.json().as_object();
}

inline std::vector<std::string> names_of(const boost::json::object& page) {
  std::vector<std::string> out;
  for (const auto& s : page.at("servers").as_array()) out.emplace_back(s.at("server_name").as_string());
  return out;
}

inline bool is_request_id(const std::string& s) { return std::regex_match(s, std::regex("[0-9a-f]{32}")); }

}  // namespace cphfleet::test
