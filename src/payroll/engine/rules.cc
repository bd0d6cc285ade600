#include "payroll/engine/rules.h"

#include <toml++/toml.h>

#include <algorithm>
#include <set>

namespace kenes::payroll {
namespace {

using core::ErrorCode;

// Collects the problems of one file, each with its line.
class Problems {
 public:
  explicit Problems(std::string name) : name_(std::move(name)) {}
  void Add(const toml::node& where, const std::string& what) {
    text_ += (text_.empty() ? "" : "\n") + name_ + ":" + std::to_string(where.source().begin.line) +
             ": " + what;
  }
  void Add(const std::string& what) { text_ += (text_.empty() ? "" : "\n") + name_ + ": " + what; }
  bool empty() const { return text_.empty(); }
  const std::string& text() const { return text_; }

 private:
  std::string name_;
  std::string text_;
};

void CheckKeys(const toml::table& t, std::initializer_list<const char*> allowed,
               const std::string& what, Problems& p) {
  for (const auto& [k, v] : t) {
    const std::string key(k.str());
    if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; })) {
      p.Add(v, "unknown key '" + key + "' in " + what);
    }
  }
}

std::optional<Date> GetDate(const toml::table& t, const char* key, const std::string& what,
                            Problems& p) {
  const toml::node* n = t.get(key);
  if (n == nullptr || !n->is_date()) {
    p.Add(n != nullptr ? *n : static_cast<const toml::node&>(t),
          what + ": '" + key + "' must be a date (YYYY-MM-DD)");
    return std::nullopt;
  }
  const auto d = *n->as_date();
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", static_cast<int>(d->year),
                static_cast<int>(d->month), static_cast<int>(d->day));
  auto parsed = ParseIsoDate(buf);
  if (!parsed) p.Add(*n, what + ": '" + key + "' is out of range");
  return parsed;
}

std::optional<std::int64_t> GetInt(const toml::table& t, const char* key, std::int64_t lo,
                                   std::int64_t hi, const std::string& what, Problems& p) {
  const toml::node* n = t.get(key);
  if (n == nullptr || !n->is_integer()) {
    p.Add(n != nullptr ? *n : static_cast<const toml::node&>(t),
          what + ": '" + key + "' must be an integer");
    return std::nullopt;
  }
  const std::int64_t v = **n->as_integer();
  if (v < lo || v > hi) {
    p.Add(*n, what + ": '" + key + "' must be between " + std::to_string(lo) + " and " +
                  std::to_string(hi));
    return std::nullopt;
  }
  return v;
}

std::string GetString(const toml::table& t, const char* key, const std::string& what, Problems& p) {
  const toml::node* n = t.get(key);
  if (n == nullptr || !n->is_string() || n->as_string()->get().empty()) {
    p.Add(n != nullptr ? *n : static_cast<const toml::node&>(t),
          what + ": '" + key + "' must be a non-empty string");
    return {};
  }
  return n->as_string()->get();
}

template <typename Entry>
void CheckAscending(const std::vector<Entry>& entries, const char* kind, Problems& p) {
  for (size_t i = 1; i < entries.size(); ++i) {
    if (!(entries[i - 1].from < entries[i].from)) {
      p.Add(std::string("[[") + kind +
            "]] entries must have strictly increasing effective_from dates (" +
            FormatDate(entries[i].from) + " follows " + FormatDate(entries[i - 1].from) + ")");
    }
  }
}

template <typename Entry>
const Entry* InForce(const std::vector<Entry>& entries, Date day) {
  // The last entry whose date is on or before `day`.
  auto it = std::upper_bound(entries.begin(), entries.end(), day,
                             [](Date d, const Entry& e) { return d < e.from; });
  return it == entries.begin() ? nullptr : &*(it - 1);
}

}  // namespace

const AgeBand& WagePeriod::BandFor(int age) const {
  for (const auto& b : bands) {
    if (age >= b.min_age) return b;
  }
  return bands.back();
}

void DayIndex::Build(const std::vector<Date>& froms) {
  // Rules files span decades (about 20 KB of slots for 1999-2026); the limits only keep a
  // malformed file from costing much memory (a binary search answers then).
  *this = DayIndex();
  if (froms.empty() || froms.size() > 65535 ||
      static_cast<std::int64_t>(froms.back().days) - froms.front().days > (1 << 20)) {
    return;
  }
  first_ = froms.front();
  last_ = froms.back();
  last_entry_ = static_cast<int>(froms.size()) - 1;
  slots_.resize(static_cast<size_t>(last_.days - first_.days));
  for (size_t i = 0; i + 1 < froms.size(); ++i) {
    std::fill(slots_.begin() + (froms[i].days - first_.days),
              slots_.begin() + (froms[i + 1].days - first_.days), static_cast<std::uint16_t>(i));
  }
  ok_ = true;
}

namespace {
template <typename Entry>
const Entry* Lookup(const std::vector<Entry>& entries, const DayIndex& index, Date day) {
  if (!index.ok()) return InForce(entries, day);
  const int i = index.Find(day);
  return i < 0 ? nullptr : &entries[static_cast<size_t>(i)];
}

template <typename Entry>
std::vector<Date> Froms(const std::vector<Entry>& entries) {
  std::vector<Date> froms;
  for (const auto& e : entries) froms.push_back(e.from);
  return froms;
}
}  // namespace

const WagePeriod* Rules::WageOn(Date day) const { return Lookup(wages_, wage_index_, day); }
const SeasonalMinimum* Rules::SeasonalMinimumOn(Date day) const {
  return Lookup(seasonal_minimum_, seasonal_minimum_index_, day);
}
const SeasonalHours* Rules::SeasonalHoursOn(Date day) const {
  return Lookup(seasonal_hours_, seasonal_hours_index_, day);
}

core::Result<Rules> Rules::Parse(std::string_view toml_text, const std::string& name) {
  toml::table root;
  try {
    root = toml::parse(toml_text, name);
  } catch (const toml::parse_error& e) {
    return core::Fail(
        ErrorCode::kInvalidArgument,
        name + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }
  Problems p(name);
  Rules rules;
  CheckKeys(root, {"version", "minimum_wage", "seasonal_minimum", "seasonal_hours"}, "the file", p);
  rules.version_ = GetString(root, "version", "the file", p);

  auto each = [&](const char* kind, auto&& fn) {
    const toml::node* n = root.get(kind);
    if (n == nullptr) {
      p.Add(std::string("no [[") + kind + "]] entries");
      return;
    }
    const toml::array* arr = n->as_array();
    if (arr == nullptr) {
      p.Add(*n, std::string("'") + kind + "' must be an array of tables ([[" + kind + "]])");
      return;
    }
    for (const auto& item : *arr) {
      const toml::table* t = item.as_table();
      if (t == nullptr) {
        p.Add(item, std::string("'") + kind + "' entries must be tables");
        continue;
      }
      fn(*t);
    }
  };

  each("minimum_wage", [&](const toml::table& t) {
    const std::string what = "[[minimum_wage]]";
    CheckKeys(t,
              {"effective_from", "bands", "apprentice_pence", "accommodation_offset_daily_pence",
               "source"},
              what, p);
    WagePeriod w;
    const auto from = GetDate(t, "effective_from", what, p);
    w.apprentice_rate = GetInt(t, "apprentice_pence", 1, 100000, what, p).value_or(0);
    w.offset_daily = GetInt(t, "accommodation_offset_daily_pence", 0, 100000, what, p).value_or(0);
    w.source = GetString(t, "source", what, p);
    const toml::array* bands = t.get_as<toml::array>("bands");
    if (bands == nullptr || bands->empty()) {
      p.Add(t, what + ": 'bands' must be a non-empty array of { name, min_age, pence }");
    } else {
      for (const auto& b : *bands) {
        const toml::table* bt = b.as_table();
        if (bt == nullptr) {
          p.Add(b, what + ": each band must be { name = ..., min_age = ..., pence = ... }");
          continue;
        }
        CheckKeys(*bt, {"name", "min_age", "pence"}, what + " band", p);
        AgeBand band;
        band.name = GetString(*bt, "name", what + " band", p);
        band.min_age =
            static_cast<int>(GetInt(*bt, "min_age", 0, 100, what + " band", p).value_or(0));
        band.rate = GetInt(*bt, "pence", 1, 100000, what + " band", p).value_or(0);
        if (!w.bands.empty() && band.min_age >= w.bands.back().min_age) {
          p.Add(b, what + ": bands must be listed from the highest min_age down");
        }
        w.bands.push_back(band);
      }
      if (!w.bands.empty() && w.bands.back().min_age != 0) {
        p.Add(*bands, what + ": the last band must have min_age = 0, so that every age has a rate");
      }
    }
    if (from) {
      w.from = *from;
      rules.wages_.push_back(std::move(w));
    }
  });

  each("seasonal_minimum", [&](const toml::table& t) {
    const std::string what = "[[seasonal_minimum]]";
    CheckKeys(t, {"effective_from", "basis", "pence", "source"}, what, p);
    SeasonalMinimum s;
    const auto from = GetDate(t, "effective_from", what, p);
    const std::string basis = GetString(t, "basis", what, p);
    s.source = GetString(t, "source", what, p);
    if (basis == "nmw") {
      s.basis = SeasonalBasis::kWorkerMinimumWage;
    } else if (basis == "nlw") {
      s.basis = SeasonalBasis::kNationalLivingWage;
    } else if (basis == "fixed") {
      s.basis = SeasonalBasis::kFixed;
      s.fixed_rate = GetInt(t, "pence", 1, 100000, what, p).value_or(0);
    } else if (!basis.empty()) {
      p.Add(*t.get("basis"), what + ": basis must be nmw, nlw or fixed, not '" + basis + "'");
    }
    if (basis != "fixed" && t.contains("pence"))
      p.Add(*t.get("pence"), what + ": 'pence' goes only with basis = \"fixed\"");
    if (from) {
      s.from = *from;
      rules.seasonal_minimum_.push_back(std::move(s));
    }
  });

  each("seasonal_hours", [&](const toml::table& t) {
    const std::string what = "[[seasonal_hours]]";
    CheckKeys(t, {"effective_from", "hours_per_week", "source"}, what, p);
    SeasonalHours s;
    const auto from = GetDate(t, "effective_from", what, p);
    s.hours_per_week = static_cast<int>(GetInt(t, "hours_per_week", 1, 168, what, p).value_or(0));
    s.source = GetString(t, "source", what, p);
    if (from) {
      s.from = *from;
      rules.seasonal_hours_.push_back(std::move(s));
    }
  });

  CheckAscending(rules.wages_, "minimum_wage", p);
  CheckAscending(rules.seasonal_minimum_, "seasonal_minimum", p);
  CheckAscending(rules.seasonal_hours_, "seasonal_hours", p);
  if (!p.empty()) return core::Fail(ErrorCode::kInvalidArgument, p.text());
  rules.wage_index_.Build(Froms(rules.wages_));
  rules.seasonal_minimum_index_.Build(Froms(rules.seasonal_minimum_));
  rules.seasonal_hours_index_.Build(Froms(rules.seasonal_hours_));
  return rules;
}

const Rules& Rules::Builtin() {
  static const Rules rules = [] {
    auto r = Parse(BuiltinRulesText(), "rules/uk_pay.toml");
    if (!r) throw core::Failure(r.error());  // a broken built-in file is a build defect
    return std::move(*r);
  }();
  return rules;
}

}  // namespace kenes::payroll
