#include "linkage/engine/kazakh_worker.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "linkage/engine/normalize.h"

namespace kenes::linkage {
namespace {

// Weights: names carry most of the identity; the date three ways (positional digits, the year,
// and day-with-month as an unordered pair, so 03.12 and 12.03 share those bits); sex and passport
// little, since the UK side often lacks the passport. The threshold was chosen on the variant
// table in kazakh_worker_test.cc (true pairs ≥ 0.90, different people who share a name or a
// birthday ≤ 0.85 there).
constexpr std::string_view kSchema = R"({
  "version": 3,
  "clkConfig": {
    "l": 1024,
    "kdf": {"type": "HKDF", "hash": "SHA256", "info": "a2VuZXMga2F6YWtoLXdvcmtlciB2MQ==",
            "salt": "S2VuZXMgS1otVUsgbGFib3VyIHJpZ2h0cyBleGNoYW5nZQ==", "keySize": 64}
  },
  "features": [
    {"identifier": "id", "ignored": true},
    {"identifier": "names", "format": {"type": "string", "encoding": "utf-8"},
     "hashing": {"comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerFeature": 200},
                 "hash": {"type": "blakeHash"}}},
    {"identifier": "patronymic", "format": {"type": "string", "encoding": "utf-8"},
     "hashing": {"comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerFeature": 80},
                 "hash": {"type": "blakeHash"}}},
    {"identifier": "dob", "format": {"type": "string", "encoding": "utf-8"},
     "hashing": {"comparison": {"type": "ngram", "n": 1, "positional": true},
                 "strategy": {"bitsPerFeature": 160}, "hash": {"type": "blakeHash"}}},
    {"identifier": "dob_year", "format": {"type": "string", "encoding": "utf-8"},
     "hashing": {"comparison": {"type": "exact"}, "strategy": {"bitsPerToken": 40},
                 "hash": {"type": "blakeHash"}}},
    {"identifier": "dob_day_month", "format": {"type": "string", "encoding": "utf-8"},
     "hashing": {"comparison": {"type": "exact"}, "strategy": {"bitsPerToken": 60},
                 "hash": {"type": "blakeHash"}}},
    {"identifier": "sex", "format": {"type": "string", "encoding": "utf-8"},
     "hashing": {"comparison": {"type": "exact"}, "strategy": {"bitsPerToken": 20},
                 "hash": {"type": "blakeHash"}}},
    {"identifier": "passport", "format": {"type": "string", "encoding": "utf-8"},
     "hashing": {"comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerFeature": 80},
                 "hash": {"type": "blakeHash"}}}
  ],
  "kenes": {"threshold": 0.875}
})";

enum Input { kId, kGiven, kFamily, kPatronymic, kDateOfBirth, kSex, kPassport, kInputs };
const char* const kColumns[kInputs] = {
    "id", "given_name", "family_name", "patronymic", "date_of_birth", "sex", "passport_number"};

class Preparer final : public RecordPreparer {
 public:
  std::vector<std::string> Columns() const override {
    return std::vector<std::string>(std::begin(kColumns), std::end(kColumns));
  }

  core::Status Prepare(std::span<const std::string_view> in, std::vector<std::string>& scratch,
                       std::vector<std::string_view>& out) const override {
    scratch.resize(8);
    // Both names through the surname folding, in sorted order: a swapped given and family name
    // give the same value, and a given name never ends in a surname suffix that matters.
    std::string a = FoldFamilyName(in[kGiven]), b = FoldFamilyName(in[kFamily]);
    if (b < a) std::swap(a, b);
    scratch[1] = a.empty() ? b : b.empty() ? a : a + " " + b;
    scratch[2] = FoldPatronymic(in[kPatronymic]);
    scratch[3].clear();
    scratch[4].clear();
    scratch[5].clear();
    if (!in[kDateOfBirth].empty()) {
      auto date = ParseDate(in[kDateOfBirth]);
      if (!date) {
        return core::Fail(core::ErrorCode::kInvalidArgument,
                          "date_of_birth: " + date.error().message);
      }
      char text[16];
      std::snprintf(text, sizeof text, "%04d%02d%02d", date->year, date->month, date->day);
      scratch[3] = text;
      scratch[4] = scratch[3].substr(0, 4);
      const int lo = std::min(date->month, date->day), hi = std::max(date->month, date->day);
      std::snprintf(text, sizeof text, "%02d%02d", lo, hi);
      scratch[5] = text;
    }
    scratch[6].clear();
    if (!in[kSex].empty()) {
      auto sex = ParseSex(in[kSex]);
      if (!sex) return core::Fail(core::ErrorCode::kInvalidArgument, "sex: " + sex.error().message);
      scratch[6] = std::string(1, *sex);
    }
    scratch[7] = FoldPassport(in[kPassport]);
    out.assign(scratch.begin(), scratch.end());
    out[0] = in[kId];
    return {};
  }
};

}  // namespace

std::string_view KazakhWorkerSchemaJson() { return kSchema; }

const Schema& KazakhWorkerSchema() {
  static const Schema schema = [] {
    auto s = ParseSchema(kSchema, kKazakhWorkerSchemaName);
    if (!s) throw std::logic_error("built-in kazakh-worker schema: " + s.error().message);
    return *s;
  }();
  return schema;
}

std::unique_ptr<RecordPreparer> KazakhWorkerPreparer() { return std::make_unique<Preparer>(); }

}  // namespace kenes::linkage
