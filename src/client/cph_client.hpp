// The CPH API as typed calls (docs/service.md): signed requests over https_client,
// answers read into the API model, every failure as a call_report the classifier (outcome.hpp) reads.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/purchase_body.hpp"
#include "api/reads.hpp"
#include "client/https_client.hpp"
#include "input/credentials.hpp"
#include "send/cph_api.hpp"

namespace cphfleet {

enum class catalog_kind { server_models, phone_models, images, bandwidths };

// The API's paths, in one place.
namespace cph_paths {
std::string purchase(std::string_view project_id);     // v1
std::string purchase_v2(std::string_view project_id);  // v2
std::string servers(std::string_view project_id);
std::string server(std::string_view project_id, std::string_view server_id);
std::string phones(std::string_view project_id);
std::string phone(std::string_view project_id, std::string_view phone_id);
std::string catalog(std::string_view project_id, catalog_kind kind);
}  // namespace cph_paths

struct show_call {
  call_report report;
  server_info server;  // when answered
  std::string request_id;
};

struct phone_call {
  call_report report;
  phone_info phone;  // when answered, in the detail's form
  std::string request_id;
};

// ListCloudPhones' filters; empty or unset: not sent.
struct phone_query {
  std::string server_id;
  std::string phone_name;  // a substring of the name
  std::optional<int> status;
  std::optional<int> type;
};

struct phone_list_call {
  call_report report;
  std::vector<phone_info> phones;  // every page, when answered
  std::string request_id;          // the last page's
};

// One page of ListCloudPhoneServers, as asked.
struct server_page_call {
  call_report report;
  std::vector<server_info> servers;   // this page's, when answered
  std::optional<std::int64_t> count;  // every server the query matches, when the answer says
  std::string request_id;
};

// A list's query string for one page: limit, offset, then each filter that is set, percent-encoded.
std::string query_text(const server_query& q, std::int64_t offset, std::int64_t limit);
std::string query_text(const phone_query& q, std::int64_t offset, std::int64_t limit);

// The SDK's name of a catalog read (ListCloudPhoneServerModels, ...), for messages.
std::string_view catalog_api_name(catalog_kind kind);

struct catalog_call {
  call_report report;
  catalog items;  // the part asked for (all four for read_catalog), when answered
  std::string request_id;
};

// How an error answer reads (docs/service.md "Errors"): error_code/error_msg or code/message, the request id
// from the body or else the X-Request-Id header; a body that is not JSON (an HTML 502 page) becomes
// error_msg, whitespace collapsed and cut to `k_error_text_limit` bytes.
inline constexpr std::size_t k_error_text_limit = 300;
struct error_answer {
  std::string code;
  std::string message;
  std::string request_id;
};
error_answer read_error_answer(std::string_view body, std::string_view request_id_header);

// The purchase's 200 body; throws std::runtime_error naming what is missing (no order_id).
purchase_response read_purchase_response(std::string_view body);

// The credentials' headers on `request`, whose body and headers so far are what gets signed: for AK/SK
// X-Sdk-Date (at `now_s`), X-Security-Token with temporary keys, and Authorization over them and Host
// as https_client sends it (`host_header`); for a token, X-Auth-Token; nothing for none. `path` and
// `query` are the request's target apart. Shared by the CPH and the billing clients.
void add_credentials(http_request& request, std::string_view path, std::string_view query,
                     const credentials& creds, std::string_view host_header, std::int64_t now_s);

class cph_client final : public cph_api {
 public:
  using unix_clock = std::function<std::int64_t()>;  // seconds, for X-Sdk-Date
  // `http` must outlive the client. `creds.type == none` sends no auth headers (the embedded emulator).
  cph_client(https_client& http, credentials creds, unix_clock now = system_unix_seconds);

  const std::string& project_id() const { return creds_.project_id; }
  const credentials& creds() const { return creds_; }

  // Runs before each signed request and may replace the keys (temporary ones, refreshed before they
  // expire: client/ecs_metadata.hpp). A message back means there is no key to sign with: the request
  // is not sent and comes back as a connect failure carrying that message.
  using credentials_hook = std::function<net::awaitable<std::optional<std::string>>(credentials&)>;
  void set_credentials_hook(credentials_hook hook) { hook_ = std::move(hook); }
  // Runs before each read (a GET, each page of a list included) leaves: a caller's read bucket
  // (app/status.cpp paces its rounds with it). Unset: reads leave at once.
  using read_pacer = std::function<net::awaitable<void>()>;
  void set_read_pacer(read_pacer pacer) { pacer_ = std::move(pacer); }

  // One order. A 200 whose body holds no order_id comes back as a read failure after writing
  // (ambiguous): the service took something, and only reconciliation can say what.
  net::awaitable<purchase_call> purchase(purchase_api api, std::string body,
                                         std::chrono::steady_clock::time_point deadline) override;
  // Every page (limit 100) of the servers the query matches; servers listed twice (pages shift while
  // new servers are created) are kept once. An answer of the wrong shape is a read failure naming
  // the call and the field (`ListCloudPhoneServers: servers[2].status: must be an integer`).
  using cph_api::list_servers;
  net::awaitable<list_call> list_servers(server_query query,
                                         std::chrono::steady_clock::time_point deadline) override;
  // One page (`limit` 1..100 from `offset`), one request: a caller reads the first for the total, then
  // the others side by side (app/status.cpp).
  net::awaitable<server_page_call> list_servers_page(server_query query, std::int64_t offset,
                                                     std::int64_t limit,
                                                     std::chrono::steady_clock::time_point deadline);
  net::awaitable<show_call> show_server(std::string server_id,
                                        std::chrono::steady_clock::time_point deadline);
  // Every page (limit 200) of the phones the query matches, each phone once.
  net::awaitable<phone_list_call> list_phones(phone_query query,
                                              std::chrono::steady_clock::time_point deadline);
  net::awaitable<phone_call> show_phone(std::string phone_id, std::chrono::steady_clock::time_point deadline);
  // One part of the catalog; phone models and bandwidths page by 100.
  net::awaitable<catalog_call> read_catalog(catalog_kind kind,
                                            std::chrono::steady_clock::time_point deadline);
  // All four parts, one call each; stops at the first that fails.
  net::awaitable<catalog_call> read_catalog(std::chrono::steady_clock::time_point deadline);

  static std::int64_t system_unix_seconds();

 private:
  struct answer;
  // One page's answer, read; `report` says why not.
  template <typename Item>
  struct page {
    call_report report;
    read_answer<Item> answer;
    std::string request_id;
    bool ok() const { return !report.transport && report.http_status / 100 == 2; }
  };
  template <typename Item, typename Read>
  net::awaitable<page<Item>> read_page(std::string_view api, std::string path, std::string query, Read read,
                                       std::chrono::steady_clock::time_point deadline);
  template <typename Item>
  struct paged {
    call_report report;
    std::vector<Item> items;
    std::string request_id;
  };
  // Reads pages from offset 0 until one is short of `page_size` or `count` is reached; an item whose
  // `key` was seen already is dropped (an empty key is always kept).
  template <typename Item, typename Read, typename Key>
  net::awaitable<paged<Item>> read_pages(std::string_view api, std::string path,
                                         std::function<std::string(std::int64_t)> query,
                                         std::int64_t page_size, Read read, Key key,
                                         std::chrono::steady_clock::time_point deadline);
  net::awaitable<answer> call(http::verb method, std::string path, std::string query, std::string body,
                              std::chrono::steady_clock::time_point deadline);

  https_client& http_;
  credentials creds_;
  unix_clock now_;
  credentials_hook hook_;
  read_pacer pacer_;
};

}  // namespace cphfleet
