// The ledger's one reader (README "The ledger"): a ledger is read a piece at a time, never held whole,
// and each row goes to a sink in file order. Every other way of reading a ledger is built on it.
#pragma once
#include "ledger/row.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <string_view>
#include <vector>

namespace cphfleet {

// Which cells of a row the reader hands on. Every cell is checked either way; the others are dropped.
enum class ledger_cells {
  all,
  state,  // time, fleet, chunk, count, status, attempt, http_status: what planning and totals read
  // Every cell of a row a run may still act on (sending, unknown, retrying, failed: settled, re-sent
  // or replayed from its own cells), the state cells and the order id of an ordered one (the orders the
  // ledger holds, for reconciliation): a run of a big ledger holds about what planning holds per chunk.
  unsettled,
};

// No record is longer: a file without line breaks (or not a ledger at all) is refused, not held.
inline constexpr std::size_t max_ledger_record = 1 << 20;

struct ledger_read_options {
  ledger_cells cells = ledger_cells::all;
  // A torn last record (a crash while appending) is never handed on. Only the process that holds the
  // lock may cut it (ledger_writer does); a reader that only reads says so in a warning, unless the
  // caller reports it itself.
  bool warn_torn = true;
  // Reads no further than this many bytes (a second pass over what a first one saw).
  std::uint64_t limit = std::numeric_limits<std::uint64_t>::max();
  // Called before the sink with where the row's record is in the file (its offset, its size with its
  // line break): a reader that keeps only some cells can come back for the others.
  std::function<void(std::uint64_t offset, std::uint64_t size)> on_record;
};

// What a read found.
struct ledger_read {
  std::uint64_t size = 0;     // bytes read
  std::uint64_t whole = 0;    // the end of the last whole record (a byte order mark counts): keep [0, whole)
  bool header = false;        // the header was read; false for an empty file, a BOM alone or a torn header
  bool unterminated = false;  // the last whole record (the header alone, too) has no line break
  bool torn = false;          // [whole, size) is a torn record, left out
  std::uint64_t rows = 0;
};

using ledger_sink = std::function<void(ledger_row&&)>;

// Reads the ledger at `path`. A missing file is an empty ledger. A path with a control character, or a
// file that is not a regular file (a FIFO, a device, a folder), is refused before anything is read. A
// header that differs from the contract, a malformed row before the last, or a record longer than
// max_ledger_record throws std::runtime_error naming the file, the line and the difference. The last
// record decides its own fate: a whole row without its line break is a row; a prefix of a row (a crash
// while appending: an open quote, too few cells, a cut request) is torn and left out.
ledger_read read_ledger(const std::filesystem::path& path, const ledger_sink& sink,
                        const ledger_read_options& options = {});
// The same from an open file, read from its start without moving its offset (the writer's own).
ledger_read read_ledger(int fd, std::string_view name, const ledger_sink& sink,
                        const ledger_read_options& options = {});
// The same from text in memory.
ledger_read parse_ledger(std::string_view text, std::string_view name, const ledger_sink& sink,
                         const ledger_read_options& options = {});

// Every row, in file order (the whole history in memory: for tests and small ledgers).
std::vector<ledger_row> read_ledger(const std::filesystem::path& path);
std::vector<ledger_row> parse_ledger(std::string_view text, std::string_view name);

// Throws std::runtime_error naming `path` unless `fd` is open on a regular file: a ledger is never a
// FIFO (reading one waits for a writer), a device (/dev/zero never ends) or a folder.
void check_ledger_file(int fd, const std::filesystem::path& path);
[[noreturn]] void refuse_non_regular(const std::filesystem::path& path, std::string_view kind);

// Throws std::runtime_error when `path` holds NUL or another control character: such a name is a
// mistake (a pasted line break), and a NUL would silently cut the name the system sees.
void check_ledger_path(const std::filesystem::path& path);

}  // namespace cphfleet
