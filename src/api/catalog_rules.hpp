// The catalog rules of a purchase (docs/service.md "Reads"), on both sides of the wire: `validate
// --online` reports every problem of every fleet, the emulator answers the first one with its code.
// Pure: the caller reads the catalog (fetch_catalog in src/app/service.hpp) or holds it (the emulator).
#pragma once
#include <vector>

#include "api/purchase_body.hpp"
#include "api/reads.hpp"

namespace cphfleet {

// Every catalog value of `request` that the catalog does not offer, in field order, each with the
// code the service answers for it. Checks: the server model exists (CPS.0089); the phone model exists
// (CPS.0028), runs on that server model and is on sale (CPS.0257); the image exists and its image_label is
// the phone model's, when both have one (CPS.0030); a named band_width_id is one of the account's bandwidths
// (CPS.0031). Messages say what is offered.
std::vector<api_error> check_against_catalog(const purchase_request& request, const catalog& cat);

}  // namespace cphfleet
