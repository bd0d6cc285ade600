// Thin wrappers over libsodium for the primitives every module needs: random tokens, SHA-256,
// constant-time comparison, base64url. Thread-safe once InitCrypto() has run (it runs itself).
#pragma once

#include <string>
#include <string_view>

namespace kenes::core {

// Initialises libsodium; idempotent. Aborts the process if the library cannot start, since
// nothing secure can happen without a working RNG.
void InitCrypto();

// `bytes` random bytes from the OS CSPRNG, base64url without padding.
std::string RandomToken(size_t bytes);
// Lower-case hex of SHA-256(data).
std::string Sha256Hex(std::string_view data);
// Comparison whose time does not depend on where `a` and `b` differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);
std::string ToHex(std::string_view bytes);

}  // namespace kenes::core
