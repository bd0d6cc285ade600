// Case lists as files: CSV (RFC 4180) and XLSX (libxlsxwriter). Every cell is neutralised against
// spreadsheet formulas (a leading = + - @ gets an apostrophe), in both formats.
// Thread-safe: pure functions (XLSX goes through a private temporary file).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace kenes::cases {

using Table = std::vector<std::vector<std::string>>;  // first row: the header

std::string TableCsv(const Table& rows);
core::Result<std::string> TableXlsx(const Table& rows, std::string_view sheet_name);

}  // namespace kenes::cases
