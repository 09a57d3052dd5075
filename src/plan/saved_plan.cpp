#include "plan/saved_plan.hpp"

#include "api/signer.hpp"
#include "base/diagnostic.hpp"
#include "base/files.hpp"
#include "base/text.hpp"
#include "base/time_text.hpp"
#include "ledger/row.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <boost/json.hpp>

#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace cphfleet {
namespace {

constexpr int k_plan_version = 1;

std::string absolute_text(const std::filesystem::path& p) {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(p, ec);
  return (ec ? p : abs).lexically_normal().string();
}

[[noreturn]] void refuse(const std::filesystem::path& file, std::string_view field, std::string message) {
  throw input_error({{file.string(), 0, 0, std::string(field), std::move(message)}});
}

}  // namespace

ledger_fingerprint fingerprint_ledger(const std::filesystem::path& ledger) {
  ledger_fingerprint f;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("sha256: cannot start a digest");
  std::ifstream in(ledger, std::ios::binary);
  std::string head;  // the first bytes: a ledger of only its header is no ledger yet
  if (in) {
    // Read in pieces: a ledger of a long-lived account is far bigger than it is worth holding.
    std::string buffer(1 << 16, '\0');
    while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
      auto n = static_cast<std::size_t>(in.gcount());
      if (f.bytes == 0) head.assign(buffer.data(), std::min<std::size_t>(n, 4096));
      EVP_DigestUpdate(ctx.get(), buffer.data(), n);
      f.bytes += n;
    }
  }
  // The first run creates the file with its header before it looks: that is the state a plan of no
  // ledger saw.
  if (f.bytes == head.size() && head == ledger_header()) return fingerprint_ledger(std::filesystem::path());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &len);
  f.sha256 = hex_encode(digest, len);
  return f;
}

std::int64_t saved_plan::servers() const {
  std::int64_t n = 0;
  for (const auto& c : chunks) n += c.count;
  return n;
}

saved_plan save_plan(const plan& p, const std::filesystem::path& job_file, std::string_view job_bytes,
                     const std::filesystem::path& ledger) {
  saved_plan s;
  s.job = p.job;
  s.job_file = absolute_text(job_file);
  s.job_sha256 = hex_sha256(job_bytes);
  s.ledger = absolute_text(ledger);
  s.ledger_state = fingerprint_ledger(ledger);
  s.created = utc_now_rfc3339();
  for (const auto& f : p.fleets)
    for (const auto& c : f.chunks) s.chunks.push_back({c.fleet, c.chunk, c.count, c.body});
  return s;
}

std::string saved_plan_json(const saved_plan& p) {
  namespace json = boost::json;
  json::array chunks;
  for (const auto& c : p.chunks)
    chunks.push_back(
        json::object{{"fleet", c.fleet}, {"chunk", c.chunk}, {"count", c.count}, {"body", c.body}});
  json::object o{{"cphfleet_plan", k_plan_version},
                 {"job", p.job},
                 {"job_file", p.job_file},
                 {"job_sha256", p.job_sha256},
                 {"ledger", p.ledger},
                 {"ledger_bytes", p.ledger_state.bytes},
                 {"ledger_sha256", p.ledger_state.sha256},
                 {"created", p.created},
                 {"calls", static_cast<std::int64_t>(p.chunks.size())},
                 {"servers", p.servers()},
                 {"chunks", std::move(chunks)}};
  return json::serialize(o) + "\n";
}

void write_saved_plan(const std::filesystem::path& path, const saved_plan& p) {
  if (!replace_file(path, saved_plan_json(p)))
    refuse(path, "--out", "cannot be written (allowed: a file in an existing folder this user may write to)");
}

saved_plan read_saved_plan(const std::filesystem::path& path) {
  namespace json = boost::json;
  std::ifstream in(path, std::ios::binary);
  if (!in) refuse(path, "--plan", "cannot be read (allowed: a file `cphfleet plan --out` wrote)");
  std::ostringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  json::value v = json::parse(text.str(), ec);
  if (ec || !v.is_object())
    refuse(path, "--plan", "is not a plan file (allowed: a file `cphfleet plan --out` wrote)");
  const json::object& o = v.as_object();
  auto version = o.if_contains("cphfleet_plan");
  if (!version || !version->is_int64() || version->as_int64() != k_plan_version) {
    refuse(path, "cphfleet_plan",
           fmt::format("is not a plan file of this version (allowed: {}; make the plan again with this "
                       "cphfleet)",
                       k_plan_version));
  }
  auto str = [&](const json::object& from, std::string_view key) -> std::string {
    auto x = from.if_contains(key);
    if (!x || !x->is_string()) refuse(path, key, "is missing or not a string");
    return std::string(x->as_string());
  };
  auto num = [&](const json::object& from, std::string_view key) -> std::int64_t {
    auto x = from.if_contains(key);
    if (!x || !x->is_int64() || x->as_int64() < 0) refuse(path, key, "is missing or not a count");
    return x->as_int64();
  };
  saved_plan p;
  p.job = str(o, "job");
  p.job_file = str(o, "job_file");
  p.job_sha256 = str(o, "job_sha256");
  p.ledger = str(o, "ledger");
  p.ledger_state.bytes = static_cast<std::uint64_t>(num(o, "ledger_bytes"));
  p.ledger_state.sha256 = str(o, "ledger_sha256");
  p.created = str(o, "created");
  auto chunks = o.if_contains("chunks");
  if (!chunks || !chunks->is_array()) refuse(path, "chunks", "is missing or not a list");
  for (const auto& c : chunks->as_array()) {
    if (!c.is_object()) refuse(path, "chunks", "holds something that is not a chunk");
    const json::object& co = c.as_object();
    p.chunks.push_back({str(co, "fleet"), str(co, "chunk"), num(co, "count"), str(co, "body")});
  }
  return p;
}

std::vector<std::string> plan_differences(const saved_plan& saved, const plan& now) {
  std::vector<std::string> out;
  constexpr std::size_t shown = 5;
  std::vector<const planned_chunk*> current;
  for (const auto& f : now.fleets)
    for (const auto& c : f.chunks) current.push_back(&c);
  std::size_t n = std::max(saved.chunks.size(), current.size());
  for (std::size_t i = 0; i < n && out.size() < shown; ++i) {
    const saved_chunk* s = i < saved.chunks.size() ? &saved.chunks[i] : nullptr;
    const planned_chunk* c = i < current.size() ? current[i] : nullptr;
    if (s && !c) {
      out.push_back(fmt::format("{} is no longer to be sent", s->chunk));
    } else if (c && !s) {
      out.push_back(fmt::format("{} would be sent too", c->chunk));
    } else if (s->chunk != c->chunk || s->fleet != c->fleet) {
      out.push_back(fmt::format("{} would be sent in place of {}", c->chunk, s->chunk));
    } else if (s->count != c->count) {
      out.push_back(fmt::format("{} would buy {} servers, not {}", c->chunk, c->count, s->count));
    } else if (s->body != c->body) {
      out.push_back(fmt::format("{} would be sent with another request body", c->chunk));
    }
  }
  return out;
}

}  // namespace cphfleet
