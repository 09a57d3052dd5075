// `cphfleet report --html`: the page is self-contained, holds the fleets, and draws in a real browser
// (Debian's chromium, headless, which scripts/setup.sh installs).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "app/report_html.hpp"
#include "support/temp_files.hpp"
#include "support/test_process.hpp"

namespace cphfleet {
namespace {

using cphfleet::test::run_cphfleet;
using cphfleet::test::slurp;
using cphfleet::testing::temp_files;

constexpr std::string_view config =
    "[cloud]\nendpoint = \"embedded\"\n"
    "[emulator]\nseed = 3\nfaults = { throttle = 0.3 }\n"
    "[limits]\nmax_servers_per_run = 100\n"
    "[ledger]\npath = \"orders.csv\"\n";

std::string job() {
  std::string t =
      "[job]\nname = \"picture\"\nconfig = \"c.toml\"\n"
      "[defaults]\n"
      "server_model_name = \"physical.rx1.xlarge\"\n"
      "phone_model_name = \"aphs1.medium.4.aosp\"\n"
      "image_id = \"88b8449b896f3a4f0ad57222dd919899\"\n"
      "band_width = { band_width_share_type = 0 }\n"
      "extend_param = { charging_mode = 0, period_type = 2, period_num = 1, is_auto_pay = 1 }\n";
  return t + "[[fleet]]\nserver_name = \"web\"\ncount = 35\n[[fleet]]\nserver_name = \"游戏\"\ncount = 12\n";
}

std::string chromium() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
    if (std::filesystem::exists(p)) return p;
  return "";
}

TEST(cmd_report_test, html_escape_leaves_no_markup_through) {
  EXPECT_EQ(html_escape("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;");
}

TEST(cmd_report_test, the_page_is_self_contained_and_names_every_fleet_and_order) {
  temp_files dir;
  dir.write("c.toml", config);
  dir.write("j.toml", job());
  ASSERT_EQ(run_cphfleet({"run", "j.toml"}).exit_code, 0);
  auto r = run_cphfleet({"report", "j.toml", "--html", "fleet.html"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string html = slurp(dir.root() / "fleet.html");
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>"));
  EXPECT_NE(html.find("<td>web</td><td class=\"n\">35</td><td class=\"n\">35</td>"), std::string::npos)
      << html;
  EXPECT_NE(html.find("<td>游戏</td><td class=\"n\">12</td><td class=\"n\">12</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>web-004</td><td class=\"n\">5</td>"), std::string::npos);
  EXPECT_NE(html.find("429 answers"), std::string::npos);
  // Nothing is fetched: no script, no external reference.
  for (const char* banned : {"<script", "src=", "href=", "@import", "url("})
    EXPECT_EQ(html.find(banned), std::string::npos) << banned;
  EXPECT_FALSE(std::filesystem::exists(dir.root() / "fleet.html.tmp"));
}

TEST(cmd_report_test, headless_chromium_draws_the_page) {
  std::string browser = chromium();
  ASSERT_FALSE(browser.empty()) << "chromium is missing: scripts/setup.sh installs it";
  temp_files dir;
  dir.write("c.toml", config);
  dir.write("j.toml", job());
  ASSERT_EQ(run_cphfleet({"run", "j.toml"}).exit_code, 0);
  ASSERT_EQ(run_cphfleet({"report", "j.toml", "--html", "fleet.html"}).exit_code, 0);
  dir.write("blank.html", "<!DOCTYPE html><html><body></body></html>");
  auto render = [&](const std::string& page, const std::string& png) {
    std::string flags =
        " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars "
        "--no-first-run --user-data-dir=" +
        (dir.root() / "profile").string() + " --window-size=1000,1100 ";
    std::string shot = browser + flags + "--screenshot=" + (dir.root() / png).string() + " file://" +
                       (dir.root() / page).string() + " > /dev/null 2>&1";
    EXPECT_EQ(std::system(shot.c_str()), 0) << shot;
    std::string dom = browser + flags + "--dump-dom file://" + (dir.root() / page).string() + " > " +
                      (dir.root() / (png + ".dom")).string() + " 2>/dev/null";
    EXPECT_EQ(std::system(dom.c_str()), 0) << dom;
    return std::pair{
        std::filesystem::exists(dir.root() / png) ? std::filesystem::file_size(dir.root() / png) : 0,
        slurp(dir.root() / (png + ".dom"))};
  };
  auto [page_bytes, page_dom] = render("fleet.html", "fleet.png");
  auto [blank_bytes, blank_dom] = render("blank.html", "blank.png");
  ASSERT_GT(blank_bytes, 0u);
  // A blank page of that size compresses to almost nothing; text, bars and tables do not.
  EXPECT_GT(page_bytes, 4 * blank_bytes) << page_bytes << " vs blank " << blank_bytes;
  // The browser's own document holds the fleets and the charts.
  EXPECT_NE(page_dom.find(">web<"), std::string::npos) << page_dom.substr(0, 400);
  EXPECT_NE(page_dom.find(">游戏<"), std::string::npos);
  EXPECT_NE(page_dom.find("<svg"), std::string::npos);
  EXPECT_NE(page_dom.find("web-004"), std::string::npos);
  if (const char* keep = std::getenv("CPHFLEET_KEEP_REPORT_PNG"))
    std::filesystem::copy_file(dir.root() / "fleet.png", keep,
                               std::filesystem::copy_options::overwrite_existing);
}

}  // namespace
}  // namespace cphfleet
