// The expertise and best-practice library shared under the MoU: documents in Markdown with
// versions, translations, tags, visibility and attachments. Every change is audited and indexed
// for search (kind "document") in the same transaction. Thread-safe: the store is.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/principal.h"
#include "core/clock.h"
#include "core/error.h"
#include "search/search_index.h"
#include "store/database.h"

namespace kenes::library {

inline constexpr const char* kLanguages[] = {"kk", "ru", "en"};

// Tags are "kind:code": "ilo:<indicator>" (the ILO forced-labour indicators of
// cases::Indicators()), "sector:<code>" and "audience:<code>" from the lists below.
const std::vector<std::string_view>& Sectors();
const std::vector<std::string_view>& Audiences();
// kUnprocessable naming the tag when it is not one of the above.
core::Status CheckTag(const std::string& tag);

// A Markdown body checked and rendered. Errors (kUnprocessable, type "unsafe-markdown", naming
// what and the line): raw HTML (blocks or inline), links or images whose scheme is not http,
// https or mailto (relative links are fine).
struct RenderedMarkdown {
  std::string html;        // cmark's safe HTML
  std::string plain_text;  // the words, for the search index
};
core::Result<RenderedMarkdown> RenderMarkdown(std::string_view markdown);

struct Translation {
  long long id = 0;
  std::string language, title;
};

struct Attachment {
  std::string sha256, name, media_type, at, author;
  long long size = 0;
};

struct Document {
  long long id = 0;
  std::string agency;  // owner
  search::Visibility visibility = search::Visibility::kAgency;
  std::string language, title, summary, body;  // body: Markdown
  std::vector<std::string> tags;
  std::optional<long long> translation_of;
  long long version = 1;
  std::string created_at, created_by, updated_at, updated_by;
  // The other documents of its translation group that the reader may see, by id.
  std::vector<Translation> translations;
  std::vector<Attachment> attachments;
};

struct NewDocument {
  std::string title, summary, body, language;
  search::Visibility visibility = search::Visibility::kAgency;
  std::vector<std::string> tags;
  std::optional<long long> translation_of;  // the document this one translates
};

// Fields left empty keep their value.
struct DocumentUpdate {
  std::optional<std::string> title, summary, body, language;
  std::optional<search::Visibility> visibility;
  std::optional<std::vector<std::string>> tags;
  // When set, the update is refused (kConflict) unless it is still the current version.
  std::optional<long long> base_version;
};

struct Version {
  long long document_id = 0, version = 0;
  std::string language, title, summary, body;  // body empty in version lists
  search::Visibility visibility = search::Visibility::kAgency;
  std::vector<std::string> tags;
  std::string at, author;
};

struct ListFilter {
  std::optional<std::string> language, tag;
  std::optional<search::Visibility> visibility;
  int limit = 100;
};

class LibraryService {
 public:
  static constexpr std::size_t kMaxTitleBytes = 300, kMaxSummaryBytes = 2000,
                               kMaxBodyBytes = 200 * 1024, kMaxTags = 20;
  static constexpr std::size_t kMaxAttachmentBytes = 10 << 20;

  // REQUIRES: db and clock outlive this object.
  LibraryService(store::Database& db, const core::Clock& clock);

  // Schema of this module (versions 800-899).
  static std::vector<store::Migration> Migrations();

  // Readers: `who` null is someone without an account (public documents only). A document the
  // reader may not see is kNotFound, never kPermissionDenied.

  // A new document of who's agency, version 1. Errors: kPermissionDenied (roles), kInvalidArgument
  // (missing or over-long fields, invalid UTF-8), kUnprocessable (unknown language or tag, unsafe
  // Markdown or markup in title/summary, a translation in a language its group already has),
  // kNotFound (translation_of not visible).
  core::Result<Document> Create(const auth::Principal& who, const NewDocument& n,
                                const std::string& request_id);
  // A new version (the old one stays readable). Only writers of the owning agency; other readers
  // get kPermissionDenied. Errors as Create, and kConflict for a stale base_version.
  core::Result<Document> Update(const auth::Principal& who, long long id, const DocumentUpdate& u,
                                const std::string& request_id);
  core::Result<Document> Get(const auth::Principal* who, long long id) const;
  // Newest first, without bodies or attachments.
  core::Result<std::vector<Document>> List(const auth::Principal* who, const ListFilter& f) const;
  // Every version, oldest first, without bodies.
  core::Result<std::vector<Version>> Versions(const auth::Principal* who, long long id) const;
  core::Result<Version> GetVersion(const auth::Principal* who, long long id,
                                   long long version) const;
  // The current version as a standalone, sanitised HTML page.
  core::Result<std::string> RenderHtml(const auth::Principal* who, long long id) const;

  // Stores `content` by its SHA-256 (one copy per content, however many documents hold it). The
  // type is sniffed from the bytes (PDF, PNG, JPEG, GIF, zip-based office files, UTF-8 text) and
  // must agree with the name's extension; text that is HTML or SVG is refused. Errors:
  // kInvalidArgument (empty, bad name; type "file-too-large" above kMaxAttachmentBytes),
  // kUnsupportedMedia (type), plus Update's.
  core::Result<Attachment> Attach(const auth::Principal& who, long long id,
                                  const std::string& name, std::string_view content,
                                  const std::string& request_id);
  struct File {
    std::string name, media_type, content;
  };
  core::Result<File> GetAttachment(const auth::Principal* who, long long id,
                                   const std::string& sha256) const;

 private:
  store::Database& db_;
  const core::Clock& clock_;
};

}  // namespace kenes::library
