// Password hashing with argon2id (libsodium's crypto_pwhash_str) and the password rules.
// Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"

namespace kenes::auth {

enum class PasswordCost { kInteractive, kModerate, kMin };
PasswordCost ParsePasswordCost(std::string_view name);  // unknown names give kInteractive

// An encoded argon2id hash (algorithm, parameters and salt included).
std::string HashPassword(std::string_view password, PasswordCost cost);
// True when `password` matches `encoded`. A malformed `encoded` never matches.
bool VerifyPassword(std::string_view encoded, std::string_view password);
// Burns the same time as a real verification, so unknown accounts answer as slowly as known ones.
void VerifyDummy(std::string_view password, PasswordCost cost);

// The rules a new password must meet (NCSC guidance: length over complexity).
// Errors: kUnprocessable saying which rule.
core::Status CheckPasswordRules(std::string_view password, std::string_view username);

}  // namespace kenes::auth
