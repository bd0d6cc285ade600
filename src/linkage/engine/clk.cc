#include "linkage/engine/clk.h"

#include <sodium.h>

#include <bit>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/atomic_file.h"
#include "core/crypto.h"

namespace kenes::linkage {

using core::ErrorCode;
using core::Fail;

void ClkSet::FreeAligned::operator()(std::uint64_t* p) const { std::free(p); }

ClkSet::ClkSet(std::size_t count, std::size_t bits) : count_(count), bits_(bits) {
  stride_words_ = (bits + 511) / 512 * 8;
  const std::size_t bytes = std::max<std::size_t>(count * stride_words_ * 8, 64);
  auto* p = static_cast<std::uint64_t*>(std::aligned_alloc(64, bytes));
  if (p == nullptr) throw std::bad_alloc();
  std::memset(p, 0, bytes);
  words_.reset(p);
}

std::uint32_t ClkSet::Popcount(std::size_t i) const {
  const std::uint64_t* w = words(i);
  std::uint32_t n = 0;
  for (std::size_t k = 0; k < stride_words_; ++k) n += std::popcount(w[k]);
  return n;
}

std::vector<std::uint32_t> ClkSet::Popcounts() const {
  std::vector<std::uint32_t> out(count_);
  for (std::size_t i = 0; i < count_; ++i) out[i] = Popcount(i);
  return out;
}

core::Status ClkSet::Append(const ClkSet& other) {
  if (other.count_ == 0) return {};
  if (count_ != 0 && other.bits_ != bits_) {
    return Fail(ErrorCode::kInvalidArgument, "CLKs of " + std::to_string(other.bits_) +
                                                 " bits cannot join CLKs of " +
                                                 std::to_string(bits_) + " bits");
  }
  ClkSet joined(count_ + other.count_, other.bits_);
  if (count_ != 0) std::memcpy(joined.words(0), words(0), count_ * stride_words_ * 8);
  std::memcpy(joined.words(count_), other.words(0), other.count_ * stride_words_ * 8);
  *this = std::move(joined);
  return {};
}

std::string ToBase64(std::span<const std::uint8_t> bytes) {
  core::InitCrypto();
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

core::Result<std::vector<std::uint8_t>> FromBase64(std::string_view text) {
  core::InitCrypto();
  std::vector<std::uint8_t> out(text.size() / 4 * 3 + 3);
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return Fail(ErrorCode::kInvalidArgument, "not valid base64");
  }
  out.resize(len);
  return out;
}

core::Result<ClkSet> ClksFromJson(const nlohmann::json& list, const std::string& origin) {
  ClkSet clks;
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string where = origin + ": clks[" + std::to_string(i) + "]";
    if (!list[i].is_string()) return Fail(ErrorCode::kInvalidArgument, where + ": not a string");
    auto decoded = FromBase64(list[i].get_ref<const std::string&>());
    if (!decoded) return Fail(ErrorCode::kInvalidArgument, where + ": " + decoded.error().message);
    if (i == 0) {
      if (decoded->empty()) return Fail(ErrorCode::kInvalidArgument, where + ": empty CLK");
      bytes = decoded->size();
      clks = ClkSet(list.size(), bytes * 8);
    } else if (decoded->size() != bytes) {
      return Fail(ErrorCode::kInvalidArgument, where + ": " + std::to_string(decoded->size() * 8) +
                                                   " bits where clks[0] has " +
                                                   std::to_string(bytes * 8));
    }
    std::memcpy(clks.bytes(i), decoded->data(), bytes);
  }
  return clks;
}

core::Result<ClkFile> ReadClkFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(ErrorCode::kUnavailable, path + ": cannot open: " + std::strerror(errno));
  std::stringstream buffer;
  buffer << in.rdbuf();
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(buffer.str());
  } catch (const nlohmann::json::parse_error& e) {
    return Fail(ErrorCode::kInvalidArgument, path + ": not JSON: " + e.what());
  }
  if (!doc.is_object() || !doc.contains("clks") || !doc["clks"].is_array()) {
    return Fail(ErrorCode::kInvalidArgument,
                path + ": not a CLK file: expected an object with a \"clks\" array");
  }
  ClkFile file;
  auto clks = ClksFromJson(doc["clks"], path);
  if (!clks) return tl::unexpected(clks.error());
  file.clks = std::move(*clks);
  if (doc.contains("kenes") && doc["kenes"].is_object()) {
    const nlohmann::json& k = doc["kenes"];
    file.info.schema = k.value("schema", "");
    file.info.schema_sha256 = k.value("schema_sha256", "");
    if (k.contains("threshold") && k["threshold"].is_number()) {
      file.info.threshold = k["threshold"].get<double>();
    }
  }
  return file;
}

core::Status WriteClkFile(const std::string& path, const ClkSet& clks, const ClkFileInfo& info) {
  auto out = core::AtomicFile::Create(path);
  if (!out) return tl::unexpected(out.error());
  out->Write("{\"clks\": [");
  for (std::size_t i = 0; i < clks.size(); ++i) {
    out->Write(i == 0 ? "\n  \"" : ",\n  \"");
    out->Write(ToBase64({clks.bytes(i), clks.bytes_per_clk()}));
    out->Write("\"");
  }
  out->Write(clks.size() == 0 ? "]" : "\n]");
  if (!info.schema.empty() || info.threshold) {
    nlohmann::json k = nlohmann::json::object();
    if (!info.schema.empty()) k["schema"] = info.schema;
    if (!info.schema_sha256.empty()) k["schema_sha256"] = info.schema_sha256;
    if (info.threshold) k["threshold"] = *info.threshold;
    k["bits"] = clks.bits();
    out->Write(",\n\"kenes\": ");
    out->Write(k.dump());
  }
  out->Write("}\n");
  return out->Commit();
}

}  // namespace kenes::linkage
