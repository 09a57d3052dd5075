// Rows and the header the ledger tests build their files from.
#pragma once
#include "ledger/row.hpp"

#include <cstdint>
#include <string>

namespace cphfleet::test {

// The header record as the contract spells it, written out rather than taken from ledger_header(),
// so a change to the columns fails the tests instead of following them.
inline const std::string ledger_header_text =
    "time,run_id,job,fleet,chunk,count,status,attempt,http_status,error_code,error_msg,request_id,order_id,"
    "product_id,server_ids,project_id,request\r\n";

inline ledger_row make_row(std::string fleet, std::string chunk, std::int64_t count, chunk_status status,
                           std::string time = "2026-11-26T10:00:00.000Z") {
  ledger_row r;
  r.time = std::move(time);
  r.run_id = "r1";
  r.job = "demo";
  r.fleet = std::move(fleet);
  r.chunk = std::move(chunk);
  r.count = count;
  r.status = status;
  r.attempt = 1;
  return r;
}

}  // namespace cphfleet::test
