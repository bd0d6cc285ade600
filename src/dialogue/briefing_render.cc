// The briefing pack's renderings: HTML and Markdown from the mustache templates in templates/
// (compiled in), SVG line charts, and PDF through headless Chromium. Thread-safe: each call parses
// its own templates and builds its own data; Chromium runs in a private scratch directory.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <kainjow/mustache.hpp>
#include <sstream>
#include <string_view>
#include <system_error>
#include <thread>

#include "dialogue/briefing.h"
#include "dialogue/briefing_text.h"

namespace kenes::dialogue {

// Defined in the file CMake generates from templates/*.mustache.
namespace internal {
std::string_view BriefingHtmlTemplate();
std::string_view BriefingMarkdownTemplate();
std::string_view ChartSvgTemplate();
}  // namespace internal

namespace {

using kainjow::mustache::data;
using Template = kainjow::mustache::mustache;

// ---------------------------------------------------------------------------------------------
// Values

// Up to ten significant digits without a trailing ".0": 17, 12.5, 0.3 (not 0.30000000000000004).
std::string FormatNumber(double value) {
  if (!std::isfinite(value)) return "n/a";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.10g", value == 0 ? 0.0 : value);  // no "-0"
  return buffer;
}

// SVG coordinates: one decimal is below a printer's dot at these sizes.
std::string Coord(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", value);
  return buffer;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

// The href a link may carry: an API path ("/api/..."; prefixed with `base_url` when that is an
// http(s) URL) or an http(s) URL, percent-encoded where a character could end the attribute or
// the Markdown link. Anything else (javascript:, data:, a citation) gives "" and is shown as
// plain text: escaping alone does not stop a javascript: URL from running.
std::string SafeHref(std::string_view href, std::string_view base_url) {
  std::string url;
  if (href.size() >= 1 && href[0] == '/' && (href.size() == 1 || href[1] != '/')) {
    if (StartsWithNoCase(base_url, "https://") || StartsWithNoCase(base_url, "http://")) {
      while (!base_url.empty() && base_url.back() == '/') base_url.remove_suffix(1);
      url = base_url;
    }
    url += href;
  } else if (StartsWithNoCase(href, "https://") || StartsWithNoCase(href, "http://")) {
    url = href;
  } else {
    return "";
  }
  static constexpr std::string_view kEncode = " \"'<>()[]\\^`{|}";
  std::string out;
  out.reserve(url.size());
  for (const char c : url) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f || kEncode.find(c) != std::string_view::npos) {
      char buffer[4];
      std::snprintf(buffer, sizeof buffer, "%%%02X", byte);
      out += buffer;
    } else {
      out += c;
    }
  }
  return out;
}

// Escapes a value for Markdown (CommonMark + GFM tables): a backslash before every character that
// can start inline markup, so that data cannot make links, HTML, emphasis or code; line breaks
// become spaces so that a value stays inside its table row or list item; and a leading "-", "+",
// "=" or "1." cannot start a block.
std::string MarkdownEscape(const std::string& value) {
  static constexpr std::string_view kMeta = "\\`*_{}[]<>#|!~&";
  std::string out;
  out.reserve(value.size() + 8);
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < value.size() && value[i + 1] == '\n') ++i;
      out += ' ';
    } else if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
      // Other control characters have no place in a printed pack.
    } else if (kMeta.find(c) != std::string_view::npos) {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  if (!out.empty() && (out[0] == '-' || out[0] == '+' || out[0] == '=')) out.insert(0, 1, '\\');
  const std::size_t digits = out.find_first_not_of("0123456789");
  if (digits > 0 && digits != std::string::npos && (out[digits] == '.' || out[digits] == ')')) {
    out.insert(digits, 1, '\\');
  }
  return out;
}

// A class name derived from data: lowercase letters, digits and "-" only.
std::string CssToken(std::string_view value) {
  std::string out;
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte)) {
      out += static_cast<char>(std::tolower(byte));
    } else if (c == '_' || c == '-' || c == ' ') {
      out += '-';
    }
  }
  return out;
}

// Days since 1970-01-01 of a YYYY-MM-DD date.
std::optional<long> DayNumber(std::string_view date) {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return std::nullopt;
  int y = 0;
  unsigned m = 0;
  unsigned d = 0;
  const char* s = date.data();
  if (std::from_chars(s, s + 4, y).ptr != s + 4 || std::from_chars(s + 5, s + 7, m).ptr != s + 7 ||
      std::from_chars(s + 8, s + 10, d).ptr != s + 10) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m},
                                        std::chrono::day{d}};
  if (!ymd.ok()) return std::nullopt;
  return static_cast<long>(std::chrono::sys_days{ymd}.time_since_epoch().count());
}

// A round step (1, 2 or 5 times a power of ten) near `raw`.
double NiceStep(double raw) {
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / magnitude;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * magnitude;
}

data List() { return data{data::type::list}; }

std::string Render(std::string_view text, const data& context, const std::string& chart_partial,
                   const Template::escape_handler& escape) {
  Template tmpl{std::string(text)};
  if (escape) tmpl.set_custom_escape(escape);
  data root = context;
  if (!chart_partial.empty()) root.set("chart_svg", chart_partial);
  std::string out = tmpl.is_valid() ? tmpl.render(root) : std::string();
  // The templates are compiled in, so this is a bug, caught by the tests.
  if (!tmpl.is_valid()) {
    throw core::Failure(
        core::Error{core::ErrorCode::kInternal, "briefing template: " + tmpl.error_message()});
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The chart

// The layout of a chart, in SVG user units.
constexpr double kWidth = 640, kHeight = 280;
constexpr double kLeft = 64, kRight = kWidth - 28, kTop = 30, kBottom = kHeight - 52;
constexpr double kInset = 10;  // keeps the first and last points off the axes

// The data of templates/chart.svg.mustache for `indicator`, or nullopt when it has no finite
// value to draw.
std::optional<data> ChartData(const BriefIndicator& indicator, std::string_view lang) {
  struct Point {
    double x, y;
    const BriefPoint* source;
  };
  std::vector<Point> points;
  bool dated = true;
  for (const BriefPoint& p : indicator.series) {
    if (!std::isfinite(p.value)) continue;
    const std::optional<long> day = DayNumber(p.as_of);
    dated = dated && day.has_value();
    points.push_back({static_cast<double>(day.value_or(0)), p.value, &p});
  }
  if (points.empty()) return std::nullopt;
  // Time runs left to right in proportion, so that uneven gaps between values show; without
  // dates the values are spaced evenly in the order given.
  if (!dated) {
    for (std::size_t i = 0; i < points.size(); ++i) points[i].x = static_cast<double>(i);
  }
  auto [x_min, x_max] =
      std::minmax_element(points.begin(), points.end(), [](auto& a, auto& b) { return a.x < b.x; });
  const double x0 = x_min->x;
  const double x_span = x_max->x - x0;
  // The value axis includes zero, so that a rise is not exaggerated by a cut-off axis.
  double y_lo = 0, y_hi = 0;
  for (const Point& p : points) {
    y_lo = std::min(y_lo, p.y);
    y_hi = std::max(y_hi, p.y);
  }
  if (y_hi - y_lo <= 0) y_hi = y_lo + 1;
  const double step = NiceStep((y_hi - y_lo) / 5);
  if (!std::isfinite(step) || step <= 0) return std::nullopt;  // values near the double's limits
  y_lo = std::floor(y_lo / step) * step;
  y_hi = std::ceil(y_hi / step) * step;
  const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step))));

  auto sx = [&](double x) {
    if (x_span <= 0) return (kLeft + kRight) / 2;
    return kLeft + kInset + (x - x0) / x_span * (kRight - kLeft - 2 * kInset);
  };
  auto sy = [&](double y) { return kBottom - (y - y_lo) / (y_hi - y_lo) * (kBottom - kTop); };
  const std::string unit_suffix = indicator.unit.empty() ? "" : " " + indicator.unit;

  data chart;
  chart.set("width", FormatNumber(kWidth));
  chart.set("height", FormatNumber(kHeight));
  chart.set("left", Coord(kLeft));
  chart.set("right", Coord(kRight));
  chart.set("top", Coord(kTop));
  chart.set("bottom", Coord(kBottom));
  chart.set("middle", Coord((kTop + kBottom) / 2));
  chart.set("legend_y", Coord(kHeight - 6));
  chart.set("unit", indicator.unit);
  chart.set("label", indicator.name + (indicator.unit.empty() ? "" : " (" + indicator.unit + ")") +
                         ", " + points.front().source->as_of + " to " +
                         points.back().source->as_of);

  data y_ticks = List();
  const int tick_count = static_cast<int>(std::lround((y_hi - y_lo) / step));
  for (int i = 0; i <= tick_count; ++i) {
    double value = y_lo + i * step;
    if (std::fabs(value) < step * 1e-9) value = 0;
    char label[32];
    std::snprintf(label, sizeof label, "%.*f", decimals, value);
    data tick;
    tick.set("y", Coord(sy(value)));
    tick.set("x1", Coord(kLeft));
    tick.set("x2", Coord(kRight));
    tick.set("text_x", Coord(kLeft - 6));
    tick.set("label", std::string(label));
    y_ticks.push_back(tick);
  }
  chart.set("y_ticks", y_ticks);

  // The first and last dates under the axis, and the first and last values by their points.
  data x_labels = List();
  data value_labels = List();
  const bool single = points.size() == 1;
  for (const Point* p : {&points.front(), &points.back()}) {
    const bool last = p != &points.front();
    if (single && last) break;
    const std::string anchor = single ? "middle" : last ? "end" : "start";
    const double x = sx(p->x);
    data x_label;
    x_label.set("x", Coord(x));
    x_label.set("y", Coord(kBottom + 20));
    x_label.set("tick_end", Coord(kBottom + 5));
    x_label.set("anchor", anchor);
    x_label.set("label", p->source->as_of);
    x_labels.push_back(x_label);
    data value_label;
    value_label.set("x", Coord(x + (single ? 0 : last ? 4 : -4)));
    value_label.set("y", Coord(sy(p->y) - 9));
    value_label.set("anchor", anchor);
    value_label.set("label", FormatNumber(p->y) + unit_suffix +
                                 (p->source->illustrative ? " (illustrative)" : ""));
    value_labels.push_back(value_label);
  }
  chart.set("x_labels", x_labels);
  chart.set("value_labels", value_labels);

  data segments = List();
  data markers = List();
  bool any_illustrative = false;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const Point& p = points[i];
    any_illustrative = any_illustrative || p.source->illustrative;
    if (i > 0) {
      const Point& q = points[i - 1];
      data segment;
      segment.set("x1", Coord(sx(q.x)));
      segment.set("y1", Coord(sy(q.y)));
      segment.set("x2", Coord(sx(p.x)));
      segment.set("y2", Coord(sy(p.y)));
      segment.set("dashed", q.source->illustrative || p.source->illustrative);
      segments.push_back(segment);
    }
    data marker;
    marker.set("cx", Coord(sx(p.x)));
    marker.set("cy", Coord(sy(p.y)));
    marker.set("illustrative", p.source->illustrative);
    marker.set("tip", p.source->as_of + ": " + FormatNumber(p.y) + unit_suffix +
                          (p.source->illustrative ? " (illustrative)" : ""));
    markers.push_back(marker);
  }
  chart.set("segments", segments);
  chart.set("points", markers);
  chart.set("has_illustrative", any_illustrative);
  chart.set("legend", Say(lang, "tpl.chart_legend"));
  return chart;
}

// ---------------------------------------------------------------------------------------------
// The pack

data PackData(const BriefingPack& pack) {
  const std::string& base = pack.base_url;
  auto link = [&](data& d, const std::string& key, const std::string& href) {
    const std::string safe = SafeHref(href, base);
    d.set(key, safe);
    d.set("has_" + key, !safe.empty());
  };

  data root;
  root.set("lang", IsBriefingLanguage(pack.lang) ? pack.lang : std::string("en"));
  data words;
  for (const auto& [key, text] : TemplateWords(pack.lang)) words.set(key, text);
  words.set("footer", Fill(Say(pack.lang, "tpl.footer"), {{"at", pack.generated_at}}));
  root.set("t", words);
  root.set("title", pack.title);
  root.set("generated_at", pack.generated_at);
  root.set("last_meeting", pack.last_meeting);
  link(root, "last_meeting_href", pack.last_meeting_href);
  root.set("next_meeting", pack.next_meeting);
  link(root, "next_meeting_href", pack.next_meeting_href);

  int commitment_count = 0;
  int overdue_count = 0;
  data areas = List();
  for (const BriefArea& area : pack.areas) {
    data a;
    a.set("code", area.code);
    a.set("name", area.name);
    int overdue = 0;
    data commitments = List();
    for (const BriefCommitment& c : area.commitments) {
      const int depth = std::clamp(c.depth, 0, 8);
      data d;
      link(d, "href", c.href);
      d.set("depth", std::to_string(depth));
      d.set("is_sub", depth > 0);
      d.set("indent_rem", FormatNumber(0.45 + 1.5 * depth));
      d.set("indent", std::string(2 * static_cast<std::size_t>(depth), ' '));
      d.set("meeting", c.meeting);
      d.set("text", c.text);
      d.set("owner_agency", c.owner_agency);
      d.set("owner_person", c.owner_person);
      d.set("has_owner_person", !c.owner_person.empty());
      d.set("due_date", c.due_date);
      d.set("has_due_date", !c.due_date.empty());
      d.set("status", c.status);
      d.set("status_class", CssToken(c.status));
      d.set("status_label", c.status_label.empty() ? c.status : c.status_label);
      d.set("overdue", c.overdue);
      d.set("progress_percent", std::to_string(std::clamp(c.progress_percent, 0, 100)));
      d.set("last_update_date", c.last_update_date);
      d.set("last_update_text", c.last_update_text);
      d.set("has_last_update", !c.last_update_date.empty() || !c.last_update_text.empty());
      commitments.push_back(d);
      overdue += c.overdue ? 1 : 0;
    }
    // The service's count, or our own when it left it at zero.
    overdue = std::max(overdue, area.overdue_count);
    commitment_count += static_cast<int>(area.commitments.size());
    overdue_count += overdue;
    a.set("overdue_count", std::to_string(overdue));
    a.set("has_overdue", overdue > 0);
    a.set("has_commitments", !area.commitments.empty());
    a.set("commitments", commitments);
    areas.push_back(a);
  }
  root.set("areas", areas);
  root.set("any_commitments", commitment_count > 0);
  root.set("commitment_count", std::to_string(commitment_count));
  root.set("overdue_count", std::to_string(overdue_count));

  data agreements = List();
  for (const BriefAgreement& agreement : pack.agreements) {
    // One table row per side; the agreement's own cells span them.
    data rows = List();
    const std::size_t row_count = std::max<std::size_t>(1, agreement.parties.size());
    for (std::size_t i = 0; i < row_count; ++i) {
      data row;
      link(row, "href", agreement.href);
      row.set("first", i == 0);
      row.set("rowspan", std::to_string(row_count));
      row.set("title", agreement.title);
      row.set("kind", agreement.kind);
      row.set("status", agreement.status);
      row.set("signed_date", agreement.signed_date);
      row.set("has_signed_date", !agreement.signed_date.empty());
      row.set("has_party", i < agreement.parties.size());
      const BriefPartyState party =
          i < agreement.parties.size() ? agreement.parties[i] : BriefPartyState{};
      row.set("party", party.party);
      row.set("state", party.state);
      row.set("last_step", party.last_step);
      row.set("next_step", party.next_step);
      rows.push_back(row);
    }
    data a;
    a.set("rows", rows);
    agreements.push_back(a);
  }
  root.set("agreements", agreements);
  root.set("any_agreements", !pack.agreements.empty());
  root.set("agreement_count", std::to_string(pack.agreements.size()));

  data indicators = List();
  for (const BriefIndicator& indicator : pack.indicators) {
    data d;
    link(d, "href", indicator.href);
    d.set("name", indicator.name);
    d.set("unit", indicator.unit);
    d.set("has_unit", !indicator.unit.empty());
    data points = List();
    for (const BriefPoint& p : indicator.series) {
      data point;
      point.set("as_of", p.as_of);
      point.set("value", FormatNumber(p.value));
      // A value without its own record links to the indicator.
      link(point, "href", p.href.empty() ? indicator.href : p.href);
      point.set("source", p.source);
      link(point, "source_href", p.source);
      point.set("illustrative", p.illustrative);
      points.push_back(point);
    }
    d.set("points", points);
    d.set("has_points", !indicator.series.empty());
    std::optional<data> chart = ChartData(indicator, pack.lang);
    d.set("chart", chart ? *chart : data(false));
    indicators.push_back(d);
  }
  root.set("indicators", indicators);
  root.set("indicator_count", std::to_string(pack.indicators.size()));

  data engagements = List();
  for (const BriefEngagement& e : pack.engagements) {
    data d;
    link(d, "href", e.href);
    d.set("date", e.date);
    d.set("kind", e.kind);
    d.set("title", e.title);
    d.set("people", e.people);
    d.set("organisations", e.organisations);
    d.set("notes", e.notes);
    engagements.push_back(d);
  }
  root.set("engagements", engagements);
  root.set("any_engagements", !pack.engagements.empty());
  root.set("engagement_count", std::to_string(pack.engagements.size()));

  data key_dates = List();
  for (const BriefKeyDate& k : pack.key_dates) {
    data d;
    d.set("date", k.date);
    d.set("what", k.what);
    link(d, "href", k.href);
    key_dates.push_back(d);
  }
  root.set("key_dates", key_dates);
  root.set("any_key_dates", !pack.key_dates.empty());
  return root;
}

// ---------------------------------------------------------------------------------------------
// Chromium

bool IsExecutableFile(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::optional<std::string> FindOnPath(std::string_view name) {
  // The environment is read only, nothing in Kenes sets it while serving.
  const char* path = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe)
  if (path == nullptr) return std::nullopt;
  std::string_view rest = path;
  while (true) {
    const std::size_t colon = rest.find(':');
    const std::string_view dir = rest.substr(0, colon);
    if (!dir.empty()) {
      std::string candidate = std::string(dir) + "/" + std::string(name);
      if (IsExecutableFile(candidate)) return candidate;
    }
    if (colon == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(colon + 1);
  }
}

// A private scratch directory, removed with everything in it when this goes out of scope.
class ScratchDir {
 public:
  ScratchDir() {
    std::error_code ec;
    std::string pattern =
        (std::filesystem::temp_directory_path(ec) / "kenes-briefing-XXXXXX").string();
    if (ec) pattern = "/tmp/kenes-briefing-XXXXXX";
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;  // mode 0700
  }
  ~ScratchDir() {
    if (path_.empty()) return;
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  // Empty when the directory could not be made.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A file:// URL for an absolute path.
std::string FileUrl(std::string_view path) {
  std::string url = "file://";
  for (const char c : path) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || std::strchr("/-._~", c) != nullptr) {
      url += c;
    } else {
      char buffer[4];
      std::snprintf(buffer, sizeof buffer, "%%%02X", byte);
      url += buffer;
    }
  }
  return url;
}

// How a child process ended.
struct Exit {
  bool timed_out = false;
  int status = 0;  // as from waitpid
};

// Waits for `pid`, the leader of its own process group, for at most `timeout`. Whatever happens,
// the whole group is killed before the leader is reaped: Chromium leaves helper processes behind
// when it is killed, and the group's id stays ours until the leader is reaped.
Exit WaitForGroup(pid_t pid, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  Exit ended;
  while (true) {
    siginfo_t info{};
    const int rc = ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT);
    if (rc == 0 && info.si_pid == pid) break;  // exited, not yet reaped
    if (rc != 0 && errno != EINTR) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      ended.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(-pid, SIGKILL);
  while (::waitpid(pid, &ended.status, 0) < 0 && errno == EINTR) {
  }
  return ended;
}

}  // namespace

std::string IndicatorChartSvg(const BriefIndicator& indicator, std::string_view lang) {
  std::optional<data> chart = ChartData(indicator, lang);
  if (!chart) return "";
  data context;
  context.set("chart", *chart);
  return Render(internal::ChartSvgTemplate(), context, "", {});
}

std::string RenderBriefingHtml(const BriefingPack& pack) {
  return Render(internal::BriefingHtmlTemplate(), PackData(pack),
                std::string(internal::ChartSvgTemplate()), {});
}

std::string RenderBriefingMarkdown(const BriefingPack& pack) {
  std::string md = Render(internal::BriefingMarkdownTemplate(), PackData(pack), "", MarkdownEscape);
  // Sections left out leave blank lines behind; values hold no line breaks, so this touches
  // only the template's own.
  for (std::size_t at = md.find("\n\n\n"); at != std::string::npos; at = md.find("\n\n\n", at)) {
    md.erase(at, 1);
  }
  return md;
}

std::optional<std::string> FindChromium() {
  const char* chosen = std::getenv("KENES_CHROMIUM");  // NOLINT(concurrency-mt-unsafe): as above
  if (chosen != nullptr && *chosen != '\0') return std::string(chosen);
  for (const char* path : {"/usr/bin/chromium", "/usr/lib/chromium/chromium"}) {
    if (IsExecutableFile(path)) return std::string(path);
  }
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    if (std::optional<std::string> found = FindOnPath(name)) return found;
  }
  return std::nullopt;
}

core::Result<std::string> RenderBriefingPdf(const std::string& html, const std::string& chromium,
                                            std::chrono::seconds timeout) {
  using core::ErrorCode;
  if (chromium.empty()) {
    return core::Fail(ErrorCode::kUnavailable,
                      "no Chromium to print the PDF with: install chromium or set KENES_CHROMIUM");
  }
  ScratchDir scratch;
  if (scratch.path().empty()) {
    return core::Fail(ErrorCode::kUnavailable, "cannot create a scratch directory for the PDF");
  }
  const std::string html_path = scratch.path() + "/pack.html";
  const std::string pdf_path = scratch.path() + "/out.pdf";
  {
    std::ofstream out(html_path, std::ios::binary);
    out << html;
    if (!out.flush()) return core::Fail(ErrorCode::kUnavailable, "cannot write the pack's HTML");
  }

  std::vector<std::string> args = {chromium,
                                   "--headless",
                                   "--no-sandbox",  // needed as root; the page is our own
                                   "--disable-gpu",
                                   "--disable-dev-shm-usage",
                                   "--no-first-run",
                                   "--disable-background-networking",
                                   "--disable-extensions",
                                   "--no-pdf-header-footer",
                                   "--user-data-dir=" + scratch.path() + "/profile",
                                   "--print-to-pdf=" + pdf_path,
                                   FileUrl(html_path)};
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  // A minimal environment: the server's may hold a database URL with its password, which a
  // browser has no business seeing; HOME in the scratch directory keeps Chromium's caches there.
  const char* path = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe): as above
  std::vector<std::string> env_vars = {
      "PATH=" + std::string(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin"),
      "HOME=" + scratch.path(),
      "XDG_CONFIG_HOME=" + scratch.path() + "/config",
      "XDG_CACHE_HOME=" + scratch.path() + "/cache",
      "TMPDIR=" + scratch.path(),
      "LANG=C.UTF-8"};
  std::vector<char*> envp;
  envp.reserve(env_vars.size() + 1);
  for (std::string& var : env_vars) envp.push_back(var.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  // Its own process group, so that a timeout can kill Chromium's helpers too; default signal
  // handling, whatever the server has blocked or ignored.
  sigset_t no_signals;
  sigset_t default_signals;
  sigemptyset(&no_signals);
  sigfillset(&default_signals);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigmask(&attr, &no_signals);
  posix_spawnattr_setsigdefault(&attr, &default_signals);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  const int spawn_error = ::posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (spawn_error != 0) {
    return core::Fail(ErrorCode::kUnavailable, "cannot run Chromium at " + chromium + ": " +
                                                   std::system_category().message(spawn_error) +
                                                   " (install chromium or set KENES_CHROMIUM)");
  }

  const Exit ended = WaitForGroup(pid, timeout);
  if (ended.timed_out) {
    return core::Fail(ErrorCode::kUnavailable, "Chromium did not print the PDF within " +
                                                   std::to_string(timeout.count()) + " s");
  }
  if (!WIFEXITED(ended.status) || WEXITSTATUS(ended.status) != 0) {
    const std::string how = WIFEXITED(ended.status)
                                ? "exited with status " + std::to_string(WEXITSTATUS(ended.status))
                                : "was killed by signal " + std::to_string(WTERMSIG(ended.status));
    return core::Fail(ErrorCode::kUnavailable, "Chromium " + how + " printing the PDF");
  }
  std::ifstream in(pdf_path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  std::string pdf = bytes.str();
  if (pdf.rfind("%PDF-", 0) != 0) {
    return core::Fail(ErrorCode::kUnavailable, "Chromium wrote no PDF");
  }
  return pdf;
}

}  // namespace kenes::dialogue
