#include "dialogue/briefing_text.h"

#include <algorithm>
#include <iterator>

namespace kenes::dialogue {
namespace {

struct Entry {
  std::string_view key, en, ru, kk;
};

// Sorted by key (checked by the tests through BriefingKeys and Say).
constexpr Entry kEntries[] = {
    // What a party did to an agreement.
    {"action.approval", "approval", "утверждение", "бекіту"},
    {"action.entry_into_force", "entry into force", "вступление в силу", "күшіне енуі"},
    {"action.ratification", "ratification", "ратификация", "ратификациялау"},
    {"action.signature", "signature", "подписание", "қол қою"},
    {"action.termination", "termination", "прекращение", "тоқтату"},
    // An agreement's status as a whole ({parties}: who still has to ratify; {kind}: its kind).
    {"agreement.in_force", "In force", "Вступило в силу", "Күшіне енген"},
    {"agreement.not_signed", "Not signed", "Не подписано", "Қол қойылмаған"},
    {"agreement.partly_ratified", "Partly ratified; awaiting ratification by {parties}",
     "Ратифицировано частично; ожидается ратификация: {parties}",
     "Ішінара ратификацияланған; ратификация күтілуде: {parties}"},
    {"agreement.partly_signed", "Signed by some parties only", "Подписано не всеми сторонами",
     "Тараптардың бір бөлігі ғана қол қойған"},
    {"agreement.ratified", "Ratified by all parties; awaiting entry into force",
     "Ратифицировано всеми сторонами; ожидается вступление в силу",
     "Барлық тараптар ратификациялаған; күшіне енуі күтілуде"},
    {"agreement.signed", "Signed; awaiting ratification by {parties}",
     "Подписано; ожидается ратификация: {parties}",
     "Қол қойылған; ратификация күтілуде: {parties}"},
    {"agreement.signed_final", "Signed (a {kind}: not subject to ratification)",
     "Подписано ({kind}: ратификации не подлежит)",
     "Қол қойылған ({kind}: ратификациялауға жатпайды)"},
    {"agreement.terminated", "Terminated", "Прекращено", "Тоқтатылған"},
    // A commitment's status.
    {"commitment.complete", "Complete", "Выполнено", "Орындалды"},
    {"commitment.dropped", "Dropped", "Снято", "Алып тасталды"},
    {"commitment.limited", "Limited", "Ограниченный прогресс", "Шектеулі ілгерілеу"},
    {"commitment.not_started", "Not started", "Не начато", "Басталмаған"},
    {"commitment.substantial", "Substantial", "Существенный прогресс", "Айтарлықтай ілгерілеу"},
    {"engagement.business", "business", "деловой", "іскерлік"},
    {"engagement.expert", "expert", "экспертный", "сарапшылық"},
    {"engagement.government", "government", "правительственный", "үкіметтік"},
    {"engagement.other", "other", "другое", "басқа"},
    {"engagement.parliamentary", "parliamentary", "парламентский", "парламенттік"},
    {"illustrative", "[illustrative]", "[иллюстративно]", "[иллюстрация]"},
    // Anniversaries: {years} (Years()), {what}, {date}.
    {"key_date", "{years} since the {what} ({date})", "{years} со дня: {what} ({date})",
     "{what} ({date}) — {years}"},
    {"key_date.signature", "signature of the {title}", "подписание: {title}",
     "қол қойылғанына: {title}"},
    {"kind.agreement", "agreement", "соглашение", "келісім"},
    {"kind.joint_statement", "joint statement", "совместное заявление", "бірлескен мәлімдеме"},
    {"kind.memorandum_of_understanding", "memorandum of understanding",
     "меморандум о взаимопонимании", "өзара түсіністік туралы меморандум"},
    {"kind.roadmap", "roadmap", "дорожная карта", "жол картасы"},
    {"kind.treaty", "treaty", "договор", "шарт"},
    // Meetings: {name} (MeetingName()), {city}, {date}; {month} for a date known to the month.
    {"meeting.about", "about {month}", "около {month}", "шамамен {month}"},
    {"meeting.inferred", "(inferred)", "(предположительно)", "(болжам бойынша)"},
    {"meeting.label", "{name}, {city}, {date}", "{name}, {city}, {date}", "{name}, {city}, {date}"},
    {"meeting.none", "No meeting recorded yet", "Заседаний пока не записано",
     "Әзірге бір де бір отырыс тіркелмеген"},
    {"meeting.numbered", "{ordinal} meeting", "{n}-е заседание", "{n}-отырыс"},
    {"meeting.unnumbered", "Meeting", "Заседание", "Отырыс"},
    {"meeting.unscheduled", "{name}: not yet scheduled", "{name}: дата не назначена",
     "{name}: күні әлі белгіленбеген"},
    {"party.KZ", "KZ", "Казахстан", "Қазақстан"},
    {"party.UK", "UK", "Великобритания", "Ұлыбритания"},
    // The state of one party.
    {"state.approved", "approved", "утверждено", "бекітілген"},
    {"state.in_force", "in force", "вступило в силу", "күшіне енген"},
    {"state.not_signed", "not signed", "не подписано", "қол қойылмаған"},
    {"state.ratified", "ratified", "ратифицировано", "ратификацияланған"},
    {"state.signed", "signed", "подписано", "қол қойылған"},
    {"state.terminated", "terminated", "прекращено", "тоқтатылған"},
    // Each side's domestic procedure before ratifying.
    {"step.KZ.legal_expertise", "legal expertise of the draft ratification law",
     "правовая экспертиза проекта закона о ратификации",
     "ратификациялау туралы заң жобасының құқықтық сараптамасы"},
    {"step.KZ.linguistic_expertise", "linguistic expertise (Kazakh and Russian texts)",
     "лингвистическая экспертиза (тексты на казахском и русском языках)",
     "лингвистикалық сараптама (қазақ және орыс тілдеріндегі мәтіндер)"},
    {"step.KZ.mazhilis", "the Mazhilis passes the ratification law",
     "Мажилис принимает закон о ратификации", "Мәжіліс ратификациялау туралы заңды қабылдайды"},
    {"step.KZ.presidential_signature", "the President signs the ratification law",
     "Президент подписывает закон о ратификации",
     "Президент ратификациялау туралы заңға қол қояды"},
    {"step.KZ.senate", "the Senate approves the ratification law",
     "Сенат одобряет закон о ратификации", "Сенат ратификациялау туралы заңды мақұлдайды"},
    {"step.UK.crag_period_ended", "the 21 sitting days end without a resolution against",
     "21 день заседаний истекает без резолюции против", "21 отырыс күні қарсы қарарсыз аяқталады"},
    {"step.UK.laid_before_parliament",
     "laying before Parliament under the CRaG Act 2010 (21 sitting days)",
     "внесение в Парламент по Закону CRaG 2010 года (21 день заседаний)",
     "CRaG 2010 заңы бойынша Парламентке енгізу (21 отырыс күні)"},
    {"title", "Briefing pack: {name} of the Kazakhstan–UK Strategic Dialogue",
     "Брифинг-пакет: {name} Стратегического диалога Казахстан — Великобритания",
     "Брифинг пакеті: {name} (Қазақстан — Ұлыбритания стратегиялық диалогы)"},
    // The templates' fixed words ({{t.name}}).
    {"tpl.agreement", "Agreement", "Соглашение", "Келісім"},
    {"tpl.agreement_count", "Agreements", "Соглашения", "Келісімдер"},
    {"tpl.as_of", "As of", "На дату", "Күні"},
    {"tpl.at_a_glance", "At a glance", "Кратко", "Қысқаша"},
    {"tpl.chart_legend", "Hollow points and dashed lines are illustrative, not official figures.",
     "Полые точки и пунктирные линии — иллюстративные, а не официальные данные.",
     "Қуыс нүктелер мен үзік сызықтар — ресми емес, иллюстрациялық деректер."},
    {"tpl.commitment", "Commitment", "Обязательство", "Міндеттеме"},
    {"tpl.commitment_count", "Commitments", "Обязательства", "Міндеттемелер"},
    {"tpl.contents", "Contents", "Содержание", "Мазмұны"},
    {"tpl.date", "Date", "Дата", "Күні"},
    {"tpl.due", "Due", "Срок", "Мерзімі"},
    {"tpl.engagement", "Engagement", "Контакт", "Байланыс"},
    {"tpl.engagement_count", "Engagements since the last meeting",
     "Контакты после последнего заседания", "Соңғы отырыстан кейінгі байланыстар"},
    {"tpl.footer",
     "Generated by Kenes at {at} from the record of the Kazakhstan–UK Strategic Dialogue. Every "
     "figure and status links to the record it comes from.",
     "Сформировано системой Kenes {at} по записям Стратегического диалога Казахстан — "
     "Великобритания. Каждая цифра и статус ведут к записи, из которой они взяты.",
     "Kenes жүйесі {at} уақытында Қазақстан — Ұлыбритания стратегиялық диалогының жазбалары "
     "бойынша жасады. Әр сан мен мәртебе өзі алынған жазбаға сілтейді."},
    {"tpl.from_meeting", "from the", "принято:", "қабылданған отырыс:"},
    {"tpl.generated", "Generated", "Сформирован", "Жасалған уақыты"},
    {"tpl.illustrative_badge", "ILLUSTRATIVE", "ИЛЛЮСТРАТИВНО", "ИЛЛЮСТРАЦИЯ"},
    {"tpl.illustrative_note", "illustrative", "иллюстративно", "иллюстрация"},
    {"tpl.indicator_count", "Indicators", "Показатели", "Көрсеткіштер"},
    {"tpl.kind", "Kind", "Вид", "Түрі"},
    {"tpl.last_meeting", "Last meeting", "Последнее заседание", "Соңғы отырыс"},
    {"tpl.last_step", "Last step", "Последний шаг", "Соңғы қадам"},
    {"tpl.last_update", "Last update", "Последнее обновление", "Соңғы жаңарту"},
    // The Markdown list's words, inside a sentence.
    {"tpl.md_due", "due", "срок", "мерзімі"},
    {"tpl.md_last_update", "last update", "последнее обновление", "соңғы жаңарту"},
    {"tpl.md_owner", "owner", "ответственный", "жауапты"},
    {"tpl.md_progress", "progress", "выполнение", "орындалуы"},
    {"tpl.md_status", "status", "статус", "мәртебесі"},
    {"tpl.next_meeting", "Next meeting", "Следующее заседание", "Келесі отырыс"},
    {"tpl.next_step", "Next step", "Следующий шаг", "Келесі қадам"},
    {"tpl.no_agreements", "No agreements recorded.", "Соглашения не записаны.",
     "Келісімдер тіркелмеген."},
    {"tpl.no_area_commitments", "No commitments recorded in this area.",
     "В этой области обязательств не записано.", "Бұл салада міндеттемелер тіркелмеген."},
    {"tpl.no_commitments", "No commitments recorded.", "Обязательства не записаны.",
     "Міндеттемелер тіркелмеген."},
    {"tpl.no_engagements", "No engagements recorded since the last meeting.",
     "После последнего заседания контактов не записано.",
     "Соңғы отырыстан кейін байланыстар тіркелмеген."},
    {"tpl.no_indicators", "No indicators recorded.", "Показатели не записаны.",
     "Көрсеткіштер тіркелмеген."},
    {"tpl.no_key_dates", "No key dates recorded.", "Памятные даты не записаны.",
     "Маңызды даталар тіркелмеген."},
    {"tpl.no_steps", "No ratification steps recorded.", "Шаги ратификации не записаны.",
     "Ратификациялау қадамдары тіркелмеген."},
    {"tpl.no_values", "No values recorded.", "Значения не записаны.", "Мәндер тіркелмеген."},
    {"tpl.not_set", "not set", "не указан", "белгіленбеген"},
    {"tpl.not_signed", "not signed", "не подписано", "қол қойылмаған"},
    {"tpl.note", "Note", "Примечание", "Ескертпе"},
    {"tpl.notes", "Notes", "Заметки", "Ескертпелер"},
    {"tpl.organisations", "Organisations", "Организации", "Ұйымдар"},
    {"tpl.overdue", "OVERDUE", "ПРОСРОЧЕНО", "МЕРЗІМІ ӨТКЕН"},
    {"tpl.overdue_count", "Overdue", "Просрочено", "Мерзімі өткен"},
    {"tpl.owner", "Owner", "Ответственный", "Жауапты"},
    {"tpl.people", "People", "Участники", "Қатысушылар"},
    {"tpl.progress", "Progress", "Ход выполнения", "Орындалуы"},
    {"tpl.section_agreements", "Agreements and ratification", "Соглашения и ратификация",
     "Келісімдер және ратификациялау"},
    {"tpl.section_commitments", "Commitments from earlier meetings",
     "Обязательства прежних заседаний", "Бұрынғы отырыстардың міндеттемелері"},
    {"tpl.section_engagements", "Engagements since the last meeting",
     "Контакты после последнего заседания", "Соңғы отырыстан кейінгі байланыстар"},
    {"tpl.section_indicators", "Indicators", "Показатели", "Көрсеткіштер"},
    {"tpl.section_key_dates", "Key dates", "Памятные даты", "Маңызды даталар"},
    {"tpl.side", "Side", "Сторона", "Тарап"},
    {"tpl.signed", "Signed", "Подписано", "Қол қойылды"},
    {"tpl.source", "Source", "Источник", "Дереккөз"},
    {"tpl.state", "State", "Состояние", "Жай-күйі"},
    {"tpl.status", "Status", "Статус", "Мәртебесі"},
    {"tpl.value", "Value", "Значение", "Мәні"},
    {"tpl.what", "What", "Событие", "Оқиға"},
    {"word.and", "and", "и", "және"},
};

const Entry* Find(std::string_view key) {
  const auto it = std::lower_bound(std::begin(kEntries), std::end(kEntries), key,
                                   [](const Entry& e, std::string_view k) { return e.key < k; });
  return it != std::end(kEntries) && it->key == key ? it : nullptr;
}

std::string_view In(const Entry& e, std::string_view lang) {
  return lang == "ru" ? e.ru : lang == "kk" ? e.kk : e.en;
}

}  // namespace

bool IsBriefingLanguage(std::string_view lang) {
  return lang == "en" || lang == "ru" || lang == "kk";
}

std::string Say(std::string_view lang, std::string_view key) {
  const Entry* e = Find(key);
  return std::string(e ? In(*e, lang) : key);
}

std::string Fill(std::string_view text,
                 std::initializer_list<std::pair<std::string_view, std::string>> values) {
  // One pass, so that a value holding "{name}" (typed by someone) is never filled in itself.
  std::string out;
  out.reserve(text.size());
  for (std::size_t at = 0; at < text.size();) {
    bool filled = false;
    if (text[at] == '{') {
      for (const auto& [name, value] : values) {
        if (text.compare(at + 1, name.size(), name) == 0 && at + 1 + name.size() < text.size() &&
            text[at + 1 + name.size()] == '}') {
          out += value;
          at += name.size() + 2;
          filled = true;
          break;
        }
      }
    }
    if (!filled) out += text[at++];
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> TemplateWords(std::string_view lang) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : kEntries) {
    if (e.key.substr(0, 4) == "tpl.") out.emplace_back(e.key.substr(4), In(e, lang));
  }
  return out;
}

std::string Ordinal(int n) {
  const int tens = n % 100;
  const char* suffix = (tens >= 11 && tens <= 13) ? "th"
                       : n % 10 == 1              ? "st"
                       : n % 10 == 2              ? "nd"
                       : n % 10 == 3              ? "rd"
                                                  : "th";
  return std::to_string(n) + suffix;
}

std::string MeetingName(std::string_view lang, int number, bool inferred) {
  if (number <= 0) return Say(lang, "meeting.unnumbered");
  const std::string ordinal = Ordinal(number);
  std::string name =
      Fill(Say(lang, "meeting.numbered"), {{"n", std::to_string(number)}, {"ordinal", ordinal}});
  // English puts the mark after the ordinal ("8th (inferred) meeting"); the others after all.
  if (inferred && lang != "ru" && lang != "kk") {
    return ordinal + " " + Say(lang, "meeting.inferred") + " meeting";
  }
  return inferred ? name + " " + Say(lang, "meeting.inferred") : name;
}

std::string Years(std::string_view lang, int years) {
  const std::string n = std::to_string(years);
  if (lang == "kk") return n + " жыл";
  if (lang == "ru") {
    const int tens = years % 100, ones = years % 10;
    if (tens >= 11 && tens <= 14) return n + " лет";
    if (ones == 1) return n + " год";
    if (ones >= 2 && ones <= 4) return n + " года";
    return n + " лет";
  }
  return n + (years == 1 ? " year" : " years");
}

std::vector<std::string> BriefingKeys() {
  std::vector<std::string> out;
  for (const auto& e : kEntries) out.emplace_back(e.key);
  return out;
}

}  // namespace kenes::dialogue
