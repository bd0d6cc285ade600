#include "core/csv.h"

#include <emmintrin.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

namespace kenes::core {

FileMapping::FileMapping(int fd, long long offset, long long length) {
  const long long page = ::sysconf(_SC_PAGESIZE);
  const long long aligned = offset / page * page;
  map_length_ = static_cast<size_t>(length + (offset - aligned));
  void* p = ::mmap(nullptr, map_length_, PROT_READ, MAP_PRIVATE, fd, aligned);
  if (p == MAP_FAILED) {
    map_ = nullptr;
    return;
  }
  map_ = static_cast<char*>(p);
  ::madvise(map_, map_length_, MADV_SEQUENTIAL);
  data_ = std::string_view(map_ + (offset - aligned), static_cast<size_t>(length));
}

FileMapping::~FileMapping() {
  if (map_ != nullptr) ::munmap(map_, map_length_);
}

CsvLineSplitter::CsvLineSplitter() { csv_init(&parser_, CSV_STRICT | CSV_STRICT_FINI); }
CsvLineSplitter::~CsvLineSplitter() { csv_free(&parser_); }

const char* CsvLineSplitter::SplitLine(const char* p, const char* end,
                                       std::vector<std::string_view>& fields,
                                       std::string_view& line, bool& ok, std::string_view& error) {
  fields.clear();
  ok = true;
  const char* field = p;
  const char* q = p;
  bool stopped = false;
  // 16 bytes at a time (SSE2, in every x86-64): a bit for each comma, line break or quote.
  const __m128i comma = _mm_set1_epi8(','), newline = _mm_set1_epi8('\n'),
                quote = _mm_set1_epi8('"');
  while (!stopped && end - q >= 16) {
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
    auto mask = static_cast<unsigned>(_mm_movemask_epi8(
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(chunk, comma), _mm_cmpeq_epi8(chunk, newline)),
                     _mm_cmpeq_epi8(chunk, quote))));
    while (mask != 0) {
      const char* at = q + __builtin_ctz(mask);
      if (*at != ',') {
        q = at;
        stopped = true;
        break;
      }
      fields.emplace_back(field, static_cast<size_t>(at - field));
      field = at + 1;
      mask &= mask - 1;
    }
    if (!stopped) q += 16;
  }
  for (; !stopped && q != end; ++q) {
    const char c = *q;
    if (c == ',') {
      fields.emplace_back(field, static_cast<size_t>(q - field));
      field = q + 1;
    } else if (c == '\n' || c == '"') {
      break;
    }
  }
  if (q == end || *q == '\n') {
    const char* stop = q;
    if (stop > field && stop[-1] == '\r') --stop;
    fields.emplace_back(field, static_cast<size_t>(stop - field));
    const char* line_end = (q > p && q[-1] == '\r') ? q - 1 : q;
    line = std::string_view(p, static_cast<size_t>(line_end - p));
    return q == end ? end : q + 1;
  }
  // A quote: find the end of the line and let libcsv split it.
  const void* nl = std::memchr(q, '\n', static_cast<size_t>(end - q));
  const char* stop = nl == nullptr ? end : static_cast<const char*>(nl);
  const char* next = nl == nullptr ? end : stop + 1;
  if (stop > p && stop[-1] == '\r') --stop;
  line = std::string_view(p, static_cast<size_t>(stop - p));
  ok = Split(line, fields, error);
  return next;
}

bool CsvLineSplitter::Split(std::string_view line, std::vector<std::string_view>& fields,
                            std::string_view& error) {
  fields.clear();
  storage_.clear();
  offsets_.clear();
  if (csv_parse(&parser_, line.data(), line.size(), &OnField, &OnRow, this) != line.size() ||
      csv_fini(&parser_, &OnField, &OnRow, this) != 0) {
    error = "malformed quoting (a quoted field must be closed on the same line)";
    csv_free(&parser_);
    csv_init(&parser_, CSV_STRICT | CSV_STRICT_FINI);
    return false;
  }
  for (const auto& [from, length] : offsets_) fields.emplace_back(storage_.data() + from, length);
  return true;
}

void CsvLineSplitter::OnField(void* data, size_t length, void* self_ptr) {
  auto* self = static_cast<CsvLineSplitter*>(self_ptr);
  self->offsets_.emplace_back(self->storage_.size(), length);
  self->storage_.append(static_cast<const char*>(data), length);
}

std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// RFC 4180 quoting: a field with a comma, quote or line break is quoted, quotes doubled.
void AppendCsvField(std::string& out, std::string_view v) {
  // One pass to classify (find_first_of calls memchr on the four-character set for every byte).
  bool special = false, quote = false;
  for (const char c : v) {
    special |= (c == ',') | (c == '\r') | (c == '\n');
    quote |= c == '"';
  }
  if (!special && !quote) {
    out.append(v);
    return;
  }
  out.push_back('"');
  if (!quote) {
    out.append(v);
  } else {
    for (char c : v) {
      if (c == '"') out.push_back('"');
      out.push_back(c);
    }
  }
  out.push_back('"');
}

std::string NeutralizeFormula(std::string_view v) {
  // OWASP's CSV-injection advice: a cell that a spreadsheet would read as a formula gets a leading
  // apostrophe, which spreadsheets show as text.
  if (!v.empty() &&
      (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' || v[0] == '\r')) {
    return "'" + std::string(v);
  }
  return std::string(v);
}

}  // namespace kenes::core
