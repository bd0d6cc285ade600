#include "payroll/engine/checker.h"

#include <algorithm>
#include <cstring>

namespace kenes::payroll {

std::string_view RuleName(RuleId rule) {
  switch (rule) {
    case RuleId::kNmwUnderpayment:
      return "nmw.underpayment";
    case RuleId::kAccommodationOffsetExceeded:
      return "accommodation.offset_exceeded";
    case RuleId::kRecruitmentFee:
      return "fees.recruitment";
    case RuleId::kSeasonalMinRate:
      return "seasonal.min_rate";
    case RuleId::kSeasonalHoursGuarantee:
      return "seasonal.hours_guarantee";
  }
  return "unknown";
}

std::string_view SeverityName(Severity s) {
  return s == Severity::kWarning ? "warning" : "violation";
}

Checker::Checker(const Rules& rules, Date as_of)
    : rules_(rules), as_of_(as_of), now_(rules.WageOn(as_of)) {}

std::string_view Checker::Invalid(const Payslip& s) const {
  return Invalid(s, rules_.WageOn(s.period_start));
}

std::string_view Checker::Invalid(const Payslip& s, const WagePeriod* rates) const {
  if (s.period_end < s.period_start) return "period_end is before period_start";
  // Every month has at least 28 days, so periods of up to 28 days need no calendar arithmetic.
  if (s.period_end.days - s.period_start.days > 27 &&
      LastDayOfOneMonthFrom(s.period_start) < s.period_end) {
    return "the pay reference period is longer than one month";
  }
  if (s.period_start < s.date_of_birth) return "date_of_birth is after the start of the pay period";
  const int days = s.period_end.days - s.period_start.days + 1;
  if (s.accommodation_days > days) return "accommodation_days exceeds the days in the pay period";
  if (rates == nullptr) return "no minimum wage rates for a period this early";
  return {};
}

Pence Checker::Revalue(Pence shortfall, Pence rate_then, const AgeBand& band_then,
                       bool apprentice) const {
  // HMRC: arrears = max(shortfall, shortfall / rate then * current rate of the band that applied
  // then). Bands are matched by their lower age bound, so a 23-year-old underpaid in 2020 (21-24)
  // is revalued at today's rate for a 21-year-old, never at a higher band's.
  if (now_ == nullptr || rate_then <= 0) return shortfall;
  const Pence rate_now = apprentice ? now_->apprentice_rate : now_->BandFor(band_then.min_age).rate;
  return std::max(shortfall, MulDivRoundHalfUp(shortfall, rate_now, rate_then));
}

Findings Checker::Check(const Payslip& s) const {
  Findings out;
  Check(s, *rules_.WageOn(s.period_start), &out);
  return out;
}

std::string_view Checker::CheckInto(const Payslip& s, Findings* out) const {
  const WagePeriod* rates = rules_.WageOn(s.period_start);  // looked up once per row
  if (const auto why = Invalid(s, rates); !why.empty()) return why;
  Check(s, *rates, out);
  return {};
}

void Checker::Check(const Payslip& s, const WagePeriod& w, Findings* found) const {
  Findings& out = *found;
  out.count = 0;
  const int age = s.age_on_start >= 0 ? s.age_on_start : AgeOn(s.date_of_birth, s.period_start);
  const AgeBand& band = w.BandFor(age);
  const Pence rate = s.apprentice ? w.apprentice_rate : band.rate;
  const int prp_days = s.period_end.days - s.period_start.days + 1;

  // Accommodation offset (NMWM10030): free accommodation adds the offset; a charge above it
  // reduces minimum-wage pay by the excess. The daily rate is the one in force on the PRP's
  // first day; days cannot exceed the PRP, so the weekly maximum (7 x daily) holds.
  // A charge with no days of accommodation has no offset: all of it counts against pay.
  const Pence offset = w.offset_daily * s.accommodation_days;
  Pence accommodation_effect = 0;
  if (s.accommodation_days > 0 && s.accommodation_charge == 0) {
    accommodation_effect = offset;
  } else if (s.accommodation_charge > offset) {
    accommodation_effect = -(s.accommodation_charge - offset);
    Finding f;
    f.rule = RuleId::kAccommodationOffsetExceeded;
    f.severity = Severity::kWarning;
    f.required = offset;
    f.paid = s.accommodation_charge;
    f.shortfall = s.accommodation_charge - offset;
    f.rate = w.offset_daily;
    f.days = s.accommodation_days;
    out.Add(f);
  }

  // NMW (NMWM09010): pay for minimum-wage purposes against hours worked x rate, averaged over
  // the PRP.
  const Pence nmw_pay = s.gross_pay - s.deductions_employer_benefit + accommodation_effect;
  const Pence required = MulDivRoundHalfUp(s.hours_worked, rate, 1000);
  if (nmw_pay < required) {
    Finding f;
    f.rule = RuleId::kNmwUnderpayment;
    f.required = required;
    f.paid = nmw_pay;
    f.shortfall = required - nmw_pay;
    f.arrears = Revalue(f.shortfall, rate, band, s.apprentice);
    f.rate = rate;
    f.hours = s.hours_worked;
    f.band = s.apprentice ? std::string_view("apprentice") : std::string_view(band.name);
    out.Add(f);
  }

  // Fees for finding work (Conduct of Employment Agencies Regulations 2003; Employer Pays).
  if (s.recruitment_fee > 0) {
    Finding f;
    f.rule = RuleId::kRecruitmentFee;
    f.required = 0;
    f.paid = s.recruitment_fee;
    f.shortfall = s.recruitment_fee;
    f.arrears = s.recruitment_fee;
    out.Add(f);
  }

  if (s.seasonal) {
    // The route minimum in force on the PRP's first day, on basic pay for the hours paid.
    Pence route_rate = rate;
    if (const SeasonalMinimum* m = rules_.SeasonalMinimumOn(s.period_start)) {
      switch (m->basis) {
        case SeasonalBasis::kWorkerMinimumWage:
          route_rate = rate;
          break;
        case SeasonalBasis::kFixed:
          route_rate = m->fixed_rate;
          break;
        case SeasonalBasis::kNationalLivingWage:
          route_rate = w.Top().rate;
          break;
      }
    }
    const Pence route_required = MulDivRoundHalfUp(s.hours_paid, route_rate, 1000);
    if (s.hours_paid > 0 && s.gross_pay < route_required) {
      Finding f;
      f.rule = RuleId::kSeasonalMinRate;
      f.required = route_required;
      f.paid = s.gross_pay;
      f.shortfall = route_required - s.gross_pay;
      f.arrears = f.shortfall;
      f.rate = route_rate;
      f.hours = s.hours_paid;
      out.Add(f);
    }
    if (const SeasonalHours* h = rules_.SeasonalHoursOn(s.period_start)) {
      // 32 paid hours a week, pro rata over the PRP's days.
      const MilliHours guaranteed =
          MulDivRoundHalfUp(static_cast<std::int64_t>(h->hours_per_week) * 1000, prp_days, 7);
      if (s.hours_paid < guaranteed) {
        Finding f;
        f.rule = RuleId::kSeasonalHoursGuarantee;
        f.hours = guaranteed;
        f.hours_short = guaranteed - s.hours_paid;
        f.rate = route_rate;
        f.required = MulDivRoundHalfUp(guaranteed, route_rate, 1000);
        f.paid = MulDivRoundHalfUp(s.hours_paid, route_rate, 1000);
        f.shortfall = f.required - f.paid;
        f.arrears = f.shortfall;
        f.days = prp_days;
        out.Add(f);
      }
    }
  }
}

namespace {
struct Pounds {
  Pence v;
};
struct Hours {
  MilliHours v;
};
struct Int {
  std::int64_t v;
};
// Builds text and amounts in a local buffer and appends it to a string in one go: an explanation
// is a dozen pieces, and appending each to the output string checked and grew it every time.
class Text {
 public:
  explicit Text(std::string& out) : out_(out) {}
  ~Text() { Flush(); }
  Text(const Text&) = delete;
  Text& operator=(const Text&) = delete;

  Text& operator<<(std::string_view s) {
    if (s.empty()) return *this;  // memcpy from an empty view's null data is undefined
    if (s.size() > Room()) {
      Flush();
      if (s.size() > sizeof buf_) {  // only a very long band name
        out_.append(s);
        return *this;
      }
    }
    std::memcpy(end_, s.data(), s.size());
    end_ += s.size();
    return *this;
  }
  Text& operator<<(Pounds p) {
    MakeRoom();
    end_ = WritePounds(end_, p.v);
    return *this;
  }
  Text& operator<<(Hours h) {
    MakeRoom();
    end_ = WriteHours(end_, h.v);
    return *this;
  }
  Text& operator<<(Int i) {
    MakeRoom();
    end_ = WriteInteger(end_, i.v);
    return *this;
  }

 private:
  size_t Room() const { return static_cast<size_t>(buf_ + sizeof buf_ - end_); }
  void MakeRoom() {
    if (Room() < kMaxNumberChars) Flush();
  }
  void Flush() {
    out_.append(buf_, end_);
    end_ = buf_;
  }

  std::string& out_;
  char buf_[512];
  char* end_ = buf_;
};
}  // namespace

std::string Explain(const Finding& f, std::string_view lang) {
  std::string s;
  AppendExplanation(s, f, lang);
  return s;
}

void AppendExplanation(std::string& out, const Finding& f, std::string_view lang) {
  const Pounds req{f.required}, paid{f.paid}, shortfall{f.shortfall}, rate{f.rate},
      arrears{f.arrears};
  const Hours hours{f.hours};
  const Int days{f.days};
  const std::string_view band = f.band;
  const bool ru = lang == "ru", kk = lang == "kk";
  Text t(out);
  switch (f.rule) {
    case RuleId::kNmwUnderpayment:
      if (ru) {
        t << "Оплата ниже минимальной: для расчёта МОТ выплачено " << paid << " за " << hours
          << " ч, требуется " << req << " (" << rate << "/ч, категория " << band << "); недоплата "
          << shortfall << ", к выплате сейчас " << arrears << ".";
      } else if (kk) {
        t << "Жалақы ең төменгі мөлшерден төмен: " << hours << " сағ үшін " << paid << " төленген, "
          << req << " қажет (" << rate << "/сағ, санат " << band << "); кем төлем " << shortfall
          << ", қазір төленуге тиіс " << arrears << ".";
      } else {
        t << "Minimum wage underpaid: " << paid << " counts as pay for " << hours << " h, " << req
          << " required (" << rate << "/h, band " << band << "); short " << shortfall
          << ", owed now " << arrears << ".";
      }
      return;
    case RuleId::kAccommodationOffsetExceeded:
      if (ru) {
        t << "Плата за жильё " << paid << " выше зачёта " << req << " (" << days << " дн. × "
          << rate << "); превышение " << shortfall << " уменьшает оплату для расчёта МОТ.";
      } else if (kk) {
        t << "Тұрғын үй ақысы " << paid << " есептелетін шектен " << req << " жоғары (" << days
          << " күн × " << rate << "); артық " << shortfall << " ең төменгі жалақы есебін азайтады.";
      } else {
        t << "Accommodation charge " << paid << " is above the offset " << req << " (" << days
          << " days × " << rate << "); the excess " << shortfall << " reduces minimum-wage pay.";
      }
      return;
    case RuleId::kRecruitmentFee:
      if (ru) {
        t << "С работника взят сбор за трудоустройство " << paid
          << ": такие сборы незаконны и подлежат возврату.";
      } else if (kk) {
        t << "Жұмысқа орналастыру үшін жұмысшыдан " << paid
          << " алым алынған: мұндай алымдар заңсыз және қайтарылуға тиіс.";
      } else {
        t << "Recruitment fee " << paid
          << " charged to the worker: fees for finding work are unlawful and must be repaid.";
      }
      return;
    case RuleId::kSeasonalMinRate:
      if (ru) {
        t << "Виза сезонного работника: базовая оплата " << paid << " за " << hours
          << " оплаченных ч ниже минимума маршрута " << rate << "/ч (" << req << "); недоплата "
          << shortfall << ".";
      } else if (kk) {
        t << "Маусымдық жұмысшы визасы: " << hours << " төленген сағ үшін негізгі жалақы " << paid
          << " бағыттың ең төменгі мөлшерінен " << rate << "/сағ төмен (" << req << "); кем төлем "
          << shortfall << ".";
      } else {
        t << "Seasonal Worker route: basic pay " << paid << " for " << hours
          << " paid h is below the route minimum of " << rate << "/h (" << req << "); short "
          << shortfall << ".";
      }
      return;
    case RuleId::kSeasonalHoursGuarantee: {
      const Hours paid_hours{f.hours - f.hours_short}, missing{f.hours_short};
      if (ru) {
        t << "Виза сезонного работника: оплачено " << paid_hours << " ч вместо гарантированных "
          << hours << " ч (32 ч в неделю × " << days << " дн. ÷ 7); не хватает " << missing
          << " ч = " << shortfall << " по " << rate << "/ч.";
      } else if (kk) {
        t << "Маусымдық жұмысшы визасы: кепілдендірілген " << hours << " сағ орнына " << paid_hours
          << " сағ төленген (аптасына 32 сағ × " << days << " күн ÷ 7); " << missing
          << " сағ жетпейді = " << shortfall << " (" << rate << "/сағ).";
      } else {
        t << "Seasonal Worker route: " << paid_hours << " h paid against the guaranteed " << hours
          << " h (32 h a week × " << days << " days ÷ 7); " << missing << " h short = " << shortfall
          << " at " << rate << "/h.";
      }
      return;
    }
  }
}

}  // namespace kenes::payroll
