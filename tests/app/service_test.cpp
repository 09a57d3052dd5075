// service_session's errors before any request: the proxy and the ca_file each blamed for their own
// fault, and a proxy's password never shown (redact_password itself: tests/client).
#include "app/service.hpp"

#include "support/fixture_server.hpp"
#include "support/run_fixture.hpp"

#include <gtest/gtest.h>

namespace cphfleet {
namespace {

// `cphfleet catalog` against an https endpoint that is never reached: the session fails while it is
// being set up.
struct session_env {
  test::temp_dir tmp{"service"};
  std::filesystem::path config = tmp.path() / "config.toml";

  test::run_result catalog(const std::filesystem::path& ca_file, const std::string& proxy) {
    test::write_file(config, "[cloud]\nendpoint = \"https://cph.example.invalid\"\nproject_id = \"" +
                                 std::string(test::k_project) + "\"\nca_file = \"" + ca_file.string() +
                                 "\"\n[auth]\nmethod = \"aksk\"\n");
    // Not aksk_env(): it clears the proxy variables, and the first of two settings of a name wins.
    std::vector<std::string> env{std::string("HUAWEICLOUD_SDK_AK=") + test::k_ak,
                                 std::string("HUAWEICLOUD_SDK_SK=") + test::k_sk,
                                 "HTTPS_PROXY=" + proxy,
                                 "https_proxy=" + proxy,
                                 "NO_PROXY=",
                                 "no_proxy="};
    return test::run_cphfleet({"catalog", "server-models", "--config", config.string()}, env);
  }
};

TEST(service_test, an_unusable_proxy_is_blamed_even_with_a_ca_file_set_and_its_password_is_hidden) {
  session_env e;
  auto r = e.catalog(test::pki().ca_cert, "ftp://user:secret@proxy.example:3128");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("HTTPS_PROXY \"ftp://user:***@proxy.example:3128\": not supported (expected "
                       "http://[user:password@]host[:port])"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("cloud.ca_file"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("secret"), std::string::npos) << r.err;
}

TEST(service_test, an_unreadable_ca_file_is_blamed_with_a_good_proxy_set_and_no_password_shown) {
  session_env e;
  auto not_pem = e.tmp.path() / "not-a-ca.pem";
  test::write_file(not_pem, "not a certificate\n");
  auto r = e.catalog(not_pem, "http://user:secret@proxy.example:3128");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(e.config.string() + ": cloud.ca_file: ca_file " + not_pem.string() +
                       ": cannot load certificates"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("HTTPS_PROXY"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("secret"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace cphfleet
