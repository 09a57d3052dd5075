#include "app/report_html.hpp"

#include "base/time_text.hpp"
#include "ledger/index.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <set>

namespace cphfleet {

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

constexpr std::string_view k_style = R"(
body{font-family:system-ui,-apple-system,"Noto Sans CJK SC",sans-serif;margin:24px;color:#1d2330;background:#fff}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px}
.sub{color:#5b6475;font-size:13px}
table{border-collapse:collapse;font-size:13px} th,td{border-bottom:1px solid #e3e6ec;padding:4px 10px;text-align:left}
th{background:#f4f6f9} td.n{text-align:right;font-variant-numeric:tabular-nums}
.legend span{display:inline-block;margin-right:14px;font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
)";

struct series {
  std::string_view name;
  std::string_view color;
};
constexpr std::array<series, 4> k_series{{{"purchases", "#2f6fdb"},
                                          {"retries", "#e59400"},
                                          {"429 answers", "#c2185b"},
                                          {"unknown outcomes", "#6d4c9f"}}};

std::int64_t unix_s(const std::string& time) {
  auto t = parse_utc_rfc3339(time);
  if (!t) return -1;
  return std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count();
}

// A bucket width that gives at most about 60 bars over `span` seconds.
std::int64_t bucket_width(std::int64_t span) {
  for (std::int64_t w : {1, 5, 10, 30, 60, 300, 900, 1800, 3600, 21600, 86400, 604800})
    if (span / w <= 60) return w;
  return 2592000;
}

std::string fleet_chart(const std::vector<std::string>& fleets, const ledger_index& index,
                        const report_inputs& in) {
  const int row_h = 34, left = 180, width = 560;
  std::int64_t top = 1;
  for (const auto& f : fleets) {
    auto t = index.totals(f);
    auto target = in.targets.count(f) ? in.targets.at(f) : 0;
    top = std::max({top, target, t.ordered_servers});
  }
  int h = static_cast<int>(fleets.size()) * row_h + 30;
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" role=\"img\" "
      "aria-label=\"servers per fleet\">",
      left + width + 120, h);
  auto x = [&](std::int64_t v) { return static_cast<double>(v) * width / static_cast<double>(top); };
  int y = 10;
  for (const auto& f : fleets) {
    auto t = index.totals(f);
    std::string label = html_escape(f);
    svg += fmt::format("<text x=\"0\" y=\"{}\" font-size=\"13\">{}</text>", y + 16, label);
    if (in.targets.count(f)) {
      svg += fmt::format(
          "<rect x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"22\" fill=\"none\" stroke=\"#8a93a6\" "
          "stroke-dasharray=\"4 3\"><title>target {}</title></rect>",
          left, y, x(in.targets.at(f)), in.targets.at(f));
    }
    svg += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"22\" fill=\"#2f6fdb\"><title>ordered "
        "{}</title></rect>",
        left, y, x(t.ordered_servers), t.ordered_servers);
    if (in.ready.count(f)) {
      svg += fmt::format(
          "<rect x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"8\" fill=\"#2e9d5b\"><title>ready "
          "{}</title></rect>",
          left, y + 14, x(in.ready.at(f)), in.ready.at(f));
    }
    std::string figures = fmt::format("{}", t.ordered_servers);
    if (in.targets.count(f)) figures += fmt::format(" / {}", in.targets.at(f));
    svg += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#5b6475\">{}</text>",
                       left + width + 8, y + 16, figures);
    y += row_h;
  }
  return svg + "</svg>";
}

std::string timeline_chart(const std::vector<ledger_row>& rows) {
  std::int64_t first = -1, last = -1;
  for (const auto& r : rows) {
    std::int64_t t = unix_s(r.time);
    if (t < 0) continue;
    first = first < 0 ? t : std::min(first, t);
    last = std::max(last, t);
  }
  if (first < 0) return "<p class=\"sub\">The ledger holds no row yet.</p>";
  std::int64_t w = bucket_width(last - first);
  std::int64_t start = first / w * w;
  auto buckets = static_cast<std::size_t>((last - start) / w + 1);
  std::vector<std::array<std::int64_t, 4>> counts(buckets, {0, 0, 0, 0});
  for (const auto& r : rows) {
    std::int64_t t = unix_s(r.time);
    if (t < 0) continue;
    auto& c = counts[static_cast<std::size_t>((t - start) / w)];
    if (r.status == chunk_status::sending) ++c[0];
    if (r.status == chunk_status::retrying) ++c[1];
    if (r.http_status == 429) ++c[2];
    if (r.status == chunk_status::unknown) ++c[3];
  }
  std::int64_t top = 1;
  for (const auto& c : counts)
    for (auto v : c) top = std::max(top, v);
  const int left = 40, width = 680, height = 200, bottom = 30;
  double slot = static_cast<double>(width) / static_cast<double>(buckets);
  double bar = std::max(1.0, slot / 5);
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" role=\"img\" "
      "aria-label=\"activity over time\">",
      left + width + 10, height + bottom + 10);
  svg += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#8a93a6\"/>", left, height,
                     left + width, height);
  svg += fmt::format("<text x=\"0\" y=\"12\" font-size=\"11\" fill=\"#5b6475\">{}</text>", top);
  svg += fmt::format("<text x=\"0\" y=\"{}\" font-size=\"11\" fill=\"#5b6475\">0</text>", height);
  for (std::size_t b = 0; b < buckets; ++b) {
    for (std::size_t s = 0; s < k_series.size(); ++s) {
      std::int64_t v = counts[b][s];
      if (v == 0) continue;
      double h = static_cast<double>(v) * (height - 10) / static_cast<double>(top);
      svg += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"><title>{} {}: "
          "{}</title></rect>",
          left + static_cast<double>(b) * slot + static_cast<double>(s) * bar, height - h, bar, h,
          k_series[s].color, rfc3339_s((start + static_cast<std::int64_t>(b) * w) * 1000), k_series[s].name,
          v);
    }
  }
  svg += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#5b6475\">{}</text>", left, height + 20,
                     rfc3339_s(start * 1000));
  svg += fmt::format(
      "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#5b6475\" text-anchor=\"end\">{} "
      "({} s a bar)</text>",
      left + width, height + 20, rfc3339_s(last * 1000), w);
  svg += "</svg><div class=\"legend\">";
  for (const auto& s : k_series)
    svg += fmt::format("<span><i style=\"background:{}\"></i>{}</span>", s.color, s.name);
  return svg + "</div>";
}

}  // namespace

std::string report_html(const report_inputs& in) {
  ledger_index index(in.rows);
  std::set<std::string> names;
  for (const auto& f : index.fleets()) names.insert(f);
  for (const auto& [f, n] : in.targets) names.insert(f);
  std::vector<std::string> fleets(names.begin(), names.end());

  std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
  h += fmt::format("<title>cphfleet: {}</title><style>{}</style></head><body>", html_escape(in.title),
                   k_style);
  h += fmt::format("<h1>cphfleet: {}</h1><p class=\"sub\">{} ledger rows, {} fleets; generated {}</p>",
                   html_escape(in.title), in.rows.size(), fleets.size(), html_escape(in.generated));

  h += "<h2>Fleets</h2><table><tr><th>fleet</th><th>target</th><th>ordered</th><th>ready</th>"
       "<th>failed chunks</th><th>unresolved chunks</th><th>last activity</th></tr>";
  for (const auto& f : fleets) {
    auto t = index.totals(f);
    h += fmt::format(
        "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td "
        "class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
        html_escape(f), in.targets.count(f) ? std::to_string(in.targets.at(f)) : "-", t.ordered_servers,
        in.ready.count(f) ? std::to_string(in.ready.at(f)) : "-", t.failed_chunks, t.unresolved_chunks,
        html_escape(t.last_activity));
  }
  h += "</table>";
  h += fleet_chart(fleets, index, in);
  h += "<div class=\"legend\"><span><i style=\"background:#2f6fdb\"></i>ordered</span>"
       "<span><i style=\"border:1px dashed #8a93a6\"></i>target</span>"
       "<span><i style=\"background:#2e9d5b\"></i>ready</span></div>";

  h += "<h2>Over time</h2>" + timeline_chart(in.rows);

  h += "<h2>Orders</h2><table><tr><th>fleet</th><th>chunk</th><th class=\"n\">servers</th><th>order</th>"
       "<th>recorded</th></tr>";
  std::size_t shown = 0, ordered = 0;
  constexpr std::size_t k_max_rows = 2000;
  for (const auto& f : fleets) {
    for (const ledger_row* r : index.chunks_of(f)) {
      if (r->status != chunk_status::ordered) continue;
      ++ordered;
      if (shown >= k_max_rows) continue;
      ++shown;
      h += fmt::format("<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
                       html_escape(r->fleet), html_escape(r->chunk), r->count, html_escape(r->order_id),
                       html_escape(r->time));
    }
  }
  h += "</table>";
  if (ordered > shown)
    h += fmt::format(
        "<p class=\"sub\">{} more orders: `cphfleet ledger --latest --status ordered` lists them "
        "all.</p>",
        ordered - shown);
  return h + "</body></html>\n";
}

}  // namespace cphfleet
