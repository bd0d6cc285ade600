#include "cases/export.h"

#include <unistd.h>
#include <xlsxwriter.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/csv.h"

namespace kenes::cases {

std::string TableCsv(const Table& rows) {
  std::string out;
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i > 0) out += ',';
      core::AppendCsvField(out, core::NeutralizeFormula(row[i]));
    }
    out += "\r\n";
  }
  return out;
}

core::Result<std::string> TableXlsx(const Table& rows, std::string_view sheet_name) {
  std::string path = (std::filesystem::temp_directory_path() / "kenes-export-XXXXXX.xlsx").string();
  const int fd = ::mkstemps(path.data(), 5);
  if (fd < 0) return core::Fail(core::ErrorCode::kUnavailable, "cannot create a scratch file");
  ::close(fd);
  struct Remove {
    std::string path;
    ~Remove() { std::filesystem::remove(path); }
  } remove{path};
  lxw_workbook* book = workbook_new(path.c_str());
  if (book == nullptr) return core::Fail(core::ErrorCode::kUnavailable, "cannot start a workbook");
  const std::string name(sheet_name.substr(0, 31));
  lxw_worksheet* sheet = workbook_add_worksheet(book, name.c_str());
  lxw_format* bold = workbook_add_format(book);
  format_set_bold(bold);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (std::size_t c = 0; c < rows[r].size(); ++c) {
      // Always strings: a cell is never a formula, whatever it starts with.
      const std::string cell = core::NeutralizeFormula(rows[r][c]);
      worksheet_write_string(sheet, static_cast<lxw_row_t>(r), static_cast<lxw_col_t>(c),
                             cell.c_str(), r == 0 ? bold : nullptr);
    }
  }
  if (workbook_close(book) != LXW_NO_ERROR) {
    return core::Fail(core::ErrorCode::kUnavailable, "cannot write the workbook");
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace kenes::cases
