// The briefing pack for the next Strategic Dialogue meeting: the data (filled by the dialogue
// service from the record) and its renderings. Rendering is pure: no database, no HTTP.
// Thread-safe: free functions over values.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace kenes::dialogue {

// Every record in the pack carries `href`: the API path of the record it came from, so that each
// number and status in the pack links back to its record.
struct BriefCommitment {
  long long id = 0;
  std::string href;
  int depth = 0;        // 0 for a commitment, 1.. for its sub-commitments (listed right after it)
  std::string meeting;  // "8th meeting, London, 2025-02-11"
  std::string text;
  std::string owner_agency, owner_person;
  std::string due_date;      // YYYY-MM-DD or empty
  std::string status;        // not_started, limited, substantial, complete, dropped
  std::string status_label;  // "Not started", "Limited", ...
  bool overdue = false;
  int progress_percent = 0;  // rolled up from sub-commitments
  std::string last_update_date, last_update_text;
};

struct BriefArea {
  std::string code, name;
  std::vector<BriefCommitment> commitments;
  int overdue_count = 0;
};

struct BriefPartyState {
  std::string party;      // KZ or UK
  std::string state;      // e.g. "signed", "ratified", "in force"
  std::string last_step;  // "Signature 2024-04-24"
  std::string next_step;  // "Mazhilis vote on the ratification law"
};

struct BriefAgreement {
  long long id = 0;
  std::string href;
  std::string title, kind, status;  // status derived from party actions
  std::string signed_date;          // empty if unsigned
  std::vector<BriefPartyState> parties;
};

struct BriefPoint {
  std::string as_of;  // YYYY-MM-DD
  double value = 0;
  std::string source;  // URL or citation
  bool illustrative = false;
  std::string href;
};

struct BriefIndicator {
  long long id = 0;
  std::string href, name, unit;
  std::vector<BriefPoint> series;  // oldest first
};

struct BriefEngagement {
  long long id = 0;
  std::string href, date, kind, title, people, organisations, notes;
};

struct BriefKeyDate {
  std::string date;  // the coming anniversary, YYYY-MM-DD
  std::string what;  // "33 years of diplomatic relations (19 Jan 1992)"
  std::string href;  // the record it comes from, if any
};

struct BriefingPack {
  std::string lang = "en";  // en, ru or kk: the pack's own words and the labels in it
  std::string title;  // "Briefing pack: 9th meeting of the Kazakhstan–UK Strategic Dialogue"
  std::string generated_at;  // UTC timestamp
  std::string last_meeting;  // label of the latest meeting held, with its date
  std::string last_meeting_href;
  std::string next_meeting;       // label of the next one (planned, or "not yet scheduled")
  std::string next_meeting_href;  // empty when not yet scheduled
  // Prefixed to every href that is an API path ("https://kenes.example"), so that links in a
  // printed or e-mailed pack resolve; empty leaves them relative.
  std::string base_url;
  std::vector<BriefArea> areas;
  std::vector<BriefAgreement> agreements;
  std::vector<BriefIndicator> indicators;
  std::vector<BriefEngagement> engagements;  // since the last meeting
  std::vector<BriefKeyDate> key_dates;
};

// The pack as a complete HTML page (inline CSS with a print stylesheet, inline SVG charts, every
// value HTML-escaped) and as Markdown (values escaped for Markdown).
std::string RenderBriefingHtml(const BriefingPack& pack);
std::string RenderBriefingMarkdown(const BriefingPack& pack);

// An indicator series as an inline SVG line chart with labelled axes (empty for no points).
std::string IndicatorChartSvg(const BriefIndicator& indicator, std::string_view lang = "en");

// The Chromium binary to print PDFs with, if one is installed. KENES_CHROMIUM, when set and not
// empty, is returned as given without looking further: an explicit choice that does not work is
// reported by RenderBriefingPdf rather than silently replaced.
std::optional<std::string> FindChromium();
// Prints `html` to PDF with headless Chromium (a path, or a name looked up on PATH) and returns the
// PDF's bytes. Chromium runs in its own process group, killed on `timeout`. Errors: kUnavailable
// when Chromium cannot be started, fails, times out or writes no PDF.
core::Result<std::string> RenderBriefingPdf(
    const std::string& html, const std::string& chromium,
    std::chrono::seconds timeout = std::chrono::seconds(60));

}  // namespace kenes::dialogue
