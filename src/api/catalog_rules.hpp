// `validate --online`: a job's model names, images and bandwidths against what the service offers
// (spec/cph-api.md §4 catalog). Pure: the caller reads the catalog (fetch_catalog in service.hpp).
#pragma once
#include <vector>

#include "api/reads.hpp"
#include "base/diagnostic.hpp"
#include "input/job_file.hpp"

namespace cphfleet {

// One diagnostic per unknown value, pointing at the fleet that uses it (`fleet[0].image_id`), in
// fleet order. Checks: the server model exists; the (server model, phone model) pair exists and is on
// sale; the image exists; a named band_width_id is one of the account's bandwidths.
std::vector<diagnostic> check_against_catalog(const job_spec& job, const catalog& cat);

}  // namespace cphfleet
