// Kenes configuration: defaults, overridden by a TOML file (--config), overridden by KENES_*
// environment variables (KENES_<SECTION>_<KEY>, e.g. KENES_SERVER_THREADS; KENES_DATABASE_URL).
// Validated once at start; every problem is reported, each naming its key and source.
// Thread-safe: an immutable value after loading.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace kenes::core {

struct DatabaseConfig {
  std::string url = "sqlite:var/kenes.db";
  int pool_size = 8;
};

struct ServerConfig {
  std::string listen = "127.0.0.1:8080";
  int threads = 2;
  int max_connections = 1024;
  int max_header_bytes = 16 * 1024;
  int max_body_bytes = 1024 * 1024;
  int max_upload_bytes = 256 * 1024 * 1024;  // the few bulk-upload routes (CLK files)
  int request_timeout_seconds = 30;
  int idle_timeout_seconds = 60;
  int shutdown_grace_seconds = 10;
  std::string static_dir = "web/dist";
  bool secure_cookies = false;
  // "-" for stdout, "off", or a file path. JSON lines, never personal data.
  std::string access_log = "-";
};

struct AuthConfig {
  int session_hours = 12;
  int session_idle_minutes = 60;
  int token_days = 90;
  // How long an authenticated session may be answered from memory. Revocations made through this
  // process take effect at once; those made elsewhere (the CLI, another server) within this time.
  // 0 turns the cache off.
  int session_cache_ms = 1000;
  // argon2id cost: "interactive" (libsodium's interactive limits), "moderate", or "min" (tests).
  std::string password_cost = "interactive";
  int max_failures_per_account = 5;
  int max_failures_per_address = 20;
  int failure_window_minutes = 15;
};

struct DataConfig {
  // The deployment key that encrypts personal data (KENES_DATA_KEY_FILE). Empty: registry
  // routes answer 503 and nothing personal can be stored or read.
  std::string key_file;
};

struct Config {
  DatabaseConfig database;
  DataConfig data;
  ServerConfig server;
  AuthConfig auth;
  std::string log_level = "info";
};

// Reads environment variables; tests pass their own.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup ProcessEnv();

// Loads defaults <- `toml_path` (if non-empty) <- environment. On failure the error message
// lists every problem, one per line, as "<source>: <key>: <what is wrong>".
Result<Config> LoadConfig(const std::string& toml_path, const EnvLookup& env);

}  // namespace kenes::core
