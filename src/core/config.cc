#include "core/config.h"

#include <toml++/toml.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace kenes::core {
namespace {

// One configurable key. Setters return an empty string on success, else the problem.
struct Key {
  const char* section;
  const char* name;
  std::function<std::string(Config&, const std::string&)> set_text;  // from the environment
  std::function<std::string(Config&, const toml::node&)> set_toml;   // from the file
};

std::string ParseIntInRange(const std::string& text, int lo, int hi, int* out) {
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0) return "'" + text + "' is not an integer";
  if (v < lo || v > hi) {
    return "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + text;
  }
  *out = static_cast<int>(v);
  return {};
}

Key IntKey(const char* section, const char* name, int lo, int hi,
           std::function<int&(Config&)> field) {
  return Key{section, name,
             [=](Config& c, const std::string& t) { return ParseIntInRange(t, lo, hi, &field(c)); },
             [=](Config& c, const toml::node& n) -> std::string {
               const auto v = n.value<int64_t>();
               if (!n.is_integer() || !v) return "must be an integer";
               return ParseIntInRange(std::to_string(*v), lo, hi, &field(c));
             }};
}

Key StringKey(const char* section, const char* name, std::function<std::string&(Config&)> field,
              std::function<std::string(const std::string&)> check = nullptr) {
  auto apply = [=](Config& c, const std::string& t) -> std::string {
    if (check) {
      if (auto problem = check(t); !problem.empty()) return problem;
    }
    field(c) = t;
    return {};
  };
  return Key{section, name, apply, [=](Config& c, const toml::node& n) -> std::string {
               if (!n.is_string()) return "must be a string";
               return apply(c, *n.value<std::string>());
             }};
}

Key BoolKey(const char* section, const char* name, std::function<bool&(Config&)> field) {
  return Key{section, name,
             [=](Config& c, const std::string& t) -> std::string {
               if (t == "true" || t == "1") {
                 field(c) = true;
               } else if (t == "false" || t == "0") {
                 field(c) = false;
               } else {
                 return "must be true or false, got '" + t + "'";
               }
               return {};
             },
             [=](Config& c, const toml::node& n) -> std::string {
               if (!n.is_boolean()) return "must be true or false";
               field(c) = *n.value<bool>();
               return {};
             }};
}

std::string CheckOneOf(const std::string& v, std::initializer_list<const char*> allowed) {
  std::string list;
  for (const char* a : allowed) {
    if (v == a) return {};
    list += list.empty() ? "" : ", ";
    list += a;
  }
  return "must be one of " + list + ", got '" + v + "'";
}

std::string CheckDatabaseUrl(const std::string& v) {
  if (v.rfind("sqlite:", 0) == 0 && v.size() > 7) return {};
  if (v.rfind("postgresql://", 0) == 0 || v.rfind("postgres://", 0) == 0) return {};
  return "must start with sqlite:PATH or postgresql://";
}

std::string CheckListen(const std::string& v) {
  const auto colon = v.rfind(':');
  if (colon == std::string::npos || colon == 0) return "must be HOST:PORT, got '" + v + "'";
  int port = 0;
  if (auto p = ParseIntInRange(v.substr(colon + 1), 0, 65535, &port); !p.empty()) {
    return "port " + p;
  }
  return {};
}

const std::vector<Key>& Keys() {
  static const std::vector<Key> keys = {
      StringKey(
          "database", "url", [](Config& c) -> std::string& { return c.database.url; },
          CheckDatabaseUrl),
      IntKey("database", "pool_size", 1, 256,
             [](Config& c) -> int& { return c.database.pool_size; }),
      StringKey("data", "key_file", [](Config& c) -> std::string& { return c.data.key_file; }),
      StringKey(
          "server", "listen", [](Config& c) -> std::string& { return c.server.listen; },
          CheckListen),
      IntKey("server", "threads", 1, 256, [](Config& c) -> int& { return c.server.threads; }),
      IntKey("server", "max_connections", 1, 1000000,
             [](Config& c) -> int& { return c.server.max_connections; }),
      IntKey("server", "max_header_bytes", 1024, 1 << 20,
             [](Config& c) -> int& { return c.server.max_header_bytes; }),
      IntKey("server", "max_body_bytes", 1024, 1 << 30,
             [](Config& c) -> int& { return c.server.max_body_bytes; }),
      IntKey("server", "max_upload_bytes", 1024, 1 << 30,
             [](Config& c) -> int& { return c.server.max_upload_bytes; }),
      IntKey("server", "request_timeout_seconds", 1, 3600,
             [](Config& c) -> int& { return c.server.request_timeout_seconds; }),
      IntKey("server", "idle_timeout_seconds", 1, 3600,
             [](Config& c) -> int& { return c.server.idle_timeout_seconds; }),
      IntKey("server", "shutdown_grace_seconds", 0, 600,
             [](Config& c) -> int& { return c.server.shutdown_grace_seconds; }),
      StringKey("server", "static_dir",
                [](Config& c) -> std::string& { return c.server.static_dir; }),
      BoolKey("server", "secure_cookies",
              [](Config& c) -> bool& { return c.server.secure_cookies; }),
      StringKey("server", "access_log",
                [](Config& c) -> std::string& { return c.server.access_log; }),
      IntKey("auth", "session_hours", 1, 24 * 30,
             [](Config& c) -> int& { return c.auth.session_hours; }),
      IntKey("auth", "session_idle_minutes", 1, 24 * 60,
             [](Config& c) -> int& { return c.auth.session_idle_minutes; }),
      IntKey("auth", "token_days", 1, 3650, [](Config& c) -> int& { return c.auth.token_days; }),
      IntKey("auth", "session_cache_ms", 0, 60000,
             [](Config& c) -> int& { return c.auth.session_cache_ms; }),
      StringKey(
          "auth", "password_cost", [](Config& c) -> std::string& { return c.auth.password_cost; },
          [](const std::string& v) {
            return CheckOneOf(v, {"interactive", "moderate", "min"});
          }),
      IntKey("auth", "max_failures_per_account", 1, 1000,
             [](Config& c) -> int& { return c.auth.max_failures_per_account; }),
      IntKey("auth", "max_failures_per_address", 1, 100000,
             [](Config& c) -> int& { return c.auth.max_failures_per_address; }),
      IntKey("auth", "failure_window_minutes", 1, 24 * 60,
             [](Config& c) -> int& { return c.auth.failure_window_minutes; }),
      StringKey(
          "log", "level", [](Config& c) -> std::string& { return c.log_level; },
          [](const std::string& v) {
            return CheckOneOf(v, {"trace", "debug", "info", "warn", "error", "off"});
          }),
  };
  return keys;
}

std::string EnvName(const Key& k) {
  std::string name = std::string("KENES_") + k.section + "_" + k.name;
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe): read at start
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

Result<Config> LoadConfig(const std::string& toml_path, const EnvLookup& env) {
  Config config;
  std::vector<std::string> problems;
  if (!toml_path.empty()) {
    std::ifstream in(toml_path);
    if (!in) return Fail(ErrorCode::kInvalidArgument, toml_path + ": cannot open config file");
    std::stringstream text;
    text << in.rdbuf();
    toml::table root;
    try {
      root = toml::parse(text.str(), toml_path);
    } catch (const toml::parse_error& e) {
      const auto& where = e.source().begin;
      return Fail(ErrorCode::kInvalidArgument, toml_path + ":" + std::to_string(where.line) + ":" +
                                                   std::to_string(where.column) + ": " +
                                                   std::string(e.description()));
    }
    for (const auto& [section_name, section_node] : root) {
      const auto* section = section_node.as_table();
      const std::string sname(section_name.str());
      const std::string line = toml_path + ":" + std::to_string(section_node.source().begin.line);
      if (section == nullptr) {
        problems.push_back(line + ": " + sname + ": expected a [section]");
        continue;
      }
      for (const auto& [key_name, value] : *section) {
        const std::string kname(key_name.str());
        const std::string where = toml_path + ":" + std::to_string(value.source().begin.line) +
                                  ": " + sname + "." + kname;
        const Key* found = nullptr;
        for (const Key& k : Keys()) {
          if (sname == k.section && kname == k.name) found = &k;
        }
        if (found == nullptr) {
          problems.push_back(where + ": unknown key");
        } else if (auto p = found->set_toml(config, value); !p.empty()) {
          problems.push_back(where + ": " + p);
        }
      }
    }
  }
  for (const Key& k : Keys()) {
    const std::string name = EnvName(k);
    if (auto v = env(name)) {
      if (auto p = k.set_text(config, *v); !p.empty()) {
        problems.push_back("environment: " + name + ": " + p);
      }
    }
  }
  if (!problems.empty()) {
    std::string message;
    for (const auto& p : problems) message += (message.empty() ? "" : "\n") + p;
    return Fail(ErrorCode::kInvalidArgument, message);
  }
  return config;
}

}  // namespace kenes::core
