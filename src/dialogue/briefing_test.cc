#include "dialogue/briefing.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "dialogue/briefing_text.h"

namespace kenes::dialogue {
namespace {

// The pack for the 9th meeting, as the dialogue service would fill it.
BriefingPack SamplePack() {
  BriefingPack pack;
  pack.title = "Briefing pack: 9th meeting of the Kazakhstan–UK Strategic Dialogue";
  pack.generated_at = "2026-03-02T09:15:00Z";
  pack.last_meeting = "8th meeting, London, 2025-02-11";
  pack.last_meeting_href = "/api/v1/dialogue/meetings/8";
  pack.next_meeting = "9th meeting, Astana (planned)";

  BriefArea labour{.code = "labour-migration", .name = "Labour migration (Еңбек көші-қоны)"};
  labour.commitments.push_back(
      BriefCommitment{.id = 3,
                      .href = "/api/v1/dialogue/commitments/3",
                      .depth = 0,
                      .meeting = "8th meeting, London, 2025-02-11",
                      .text = "Exchange information on the Seasonal Worker route",
                      .owner_agency = "kz-mlsp",
                      .owner_person = "A. Nurlanov",
                      .due_date = "2026-12-31",
                      .status = "substantial",
                      .status_label = "Substantial",
                      .progress_percent = 60,
                      .last_update_date = "2026-01-20",
                      .last_update_text = "Memorandum signed; first data exchange done."});
  labour.commitments.push_back(
      BriefCommitment{.id = 4,
                      .href = "/api/v1/dialogue/commitments/4",
                      .depth = 1,
                      .meeting = "8th meeting, London, 2025-02-11",
                      .text = "Joint guidance for workers recruited in Kazakhstan",
                      .owner_agency = "uk-fwa",
                      .due_date = "2026-06-30",
                      .status = "limited",
                      .status_label = "Limited",
                      .progress_percent = 20});
  labour.commitments.push_back(BriefCommitment{.id = 5,
                                               .href = "/api/v1/dialogue/commitments/5",
                                               .depth = 0,
                                               .meeting = "7th meeting, Astana, 2023-11-08",
                                               .text = "Agree a pre-departure training curriculum",
                                               .owner_agency = "kz-mlsp",
                                               .due_date = "2025-09-30",
                                               .status = "not_started",
                                               .status_label = "Not started",
                                               .overdue = true,
                                               .progress_percent = 0});
  labour.overdue_count = 1;
  pack.areas.push_back(labour);

  pack.agreements.push_back(
      BriefAgreement{.id = 1,
                     .href = "/api/v1/dialogue/agreements/1",
                     .title = "Strategic Partnership and Cooperation Agreement",
                     .kind = "treaty",
                     .status = "signed",
                     .signed_date = "2024-04-24",
                     .parties = {{.party = "KZ",
                                  .state = "signed",
                                  .last_step = "Signature 2024-04-24",
                                  .next_step = "Mazhilis vote on the ratification law"},
                                 {.party = "UK",
                                  .state = "laid before Parliament",
                                  .last_step = "Laid before Parliament 2025-01-15",
                                  .next_step = "CRaG period ends"}}});

  BriefIndicator stock{.id = 2,
                       .href = "/api/v1/dialogue/indicators/2",
                       .name = "UK investment stock",
                       .unit = "USD bn"};
  stock.series = {{.as_of = "2013-12-31",
                   .value = 10,
                   .source = "https://www.ons.gov.uk/fdi2013",
                   .href = "/api/v1/dialogue/indicators/2/points/1"},
                  {.as_of = "2017-12-31",
                   .value = 12,
                   .source = "ONS FDI bulletin 2018",
                   .href = "/api/v1/dialogue/indicators/2/points/2"},
                  {.as_of = "2024-12-31",
                   .value = 17,
                   .source = "Kazakh National Bank",
                   .href = "/api/v1/dialogue/indicators/2/points/3"},
                  {.as_of = "2025-12-31",
                   .value = 22,
                   .source = "Desk estimate",
                   .illustrative = true,
                   .href = "/api/v1/dialogue/indicators/2/points/4"}};
  pack.indicators.push_back(stock);

  pack.engagements.push_back(BriefEngagement{.id = 7,
                                             .href = "/api/v1/dialogue/engagements/7",
                                             .date = "2025-06-12",
                                             .kind = "roundtable",
                                             .title = "Central Asia security roundtable",
                                             .people = "Desk officers of both ministries",
                                             .organisations = "IISS",
                                             .notes = "Energy transit and critical minerals."});

  pack.key_dates.push_back(
      {.date = "2027-01-19", .what = "35 years of diplomatic relations (19 Jan 1992)"});
  return pack;
}

// A pack whose every value tries to break out of its place.
BriefingPack HostilePack() {
  BriefingPack pack = SamplePack();
  pack.title = "<script>alert(1)</script> \"Q\" & co";
  pack.areas[0].commitments[0].text = "Evil <img src=x onerror=alert(1)> \"quoted\" & more";
  pack.areas[0].commitments[1].text = "[x](javascript:alert(1)) *bold* _it_ `code` # | pipe";
  pack.agreements[0].title = "A | B\n| injected | row |";
  pack.indicators[0].name = "<script>chart()</script>";
  pack.indicators[0].unit = "\"&<>";
  pack.indicators[0].series[1].source = "javascript:alert(1)";
  pack.engagements[0].href = "javascript:alert(2)";
  return pack;
}

std::size_t Count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

// The <tr ...>...</tr> that contains `text`.
std::string RowWith(const std::string& html, const std::string& text) {
  const std::size_t at = html.find(text);
  if (at == std::string::npos) return "";
  const std::size_t begin = html.rfind("<tr", at);
  const std::size_t end = html.find("</tr>", at);
  if (begin == std::string::npos || end == std::string::npos) return "";
  return html.substr(begin, end - begin);
}

TEST(BriefingHtml, IsACompletePageWithEverySection) {
  const std::string html = RenderBriefingHtml(SamplePack());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<meta charset=\"utf-8\">"), std::string::npos);
  // No script runs and nothing loads, whatever might slip through.
  EXPECT_NE(html.find("content=\"default-src 'none'; style-src 'unsafe-inline'"),
            std::string::npos);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  for (const std::string section :
       {"id=\"commitments\"", "id=\"agreements\"", "id=\"indicators\"", "id=\"engagements\"",
        "id=\"key-dates\"", "Kazakhstan–UK Strategic Dialogue", "2026-03-02T09:15:00Z",
        "8th meeting, London, 2025-02-11", "9th meeting, Astana (planned)", "IISS",
        "35 years of diplomatic relations (19 Jan 1992)", "Mazhilis vote on the ratification law",
        "laid before Parliament", "2024-04-24", "A. Nurlanov", "2026-12-31"}) {
    EXPECT_NE(html.find(section), std::string::npos) << section;
  }
  EXPECT_EQ(html.find("No commitments recorded"), std::string::npos);
  EXPECT_EQ(html.find("{{"), std::string::npos) << "an unrendered tag";
}

TEST(BriefingHtml, MarksOverdueCommitmentsAndIndentsSubCommitments) {
  const std::string html = RenderBriefingHtml(SamplePack());
  const std::string overdue = RowWith(html, "Agree a pre-departure training curriculum");
  ASSERT_FALSE(overdue.empty());
  EXPECT_NE(overdue.find("class=\"commitment depth-0 overdue\""), std::string::npos) << overdue;
  EXPECT_NE(overdue.find(">OVERDUE</span>"), std::string::npos) << overdue;

  const std::string on_time = RowWith(html, "Exchange information on the Seasonal Worker route");
  ASSERT_FALSE(on_time.empty());
  EXPECT_EQ(on_time.find("overdue"), std::string::npos) << on_time;
  EXPECT_EQ(on_time.find("OVERDUE"), std::string::npos) << on_time;

  const std::string sub = RowWith(html, "Joint guidance for workers recruited in Kazakhstan");
  ASSERT_FALSE(sub.empty());
  EXPECT_NE(sub.find("depth-1"), std::string::npos) << sub;
  EXPECT_NE(sub.find("padding-left: 1.95rem"), std::string::npos) << sub;
  EXPECT_NE(on_time.find("padding-left: 0.45rem"), std::string::npos) << on_time;
  // The area heading counts what is overdue.
  EXPECT_NE(html.find("1 OVERDUE</span></h3>"), std::string::npos);
}

TEST(BriefingHtml, LinksEveryFigureAndStatusToItsRecord) {
  const std::string html = RenderBriefingHtml(SamplePack());
  const std::string on_time = RowWith(html, "Exchange information on the Seasonal Worker route");
  // Text, status and progress each link to the commitment.
  EXPECT_EQ(Count(on_time, "href=\"/api/v1/dialogue/commitments/3\""), 3u) << on_time;
  EXPECT_NE(on_time.find(">Substantial</a>"), std::string::npos);
  EXPECT_NE(on_time.find(">60%</a>"), std::string::npos);
  EXPECT_NE(html.find("href=\"/api/v1/dialogue/meetings/8\""), std::string::npos);
  EXPECT_GE(Count(html, "href=\"/api/v1/dialogue/agreements/1\""), 4u);
  EXPECT_NE(html.find("<a href=\"/api/v1/dialogue/indicators/2/points/3\">17</a>"),
            std::string::npos);
  EXPECT_NE(html.find("href=\"/api/v1/dialogue/engagements/7\""), std::string::npos);
  // A source that is a URL is a link; a citation is text.
  EXPECT_NE(html.find("<a href=\"https://www.ons.gov.uk/fdi2013\">"), std::string::npos);
  EXPECT_NE(html.find("<td>ONS FDI bulletin 2018</td>"), std::string::npos);
}

TEST(BriefingHtml, BaseUrlMakesLinksAbsolute) {
  BriefingPack pack = SamplePack();
  pack.base_url = "https://kenes.example/";
  const std::string html = RenderBriefingHtml(pack);
  EXPECT_NE(html.find("href=\"https://kenes.example/api/v1/dialogue/commitments/3\""),
            std::string::npos);
  EXPECT_EQ(html.find("href=\"/api/"), std::string::npos);
}

TEST(BriefingHtml, HasAPrintStylesheet) {
  const std::string html = RenderBriefingHtml(SamplePack());
  const std::size_t print = html.find("@media print");
  ASSERT_NE(print, std::string::npos);
  EXPECT_NE(html.find("size: A4"), std::string::npos);
  EXPECT_NE(html.find("break-before: page", print), std::string::npos);
  EXPECT_NE(html.find("nav.toc { display: none; }", print), std::string::npos);
  EXPECT_NE(html.find("attr(href)", print), std::string::npos);
}

TEST(BriefingChart, DrawsOneMarkerPerValueWithAxesAndLabels) {
  const BriefingPack pack = SamplePack();
  const std::string svg = IndicatorChartSvg(pack.indicators[0]);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u) << svg.substr(0, 100);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_EQ(Count(svg, "<circle class=\"point"), 4u);
  EXPECT_EQ(Count(svg, "<circle class=\"point illustrative\""), 1u);
  EXPECT_NE(svg.find(">USD bn</text>"), std::string::npos);     // the unit on the axis
  EXPECT_NE(svg.find(">10 USD bn</text>"), std::string::npos);  // first value
  EXPECT_NE(svg.find(">22 USD bn (illustrative)</text>"), std::string::npos);  // last value
  EXPECT_NE(svg.find(">2013-12-31</text>"), std::string::npos);
  EXPECT_NE(svg.find(">2025-12-31</text>"), std::string::npos);
  EXPECT_NE(svg.find("stroke-dasharray=\"5 4\""), std::string::npos);  // segment to the estimate
  EXPECT_NE(svg.find("are illustrative"), std::string::npos);          // the legend
  EXPECT_NE(svg.find(">0</text>"), std::string::npos);                 // the axis starts at zero
  EXPECT_NE(svg.find(">25</text>"), std::string::npos);                // and rounds up

  // The HTML carries the same chart.
  const std::string html = RenderBriefingHtml(pack);
  EXPECT_EQ(Count(html, "<circle class=\"point"), 4u);
  EXPECT_NE(html.find(svg.substr(0, 200)), std::string::npos);
}

TEST(BriefingChart, PlacesPointsInProportionToTime) {
  const std::string svg = IndicatorChartSvg(SamplePack().indicators[0]);
  std::vector<double> xs;
  for (std::size_t at = svg.find("cx=\""); at != std::string::npos;
       at = svg.find("cx=\"", at + 1)) {
    xs.push_back(std::stod(svg.substr(at + 4)));
  }
  ASSERT_EQ(xs.size(), 4u);
  // 2013 -> 2017 is four years, 2024 -> 2025 one: the first gap is about four times the last.
  EXPECT_NEAR((xs[1] - xs[0]) / (xs[3] - xs[2]), 4.0, 0.05);
}

TEST(BriefingChart, HandlesOneValueAndNone) {
  BriefIndicator one{
      .name = "Flights a week", .unit = "", .series = {{.as_of = "2025-01-01", .value = 7}}};
  const std::string svg = IndicatorChartSvg(one);
  EXPECT_EQ(Count(svg, "<circle class=\"point"), 1u);
  for (const std::string bad : {"=\"nan", "=\"-nan", "=\"inf", "=\"-inf"}) {
    EXPECT_EQ(svg.find(bad), std::string::npos) << svg;
  }
  EXPECT_EQ(IndicatorChartSvg(BriefIndicator{.name = "Empty"}), "");
}

TEST(BriefingHtml, EscapesEveryValue) {
  const BriefingPack pack = HostilePack();
  const std::string html = RenderBriefingHtml(pack);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &quot;Q&quot; &amp; co"),
            std::string::npos);
  EXPECT_NE(html.find("Evil &lt;img src=x onerror=alert(1)&gt; &quot;quoted&quot; &amp; more"),
            std::string::npos);
  // A javascript: URL is shown as text, never as a link.
  EXPECT_EQ(html.find("href=\"javascript"), std::string::npos);
  EXPECT_NE(html.find("<td>javascript:alert(1)</td>"), std::string::npos);

  const std::string svg = IndicatorChartSvg(pack.indicators[0]);
  EXPECT_EQ(svg.find("<script>"), std::string::npos);
  EXPECT_NE(svg.find("&lt;script&gt;chart()&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(svg.find(">&quot;&amp;&lt;&gt;</text>"), std::string::npos);
  EXPECT_EQ(svg.find("\"&<>"), std::string::npos);
}

TEST(BriefingMarkdown, EscapesEveryValue) {
  const std::string md = RenderBriefingMarkdown(HostilePack());
  EXPECT_EQ(md.find("[x](javascript"), std::string::npos);
  EXPECT_NE(md.find("\\[x\\](javascript:alert(1)) \\*bold\\* \\_it\\_ \\`code\\` \\# \\| pipe"),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("<script>"), std::string::npos);
  EXPECT_NE(md.find("\\<script\\>alert(1)\\</script\\> \"Q\" \\& co"), std::string::npos);
  for (std::size_t at = md.find("](javascript"); at != std::string::npos;
       at = md.find("](javascript", at + 1)) {
    EXPECT_EQ(md[at - 1], '\\') << "a link at " << at << ": " << md.substr(at - 20, 40);
  }
  // A line break in a value cannot start a new table row.
  EXPECT_EQ(md.find("\n| injected"), std::string::npos);
  EXPECT_NE(md.find("A \\| B \\| injected \\| row \\|"), std::string::npos);
}

TEST(BriefingMarkdown, HasListsAndTablesWithLinks) {
  const std::string md = RenderBriefingMarkdown(SamplePack());
  EXPECT_EQ(md.rfind("# Briefing pack: 9th meeting", 0), 0u);
  EXPECT_NE(
      md.find("- Last meeting: [8th meeting, London, 2025-02-11](/api/v1/dialogue/meetings/8)\n"),
      std::string::npos)
      << md;
  EXPECT_NE(md.find("\n- [Exchange information on the Seasonal Worker route]"
                    "(/api/v1/dialogue/commitments/3): status [Substantial]"
                    "(/api/v1/dialogue/commitments/3), progress [60%]"
                    "(/api/v1/dialogue/commitments/3)"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("\n  - [Joint guidance"), std::string::npos);  // nested under its parent
  EXPECT_NE(md.find("\n- **OVERDUE** [Agree a pre-departure"), std::string::npos);
  EXPECT_NE(md.find("| Agreement | Signed | Status | Side | State | Last step | Next step |\n"
                    "|---|---|---|---|---|---|---|\n"
                    "| [Strategic Partnership and Cooperation Agreement]"
                    "(/api/v1/dialogue/agreements/1) (treaty) | 2024-04-24 |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| **KZ** | [signed](/api/v1/dialogue/agreements/1) | Signature 2024-04-24 | "
                    "Mazhilis vote on the ratification law |"),
            std::string::npos);
  EXPECT_NE(md.find("| **UK** | [laid before Parliament]"), std::string::npos);
  EXPECT_NE(md.find("| As of | Value (USD bn) | Source | Note |"), std::string::npos);
  EXPECT_NE(md.find("| 2024-12-31 | [17](/api/v1/dialogue/indicators/2/points/3) | "
                    "Kazakh National Bank |  |"),
            std::string::npos);
  EXPECT_NE(md.find("| 2025-12-31 | [22](/api/v1/dialogue/indicators/2/points/4) | "
                    "Desk estimate | *illustrative* |"),
            std::string::npos);
  EXPECT_NE(md.find("[Central Asia security roundtable](/api/v1/dialogue/engagements/7)"),
            std::string::npos);
  EXPECT_NE(md.find("- **2027-01-19**: 35 years of diplomatic relations (19 Jan 1992)"),
            std::string::npos);
  EXPECT_EQ(md.find("{{"), std::string::npos);
  EXPECT_EQ(md.find("\n\n\n"), std::string::npos);
}

TEST(BriefingRender, KeepsKazakhAndRussianText) {
  BriefingPack pack = SamplePack();
  pack.engagements[0].notes = "Обсуждение транзита энергоресурсов";
  const std::string html = RenderBriefingHtml(pack);
  const std::string md = RenderBriefingMarkdown(pack);
  for (const std::string& text : {html, md}) {
    EXPECT_NE(text.find("Еңбек көші-қоны"), std::string::npos);
    EXPECT_NE(text.find("Обсуждение транзита энергоресурсов"), std::string::npos);
    EXPECT_NE(text.find("Kazakhstan–UK"), std::string::npos);
  }
  BriefIndicator kz{.name = "Еңбек мигранттары",
                    .unit = "мың адам",
                    .series = {{.as_of = "2024-01-01", .value = 1.5}}};
  EXPECT_NE(IndicatorChartSvg(kz).find(">мың адам</text>"), std::string::npos);
}

TEST(BriefingText, EveryWordInEveryLanguage) {
  const auto keys = BriefingKeys();
  ASSERT_GT(keys.size(), 80u);
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));  // Say looks words up by bisection
  EXPECT_EQ(std::adjacent_find(keys.begin(), keys.end()), keys.end());
  for (const auto& key : keys) {
    for (const char* lang : {"en", "ru", "kk"}) {
      const std::string text = Say(lang, key);
      EXPECT_FALSE(text.empty()) << key << " " << lang;
      EXPECT_NE(text, key) << key << " " << lang;
    }
    // Translated, not copied (the party codes excepted in English only).
    if (key.rfind("meeting.label", 0) != 0) {
      EXPECT_NE(Say("ru", key), Say("en", key)) << key;
      EXPECT_NE(Say("kk", key), Say("en", key)) << key;
    }
  }
  EXPECT_EQ(Say("de", "tpl.contents"), "Contents");  // other languages fall back to English
  EXPECT_EQ(Say("ru", "no.such.key"), "no.such.key");
}

TEST(BriefingText, NumbersAgreeWithTheirWords) {
  EXPECT_EQ(Years("en", 1), "1 year");
  EXPECT_EQ(Years("en", 33), "33 years");
  EXPECT_EQ(Years("ru", 1), "1 год");
  EXPECT_EQ(Years("ru", 21), "21 год");
  EXPECT_EQ(Years("ru", 3), "3 года");
  EXPECT_EQ(Years("ru", 12), "12 лет");
  EXPECT_EQ(Years("ru", 35), "35 лет");
  EXPECT_EQ(Years("kk", 35), "35 жыл");
  EXPECT_EQ(MeetingName("en", 9, false), "9th meeting");
  EXPECT_EQ(MeetingName("en", 11, false), "11th meeting");
  EXPECT_EQ(MeetingName("en", 22, true), "22nd (inferred) meeting");
  EXPECT_EQ(MeetingName("ru", 9, false), "9-е заседание");
  EXPECT_EQ(MeetingName("kk", 9, true), "9-отырыс (болжам бойынша)");
  EXPECT_EQ(MeetingName("kk", 0, false), "Отырыс");
  EXPECT_EQ(Fill("{a} and {a}, {b}", {{"a", "x{b}"}, {"b", "y"}}), "x{b} and x{b}, y")
      << "a value is never filled in again";
}

TEST(BriefingRender, WritesThePacksOwnWordsInTheChosenLanguage) {
  for (const char* lang : {"ru", "kk"}) {
    BriefingPack pack = SamplePack();
    pack.lang = lang;
    const std::string html = RenderBriefingHtml(pack);
    const std::string md = RenderBriefingMarkdown(pack);
    EXPECT_NE(html.find(std::string("<html lang=\"") + lang + "\">"), std::string::npos);
    for (const char* key :
         {"tpl.section_commitments", "tpl.section_agreements", "tpl.section_key_dates",
          "tpl.last_meeting", "tpl.overdue", "tpl.chart_legend"}) {
      EXPECT_NE(html.find(Say(lang, key)), std::string::npos) << lang << " " << key;
    }
    EXPECT_NE(md.find("## 1. " + Say(lang, "tpl.section_commitments")), std::string::npos) << md;
    EXPECT_NE(html.find(Fill(Say(lang, "tpl.footer"), {{"at", pack.generated_at}})),
              std::string::npos);
    // No English word of the templates is left.
    for (const char* english :
         {"Commitments from earlier meetings", "Last meeting", "OVERDUE", "Generated by Kenes",
          "No ratification steps", "Hollow points", ">Source<", "| Agreement |", "status ["}) {
      EXPECT_EQ(html.find(english), std::string::npos) << lang << ": " << english;
      EXPECT_EQ(md.find(english), std::string::npos) << lang << ": " << english;
    }
  }
}

TEST(BriefingRender, EmptyPackSaysSoInEverySection) {
  BriefingPack pack;
  pack.title = "Briefing pack";
  pack.next_meeting = "not yet scheduled";
  pack.areas.push_back(BriefArea{.code = "energy", .name = "Energy"});  // an area, nothing in it
  const std::string html = RenderBriefingHtml(pack);
  const std::string md = RenderBriefingMarkdown(pack);
  for (const std::string& text : {html, md}) {
    EXPECT_NE(text.find("No commitments recorded."), std::string::npos);
    EXPECT_NE(text.find("No agreements recorded."), std::string::npos);
    EXPECT_NE(text.find("No indicators recorded."), std::string::npos);
    EXPECT_NE(text.find("No engagements recorded since the last meeting."), std::string::npos);
    EXPECT_NE(text.find("No key dates recorded."), std::string::npos);
    EXPECT_NE(text.find("not yet scheduled"), std::string::npos);
  }
  EXPECT_EQ(html.find("<table"), std::string::npos);
  EXPECT_EQ(html.find("<svg"), std::string::npos);
  EXPECT_EQ(md.find("|---"), std::string::npos);
}

// Sets an environment variable for one test. NOLINTBEGIN(concurrency-mt-unsafe): tests run one
// at a time, before Chromium's process starts.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};
// NOLINTEND(concurrency-mt-unsafe)

// A private directory for one test, removed afterwards.
class TestDir {
 public:
  TestDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "briefing-test-XXXXXX").string();
    EXPECT_NE(::mkdtemp(pattern.data()), nullptr);
    path_ = pattern;
  }
  ~TestDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

  // Writes an executable shell script and returns its path.
  std::string Script(const std::string& name, const std::string& body) const {
    std::string file = path_ + "/" + name;
    std::ofstream(file) << "#!/bin/sh\n" << body;
    ::chmod(file.c_str(), 0755);
    return file;
  }

 private:
  std::string path_;
};

TEST(BriefingPdf, PrintsWithChromium) {
  const std::optional<std::string> chromium = FindChromium();
  if (!chromium) GTEST_SKIP() << "no Chromium installed";
  TestDir tmp;
  const ScopedEnv tmpdir("TMPDIR", tmp.path());
  const auto pdf = RenderBriefingPdf(RenderBriefingHtml(SamplePack()), *chromium);
  ASSERT_TRUE(pdf.has_value()) << pdf.error().message;
  EXPECT_EQ(pdf->rfind("%PDF-", 0), 0u);
  EXPECT_GT(pdf->size(), 10'000u);
  EXPECT_LT(pdf->size(), 5'000'000u);
  EXPECT_NE(pdf->find("%%EOF"), std::string::npos);
  // The scratch directory is gone.
  EXPECT_TRUE(std::filesystem::is_empty(tmp.path()));
}

TEST(BriefingPdf, ExplicitChromiumThatIsMissingIsReported) {
  const ScopedEnv chromium("KENES_CHROMIUM", "/nonexistent");
  ASSERT_EQ(FindChromium(), std::optional<std::string>("/nonexistent"));
  const auto pdf = RenderBriefingPdf("<p>x</p>", *FindChromium());
  ASSERT_FALSE(pdf.has_value());
  EXPECT_EQ(pdf.error().code, core::ErrorCode::kUnavailable);
  EXPECT_NE(pdf.error().message.find("cannot run Chromium at /nonexistent"), std::string::npos)
      << pdf.error().message;
  EXPECT_NE(pdf.error().message.find("KENES_CHROMIUM"), std::string::npos);
}

TEST(BriefingPdf, FailsWhenChromiumFailsOrWritesNoPdf) {
  TestDir tmp;
  const std::string failing = tmp.Script("failing", "exit 3\n");
  auto pdf = RenderBriefingPdf("<p>x</p>", failing);
  ASSERT_FALSE(pdf.has_value());
  EXPECT_EQ(pdf.error().code, core::ErrorCode::kUnavailable);
  EXPECT_NE(pdf.error().message.find("exited with status 3"), std::string::npos);

  const std::string not_pdf =
      tmp.Script("not-pdf",
                 "for a in \"$@\"; do case \"$a\" in --print-to-pdf=*)"
                 " printf 'hello' > \"${a#--print-to-pdf=}\";; esac; done\n");
  pdf = RenderBriefingPdf("<p>x</p>", not_pdf);
  ASSERT_FALSE(pdf.has_value());
  EXPECT_EQ(pdf.error().code, core::ErrorCode::kUnavailable);
  EXPECT_NE(pdf.error().message.find("no PDF"), std::string::npos);

  // The arguments Chromium gets: headless, and the page from the private directory.
  const ScopedEnv secret("KENES_DATABASE_URL", "postgresql://kenes:s3cret@db/kenes");
  const std::string fake =
      tmp.Script("fake", "env > '" + tmp.path() + "/env'\nprintf '%s\\n' \"$@\" > '" + tmp.path() +
                             "/args'\nfor a in \"$@\"; do case \"$a\" in --print-to-pdf=*)"
                             " printf '%%PDF-1.4 fake' > \"${a#--print-to-pdf=}\";; esac; done\n");
  pdf = RenderBriefingPdf("<p>x</p>", fake);
  ASSERT_TRUE(pdf.has_value()) << pdf.error().message;
  EXPECT_EQ(*pdf, "%PDF-1.4 fake");
  std::stringstream args;
  args << std::ifstream(tmp.path() + "/args").rdbuf();
  for (const std::string arg : {"--headless\n", "--no-sandbox\n", "--disable-gpu\n",
                                "--no-pdf-header-footer\n", "--user-data-dir=", "file:///"}) {
    EXPECT_NE(args.str().find(arg), std::string::npos) << arg << " in " << args.str();
  }
  // Chromium does not inherit the server's environment.
  std::stringstream env;
  env << std::ifstream(tmp.path() + "/env").rdbuf();
  EXPECT_NE(env.str().find("PATH="), std::string::npos) << env.str();
  EXPECT_EQ(env.str().find("s3cret"), std::string::npos) << env.str();
}

TEST(BriefingPdf, KillsChromiumAndItsHelpersOnTimeout) {
  TestDir tmp;
  // Like Chromium, the script leaves a helper process; both must die.
  const std::string hanging =
      tmp.Script("hanging", "sleep 60 &\necho $! > '" + tmp.path() + "/helper.pid'\nwait\n");
  const auto start = std::chrono::steady_clock::now();
  const auto pdf = RenderBriefingPdf("<p>x</p>", hanging, std::chrono::seconds(1));
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(pdf.has_value());
  EXPECT_EQ(pdf.error().code, core::ErrorCode::kUnavailable);
  EXPECT_NE(pdf.error().message.find("within 1 s"), std::string::npos) << pdf.error().message;
  EXPECT_LT(took, std::chrono::seconds(10));

  pid_t helper = 0;
  std::ifstream(tmp.path() + "/helper.pid") >> helper;
  ASSERT_GT(helper, 0);
  // Gone, or a zombie waiting for init to reap it: either way no longer running.
  for (int i = 0; i < 100; ++i) {
    std::ifstream stat("/proc/" + std::to_string(helper) + "/stat");
    std::string pid, comm, state;
    if (!(stat >> pid >> comm >> state) || state == "Z") return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ADD_FAILURE() << "the helper " << helper << " still runs";
  ::kill(helper, SIGKILL);
}

}  // namespace
}  // namespace kenes::dialogue
