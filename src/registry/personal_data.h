// Encryption at rest of workers' personal data, field by field, and blind indexes for exact
// look-up of encrypted identifiers (IIN, passport number).
//
// A DataKey holds the deployment data key: 32 random bytes kept in a file outside the database
// (one line of base64, mode 0600), named by --data-key-file or KENES_DATA_KEY_FILE. Two subkeys
// are derived from it with crypto_kdf: one for XChaCha20-Poly1305 (context "kenesdat"), one for
// keyed BLAKE2b blind indexes (context "kenesidx"). A missing or wrong key is always an error;
// there is no plaintext fallback.
//
// Sealed text format: "v1." + key id + "." + base64url(nonce || ciphertext), no padding. The key
// id is a short public fingerprint of the key, so a value sealed under another key (e.g. before a
// rotation) is reported as such rather than as tampering.
//
// Thread-safe: a DataKey is immutable after construction; all const methods may be called
// concurrently. Key material is wiped (sodium_memzero) when a DataKey is destroyed.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "core/error.h"

namespace kenes::registry {

class DataKey {
 public:
  static constexpr size_t kKeyBytes = 32;

  // Reads the key file at `path`. Errors name the path and never include key bytes:
  // kInvalidArgument when the file does not exist, is not a regular file, is readable or writable
  // by group or others ("… must not be readable by others (chmod 600)"), or does not hold exactly
  // 32 bytes of standard base64 on one line; kUnavailable when it cannot be opened or read.
  static core::Result<DataKey> Load(const std::string& path);

  // Generates a new random key and writes it to a new file at `path` with mode 0600.
  // Errors: kConflict if `path` already exists (a key is never overwritten); kUnavailable on I/O
  // failure (no partial file is left behind).
  static core::Result<DataKey> Create(const std::string& path);

  // A key from raw bytes, for tests and rotation tooling.
  static DataKey FromBytes(const std::array<unsigned char, kKeyBytes>& bytes);

  DataKey(const DataKey& other) = default;
  DataKey& operator=(const DataKey& other) = default;
  DataKey(DataKey&& other) noexcept = default;
  DataKey& operator=(DataKey&& other) noexcept = default;
  ~DataKey();

  // Public fingerprint of the key: 16 lower-case hex chars (the first 8 bytes of BLAKE2b keyed
  // with the key over a fixed context string). Reveals nothing about the key.
  const std::string& id() const { return id_; }

  // Encrypts one field value with XChaCha20-Poly1305 under a fresh random nonce, binding `context`
  // (e.g. "workers.passport_number") as associated data so that the sealed value only opens for
  // that same field. Sealing the same value twice gives different text.
  std::string Seal(std::string_view plaintext, std::string_view context) const;

  // Decrypts text made by Seal() with this key and the same `context`. Errors (kInvalidArgument):
  // malformed text; "sealed with another key (id …)" when the key id differs; "… failed
  // authentication" when the text was altered or sealed for another context.
  core::Result<std::string> Open(std::string_view sealed, std::string_view context) const;

  // Lower-case hex of keyed BLAKE2b-256 over kind + '\0' + value: a deterministic, per-key token
  // for exact look-up (e.g. kind "iin", "passport"). Equal inputs give equal tokens under one key;
  // without the key the token reveals nothing. REQUIRES: the caller has normalised `value` (IIN
  // digits only, passport number upper-case without spaces), since any difference changes it.
  std::string BlindIndex(std::string_view kind, std::string_view value) const;

 private:
  DataKey() = default;

  std::array<unsigned char, kKeyBytes> seal_key_{};   // crypto_kdf subkey 1, "kenesdat"
  std::array<unsigned char, kKeyBytes> index_key_{};  // crypto_kdf subkey 1, "kenesidx"
  std::string id_;
};

// kUnavailable ("no-data-key") when no key is configured: personal data can then be neither
// stored nor read, by any module.
core::Status RequireKey(const DataKey* key);

// The key id a sealed value was made with, or "" if `sealed` is not in the sealed text format.
// Lets key rotation find values still sealed under an old key.
std::string SealedKeyId(std::string_view sealed);

}  // namespace kenes::registry
