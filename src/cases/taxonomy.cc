#include "cases/taxonomy.h"

#include <algorithm>

namespace kenes::cases {

const std::vector<Code>& Indicators() {
  static const std::vector<Code> codes = {
      {"abuse_of_vulnerability", "Abuse of vulnerability", "Злоупотребление уязвимостью",
       "Осалдықты теріс пайдалану"},
      {"deception", "Deception", "Обман", "Алдау"},
      {"restriction_of_movement", "Restriction of movement", "Ограничение свободы передвижения",
       "Жүріп-тұру еркіндігін шектеу"},
      {"isolation", "Isolation", "Изоляция", "Оқшаулау"},
      {"physical_sexual_violence", "Physical and sexual violence",
       "Физическое и сексуальное насилие", "Физикалық және жыныстық зорлық-зомбылық"},
      {"intimidation_threats", "Intimidation and threats", "Запугивание и угрозы",
       "Қорқыту және қоқан-лоқы"},
      {"retention_of_documents", "Retention of identity documents",
       "Удержание документов, удостоверяющих личность",
       "Жеке басты куәландыратын құжаттарды ұстап қалу"},
      {"withholding_wages", "Withholding of wages", "Удержание заработной платы",
       "Жалақыны ұстап қалу"},
      {"debt_bondage", "Debt bondage", "Долговая кабала", "Қарыз құлдығы"},
      {"abusive_conditions", "Abusive working and living conditions",
       "Невыносимые условия труда и проживания", "Еңбек пен тұрмыстың қатыгез жағдайлары"},
      {"excessive_overtime", "Excessive overtime", "Чрезмерная сверхурочная работа",
       "Шамадан тыс үстеме жұмыс"},
  };
  return codes;
}

const std::vector<Code>& Categories() {
  static const std::vector<Code> codes = {
      {"pay_below_minimum", "Pay below the minimum wage", "Оплата ниже минимальной",
       "Ең төменгі жалақыдан аз төлем"},
      {"hours_below_guarantee", "Fewer hours than guaranteed", "Меньше гарантированных часов",
       "Кепілдік берілген сағаттан аз"},
      {"unlawful_fees", "Unlawful fees or recruitment debt", "Незаконные сборы или долг за наём",
       "Заңсыз алымдар немесе жалдау үшін қарыз"},
      {"accommodation", "Accommodation", "Проживание", "Тұрғын үй"},
      {"health_safety", "Health and safety", "Охрана труда и здоровья",
       "Еңбек қауіпсіздігі және денсаулық"},
      {"document_retention", "Passport or documents kept", "Удержание паспорта или документов",
       "Төлқұжат немесе құжаттарды ұстап қалу"},
      {"threats", "Threats", "Угрозы", "Қоқан-лоқы"},
      {"sexual_harassment", "Sexual harassment", "Сексуальные домогательства", "Жыныстық қудалау"},
      {"early_dismissal", "Early dismissal", "Досрочное увольнение",
       "Мерзімінен бұрын жұмыстан шығару"},
  };
  return codes;
}

namespace {
bool In(const std::vector<Code>& codes, std::string_view code) {
  return std::any_of(codes.begin(), codes.end(), [&](const Code& c) { return c.code == code; });
}
}  // namespace

bool IsIndicator(std::string_view code) { return In(Indicators(), code); }
bool IsCategory(std::string_view code) { return In(Categories(), code); }

IndicatorFlags SuggestedIndicators(const std::vector<std::string>& categories) {
  static const std::map<std::string_view, std::vector<std::string_view>> kSuggests = {
      {"pay_below_minimum", {"deception"}},
      {"hours_below_guarantee", {"deception"}},
      {"unlawful_fees", {"debt_bondage"}},
      {"accommodation", {"abusive_conditions"}},
      {"health_safety", {"abusive_conditions"}},
      {"document_retention", {"retention_of_documents"}},
      {"threats", {"intimidation_threats"}},
      {"sexual_harassment", {"physical_sexual_violence"}},
      {"early_dismissal", {"intimidation_threats"}},
  };
  IndicatorFlags flags;
  for (const std::string& c : categories) {
    const auto it = kSuggests.find(c);
    if (it == kSuggests.end()) continue;
    for (std::string_view i : it->second) flags.emplace(std::string(i), "medium");
  }
  return flags;
}

std::string_view CategoryForPayrollRule(std::string_view rule) {
  if (rule == "nmw.underpayment" || rule == "seasonal.min_rate") return "pay_below_minimum";
  if (rule == "seasonal.hours_guarantee") return "hours_below_guarantee";
  if (rule == "fees.recruitment") return "unlawful_fees";
  if (rule == "accommodation.offset_exceeded") return "accommodation";
  return "";
}

Risk ScoreRisk(const IndicatorFlags& flags) {
  // Reference §4: strong 30, medium 8, high at 30 (the GLAA scale); these four escalate at once.
  static constexpr std::string_view kEscalate[] = {
      "physical_sexual_violence", "retention_of_documents", "debt_bondage", "withholding_wages"};
  Risk r;
  for (const auto& [code, strength] : flags) {
    r.score += strength == "strong" ? 30 : 8;
    if (std::find(std::begin(kEscalate), std::end(kEscalate), code) != std::end(kEscalate)) {
      r.escalate = true;
    }
  }
  r.level = r.escalate || r.score >= 30 ? "high" : r.score >= 8 ? "medium" : "low";
  return r;
}

}  // namespace kenes::cases
