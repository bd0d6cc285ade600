#include "registry/personal_data.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace kenes::registry {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr std::string_view kPassportField = "workers.passport_number";

std::array<unsigned char, DataKey::kKeyBytes> KeyBytes(unsigned char fill) {
  std::array<unsigned char, DataKey::kKeyBytes> bytes{};
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(fill + i);
  return bytes;
}

// The base64 (standard alphabet, padded) of KeyBytes(0): bytes 0x00..0x1f.
constexpr std::string_view kKeyBytes0Base64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

TEST(DataKeyTest, SealOpenRoundTrip) {
  const DataKey key = DataKey::FromBytes(KeyBytes(1));
  const std::string values[] = {
      "",
      "N12345678",
      "Әлібек Нұрсұлтанұлы Жақсыбеков",
      std::string("with\0nul", 8),
      std::string(10000, 'x'),
  };
  for (const std::string& value : values) {
    SCOPED_TRACE(value.substr(0, 40));
    const std::string sealed = key.Seal(value, kPassportField);
    EXPECT_THAT(sealed, StartsWith("v1." + key.id() + "."));
    EXPECT_EQ(sealed.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                       "0123456789-_."),
              std::string::npos);
    EXPECT_EQ(SealedKeyId(sealed), key.id());
    const auto opened = key.Open(sealed, kPassportField);
    ASSERT_TRUE(opened.has_value()) << opened.error().message;
    EXPECT_EQ(*opened, value);
  }
}

TEST(DataKeyTest, SealedTextDoesNotContainThePlaintext) {
  const DataKey key = DataKey::FromBytes(KeyBytes(1));
  EXPECT_THAT(key.Seal("N12345678", kPassportField), Not(HasSubstr("N12345678")));
}

TEST(DataKeyTest, SealingTwiceGivesDifferentText) {
  const DataKey key = DataKey::FromBytes(KeyBytes(1));
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) seen.insert(key.Seal("N12345678", kPassportField));
  EXPECT_EQ(seen.size(), 50u);
}

TEST(DataKeyTest, TamperingAnyPayloadCharacterFailsAuthentication) {
  const DataKey key = DataKey::FromBytes(KeyBytes(1));
  for (const std::string value : {"", "N12345678"}) {
    const std::string sealed = key.Seal(value, kPassportField);
    const size_t payload_start = sealed.rfind('.') + 1;
    for (size_t i = payload_start; i < sealed.size(); ++i) {
      std::string tampered = sealed;
      tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
      SCOPED_TRACE(tampered);
      const auto opened = key.Open(tampered, kPassportField);
      ASSERT_FALSE(opened.has_value());
      EXPECT_EQ(opened.error().code, core::ErrorCode::kInvalidArgument);
    }
  }
  // A flipped character in the middle is an authentication failure, not a format error.
  std::string tampered = key.Seal("N12345678", kPassportField);
  tampered[tampered.size() - 10] = tampered[tampered.size() - 10] == 'A' ? 'B' : 'A';
  const auto opened = key.Open(tampered, kPassportField);
  ASSERT_FALSE(opened.has_value());
  EXPECT_THAT(opened.error().message, HasSubstr("failed authentication"));
}

TEST(DataKeyTest, ValueDoesNotOpenForAnotherField) {
  const DataKey key = DataKey::FromBytes(KeyBytes(1));
  const std::string sealed = key.Seal("N12345678", kPassportField);
  const auto opened = key.Open(sealed, "workers.full_name");
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, core::ErrorCode::kInvalidArgument);
  EXPECT_THAT(opened.error().message, HasSubstr("failed authentication"));
}

TEST(DataKeyTest, ValueDoesNotOpenUnderAnotherKey) {
  const DataKey key = DataKey::FromBytes(KeyBytes(1));
  const DataKey other = DataKey::FromBytes(KeyBytes(2));
  ASSERT_NE(key.id(), other.id());
  const auto opened = other.Open(key.Seal("N12345678", kPassportField), kPassportField);
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, core::ErrorCode::kInvalidArgument);
  EXPECT_THAT(opened.error().message, HasSubstr("another key"));
  EXPECT_THAT(opened.error().message, HasSubstr(key.id()));
}

TEST(DataKeyTest, ValueWithForgedKeyIdFailsAuthentication) {
  // Rewriting the id to the other key's does not make the ciphertext open.
  const DataKey key = DataKey::FromBytes(KeyBytes(1));
  const DataKey other = DataKey::FromBytes(KeyBytes(2));
  std::string sealed = key.Seal("N12345678", kPassportField);
  sealed.replace(3, key.id().size(), other.id());
  const auto opened = other.Open(sealed, kPassportField);
  ASSERT_FALSE(opened.has_value());
  EXPECT_THAT(opened.error().message, HasSubstr("failed authentication"));
}

TEST(DataKeyTest, RejectsMalformedSealedText) {
  const DataKey key = DataKey::FromBytes(KeyBytes(1));
  const std::string& id = key.id();
  const std::string cases[] = {
      "",
      "N12345678",
      "v1.",
      "v1." + id,
      "v2." + id + "." + key.Seal("x", kPassportField).substr(4 + id.size()),
      "v1." + id.substr(1) + ".AAAA",
      "v1." + id + ".",
      "v1." + id + ".AAAA",      // shorter than nonce and tag
      "v1." + id + ".!!!!",      // not base64url
      "v1." + id + ".AAAA+/AA",  // standard alphabet, not url-safe
  };
  for (const std::string& sealed : cases) {
    SCOPED_TRACE(sealed);
    const auto opened = key.Open(sealed, kPassportField);
    ASSERT_FALSE(opened.has_value());
    EXPECT_EQ(opened.error().code, core::ErrorCode::kInvalidArgument);
    EXPECT_THAT(opened.error().message, HasSubstr("malformed"));
  }
}

TEST(DataKeyTest, SealedKeyIdOfMalformedTextIsEmpty) {
  EXPECT_EQ(SealedKeyId(""), "");
  EXPECT_EQ(SealedKeyId("N12345678"), "");
  EXPECT_EQ(SealedKeyId("v1.0123456789abcdef"), "");
  EXPECT_EQ(SealedKeyId("v1.0123456789ABCDEF.AAAA"), "");
  EXPECT_EQ(SealedKeyId("v1.0123456789abcdef.AAAA"), "0123456789abcdef");
}

TEST(DataKeyTest, KeyIdIsAStableFingerprint) {
  const DataKey key = DataKey::FromBytes(KeyBytes(1));
  EXPECT_EQ(key.id().size(), 16u);
  EXPECT_EQ(key.id().find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(DataKey::FromBytes(KeyBytes(1)).id(), key.id());
  EXPECT_NE(DataKey::FromBytes(KeyBytes(2)).id(), key.id());
}

TEST(DataKeyTest, BlindIndexIsDeterministicPerKeyAndKind) {
  const DataKey key = DataKey::FromBytes(KeyBytes(1));
  const DataKey other = DataKey::FromBytes(KeyBytes(2));
  const std::string index = key.BlindIndex("iin", "850315401231");
  EXPECT_EQ(index.size(), 64u);
  EXPECT_EQ(index.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(key.BlindIndex("iin", "850315401231"), index);
  EXPECT_EQ(DataKey::FromBytes(KeyBytes(1)).BlindIndex("iin", "850315401231"), index);
  EXPECT_NE(other.BlindIndex("iin", "850315401231"), index);
  EXPECT_NE(key.BlindIndex("passport", "850315401231"), index);
  EXPECT_NE(key.BlindIndex("iin", "850315401232"), index);
  // The separator keeps kind and value apart.
  EXPECT_NE(key.BlindIndex("ab", "c"), key.BlindIndex("a", "bc"));
  EXPECT_NE(key.BlindIndex("iin", ""), key.BlindIndex("ii", "n"));
}

// Golden values pin the derivations and the sealed format: if one of these changes, data already
// stored can no longer be opened or found. The id and the index were cross-checked with Python
// hashlib.blake2b (crypto_kdf = BLAKE2b keyed with the master key, salt = subkey id, person =
// context).
TEST(DataKeyTest, KnownAnswers) {
  const DataKey key = DataKey::FromBytes(KeyBytes(0));
  EXPECT_EQ(key.id(), "c4cf77c48a70fd73");
  EXPECT_EQ(key.BlindIndex("iin", "850315401231"),
            "db041e1d09b565660abec6d8f194a533d0794d4831bfb578c0aa4ac1528dbca6");
  const auto opened = key.Open(
      "v1.c4cf77c48a70fd73.c_Qv3dRapfWqDRngew-MkV7Ih1D4hnHziSw_7faCifBSenrscJVSkEzXV357_iG-0A",
      kPassportField);
  ASSERT_TRUE(opened.has_value()) << opened.error().message;
  EXPECT_EQ(*opened, "N12345678");
}

TEST(DataKeyTest, CopiesShareTheKey) {
  const DataKey key = DataKey::FromBytes(KeyBytes(1));
  const std::string sealed = key.Seal("N12345678", kPassportField);
  DataKey copy = key;
  DataKey moved = std::move(copy);
  EXPECT_EQ(moved.id(), key.id());
  EXPECT_EQ(moved.Open(sealed, kPassportField).value(), "N12345678");
}

// Key files in a private temporary directory, removed afterwards.
class DataKeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "kenes-datakey-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string PathOf(const std::string& name) const { return (dir_ / name).string(); }

  std::string WriteFile(const std::string& name, std::string_view content, mode_t mode) const {
    std::string path = PathOf(name);
    std::ofstream(path, std::ios::binary) << content;
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    return path;
  }

  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }

  std::filesystem::path dir_;
};

TEST_F(DataKeyFileTest, LoadsAKeyFile) {
  const std::string expected_id = DataKey::FromBytes(KeyBytes(0)).id();
  for (const std::string& content :
       {std::string(kKeyBytes0Base64), std::string(kKeyBytes0Base64) + "\n",
        std::string(kKeyBytes0Base64) + "\r\n"}) {
    const std::string path = WriteFile("data.key", content, 0600);
    const auto key = DataKey::Load(path);
    ASSERT_TRUE(key.has_value()) << key.error().message;
    EXPECT_EQ(key->id(), expected_id);
  }
  // Owner read-only is fine too.
  const auto key = DataKey::Load(WriteFile("readonly.key", kKeyBytes0Base64, 0400));
  ASSERT_TRUE(key.has_value()) << key.error().message;
}

TEST_F(DataKeyFileTest, MissingFileIsAnErrorNamingThePath) {
  const std::string path = PathOf("absent.key");
  const auto key = DataKey::Load(path);
  ASSERT_FALSE(key.has_value());
  EXPECT_EQ(key.error().code, core::ErrorCode::kInvalidArgument);
  EXPECT_THAT(key.error().message, HasSubstr(path));
  EXPECT_THAT(key.error().message, HasSubstr("does not exist"));
}

TEST_F(DataKeyFileTest, DirectoryIsNotAKeyFile) {
  ASSERT_EQ(::chmod(dir_.c_str(), 0700), 0);
  const auto key = DataKey::Load(dir_.string());
  ASSERT_FALSE(key.has_value());
  EXPECT_THAT(key.error().message, HasSubstr("not a regular file"));
}

TEST_F(DataKeyFileTest, RejectsContentThatIsNot32BytesOfBase64) {
  const std::string cases[] = {
      "",
      "\n",
      "not a key",
      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==",      // 31 bytes
      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g",      // 33 bytes
      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",       // missing padding
      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\nAA",  // two lines
      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" + std::string(2000, ' '),
  };
  for (const std::string& content : cases) {
    SCOPED_TRACE(content.substr(0, 60));
    const std::string path = WriteFile("bad.key", content, 0600);
    const auto key = DataKey::Load(path);
    ASSERT_FALSE(key.has_value());
    EXPECT_EQ(key.error().code, core::ErrorCode::kInvalidArgument);
    EXPECT_THAT(key.error().message, HasSubstr(path));
    EXPECT_THAT(key.error().message, HasSubstr("32 bytes"));
    if (content.size() >= 8) {
      EXPECT_THAT(key.error().message, Not(HasSubstr(content.substr(0, 8))));
    }
  }
}

TEST_F(DataKeyFileTest, RejectsAFileOthersCanRead) {
  for (const mode_t mode : {0644, 0640, 0604, 0660, 0620}) {
    SCOPED_TRACE(mode);
    const std::string path = WriteFile("open.key", kKeyBytes0Base64, mode);
    const auto key = DataKey::Load(path);
    ASSERT_FALSE(key.has_value());
    EXPECT_EQ(key.error().code, core::ErrorCode::kInvalidArgument);
    EXPECT_THAT(key.error().message, HasSubstr(path));
    EXPECT_THAT(key.error().message, HasSubstr("must not be readable by others (chmod 600)"));
    EXPECT_THAT(key.error().message, Not(HasSubstr(kKeyBytes0Base64.substr(0, 8))));
  }
}

TEST_F(DataKeyFileTest, CreateThenLoadGivesTheSameKey) {
  const std::string path = PathOf("new.key");
  const auto created = DataKey::Create(path);
  ASSERT_TRUE(created.has_value()) << created.error().message;

  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  const std::string content = ReadFile(path);
  EXPECT_EQ(content.size(), 45u);  // 44 base64 characters and a newline
  EXPECT_EQ(content.back(), '\n');

  const auto loaded = DataKey::Load(path);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  EXPECT_EQ(loaded->id(), created->id());
  EXPECT_EQ(loaded->Open(created->Seal("N12345678", kPassportField), kPassportField).value(),
            "N12345678");
  EXPECT_EQ(loaded->BlindIndex("iin", "850315401231"), created->BlindIndex("iin", "850315401231"));
}

TEST_F(DataKeyFileTest, CreateMakesADifferentKeyEachTime) {
  const auto a = DataKey::Create(PathOf("a.key"));
  const auto b = DataKey::Create(PathOf("b.key"));
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_NE(a->id(), b->id());
}

TEST_F(DataKeyFileTest, CreateRefusesAnExistingFile) {
  const std::string path = WriteFile("existing.key", kKeyBytes0Base64, 0600);
  const auto created = DataKey::Create(path);
  ASSERT_FALSE(created.has_value());
  EXPECT_EQ(created.error().code, core::ErrorCode::kConflict);
  EXPECT_THAT(created.error().message, HasSubstr(path));
  EXPECT_EQ(ReadFile(path), kKeyBytes0Base64);
}

TEST_F(DataKeyFileTest, CreateInAMissingDirectoryFails) {
  const auto created = DataKey::Create(PathOf("no/such/dir.key"));
  ASSERT_FALSE(created.has_value());
  EXPECT_EQ(created.error().code, core::ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace kenes::registry
