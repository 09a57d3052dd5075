#include "api/catalog_rules.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

namespace cphfleet {

namespace {

std::string offered(const std::set<std::string>& names) {
  if (names.empty()) return "the service offers none";
  return fmt::format("offered: {}", fmt::join(names, ", "));
}

}  // namespace

std::vector<api_error> check_against_catalog(const purchase_request& r, const catalog& cat) {
  std::vector<api_error> out;
  auto report = [&](std::string field, std::string message, std::string code) {
    out.push_back(api_error{std::move(field), std::move(message), std::move(code)});
  };

  std::set<std::string> server_models;
  for (const auto& m : cat.server_models) server_models.insert(m.server_model_name);
  const bool server_model_known = server_models.contains(r.server_model_name);
  if (!server_model_known) {
    report("server_model_name",
           fmt::format("\"{}\" is not a server model of the service ({})", r.server_model_name,
                       offered(server_models)),
           "CPS.0089");
  }

  // A phone model belongs to a server model; the same name may exist under another one.
  std::set<std::string> phones_here;
  const phone_model* match = nullptr;
  const phone_model* elsewhere = nullptr;
  for (const auto& p : cat.phone_models) {
    if (p.server_model_name == r.server_model_name) {
      if (p.status == 1) phones_here.insert(p.phone_model_name);
      if (p.phone_model_name == r.phone_model_name) match = &p;
    } else if (p.phone_model_name == r.phone_model_name && elsewhere == nullptr) {
      elsewhere = &p;
    }
  }
  if (match != nullptr && match->status != 1) {
    report("phone_model_name",
           fmt::format("\"{}\" is offline, not on sale ({} on {})", r.phone_model_name, offered(phones_here),
                       r.server_model_name),
           "CPS.0257");
  } else if (match == nullptr && elsewhere != nullptr) {
    report("phone_model_name",
           fmt::format("\"{}\" runs on server model {}, not {} ({} on {})", r.phone_model_name,
                       elsewhere->server_model_name, r.server_model_name, offered(phones_here),
                       r.server_model_name),
           "CPS.0257");
  } else if (match == nullptr && server_model_known) {
    report("phone_model_name",
           fmt::format("\"{}\" is not a phone model of the service ({} on {})", r.phone_model_name,
                       offered(phones_here), r.server_model_name),
           "CPS.0028");
  } else if (match == nullptr) {
    report("phone_model_name",
           fmt::format("\"{}\" is not a phone model of the service (see `cphfleet catalog phone-models`)",
                       r.phone_model_name),
           "CPS.0028");
  }

  auto image = std::find_if(cat.images.begin(), cat.images.end(),
                            [&](const phone_image& img) { return img.image_id == r.image_id; });
  if (image == cat.images.end()) {
    report(
        "image_id",
        fmt::format("\"{}\" is not an image the service offers (see `cphfleet catalog images`)", r.image_id),
        "CPS.0030");
  } else if (match != nullptr && !match->image_label.empty() && !image->image_label.empty() &&
             image->image_label != match->image_label) {
    // An image is built for one kind of flavor (its image_label); the phone model names the kind it runs.
    std::set<std::string> fitting;
    for (const auto& img : cat.images)
      if (img.image_label == match->image_label) fitting.insert(img.image_id);
    report("image_id",
           fmt::format("\"{}\" is a {} image, and phone model {} runs {} images ({})", r.image_id,
                       image->image_label, match->phone_model_name, match->image_label, offered(fitting)),
           "CPS.0030");
  }

  // v2's rules that need the phone flavor (docs/service.md "Purchase").
  if (r.api == purchase_api::v2 && match != nullptr) {
    if (match->phone_model_version == 1 && !r.phone_data_volume) {
      report(
          "phone_data_volume",
          fmt::format("is missing (required for phone model {}, a \"2.0\" flavor: {{ volume_type = \"SSD\" "
                      "or \"GPSSD\", size = 1..32768 GiB }})",
                      match->phone_model_name),
          "APIGW.0201");
    }
    if (r.phone_count_per_ip && match->phone_capacity > 0 && *r.phone_count_per_ip > match->phone_capacity) {
      report("phone_count_per_ip",
             fmt::format("{} is more than the {} phones of phone model {} (allowed: 1..{})",
                         *r.phone_count_per_ip, match->phone_capacity, match->phone_model_name,
                         match->phone_capacity),
             "APIGW.0201");
    }
  }

  if (r.band_width.band_width_id) {
    const std::string& id = *r.band_width.band_width_id;
    bool known = std::any_of(cat.bandwidths.begin(), cat.bandwidths.end(),
                             [&](const bandwidth_info& b) { return b.band_width_id == id; });
    if (!known) {
      report("band_width.band_width_id",
             fmt::format("\"{}\" is not a shared bandwidth of this account "
                         "(see `cphfleet catalog bandwidths`)",
                         id),
             "CPS.0031");
    }
  }
  return out;
}

}  // namespace cphfleet
