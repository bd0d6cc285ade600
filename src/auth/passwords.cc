#include "auth/passwords.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>

#include "core/crypto.h"

namespace kenes::auth {
namespace {

void Limits(PasswordCost cost, unsigned long long* ops, size_t* mem) {
  switch (cost) {
    case PasswordCost::kModerate:
      *ops = crypto_pwhash_OPSLIMIT_MODERATE;
      *mem = crypto_pwhash_MEMLIMIT_MODERATE;
      return;
    case PasswordCost::kMin:
      *ops = crypto_pwhash_OPSLIMIT_MIN;
      *mem = crypto_pwhash_MEMLIMIT_MIN;
      return;
    case PasswordCost::kInteractive:
      break;
  }
  *ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
  *mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
}

size_t Utf8Length(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

PasswordCost ParsePasswordCost(std::string_view name) {
  if (name == "moderate") return PasswordCost::kModerate;
  if (name == "min") return PasswordCost::kMin;
  return PasswordCost::kInteractive;
}

std::string HashPassword(std::string_view password, PasswordCost cost) {
  core::InitCrypto();
  unsigned long long ops = 0;
  size_t mem = 0;
  Limits(cost, &ops, &mem);
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), ops, mem,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw core::Failure(
        core::Error{core::ErrorCode::kInternal, "out of memory hashing a password", "", {}});
  }
  return out;
}

bool VerifyPassword(std::string_view encoded, std::string_view password) {
  core::InitCrypto();
  if (encoded.size() >= crypto_pwhash_STRBYTES) return false;
  const std::string z(encoded);  // NUL-terminated copy
  return crypto_pwhash_str_verify(z.c_str(), password.data(), password.size()) == 0;
}

void VerifyDummy(std::string_view password, PasswordCost cost) {
  static const std::string dummy = HashPassword("not-a-real-password-xx", cost);
  (void)VerifyPassword(dummy, password);
}

core::Status CheckPasswordRules(std::string_view password, std::string_view username) {
  const size_t n = Utf8Length(password);
  if (n < 12) {
    return core::Fail(core::ErrorCode::kUnprocessable,
                      "password must be at least 12 characters long", "weak-password");
  }
  if (password.size() > 1024) {
    return core::Fail(core::ErrorCode::kUnprocessable, "password must be at most 1024 bytes",
                      "weak-password");
  }
  if (!username.empty() && Lower(password).find(Lower(username)) != std::string::npos) {
    return core::Fail(core::ErrorCode::kUnprocessable, "password must not contain the username",
                      "weak-password");
  }
  if (std::all_of(password.begin(), password.end(), [&](char c) { return c == password[0]; })) {
    return core::Fail(core::ErrorCode::kUnprocessable,
                      "password must not be one repeated character", "weak-password");
  }
  return {};
}

}  // namespace kenes::auth
