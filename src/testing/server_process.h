// Test support for black-box tests: runs the real `kenes` binary (as a CLI command, or as a
// server on 127.0.0.1 with an ephemeral port), and speaks HTTP/1.1 to it. A server started here
// dies with the test process (PR_SET_PDEATHSIG) and is stopped by the destructor.
// Not thread-safe; one per test.
#pragma once

#include <sys/types.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kenes::testing {

// Path of the kenes binary under test.
std::string KenesBinary();

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `kenes args...` with `stdin_text` on standard input and `env` added to the environment.
CommandResult RunKenes(const std::vector<std::string>& args, const std::string& stdin_text = "",
                       const std::map<std::string, std::string>& env = {});
// Runs `program args...` (an absolute path, e.g. mpirun) the same way.
CommandResult RunProgram(const std::string& program, const std::vector<std::string>& args,
                         const std::string& stdin_text = "",
                         const std::map<std::string, std::string>& env = {});

class ServerProcess {
 public:
  // Starts `kenes serve --migrate --database db_url --listen 127.0.0.1:0` plus `extra_args`,
  // with `env` (KENES_AUTH_PASSWORD_COST defaults to "min" and the access log to a file in a
  // temporary directory). Waits until it listens; ADD_FAILUREs and leaves port() == 0 on failure.
  explicit ServerProcess(const std::string& db_url, std::vector<std::string> extra_args = {},
                         std::map<std::string, std::string> env = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  unsigned short port() const { return port_; }
  pid_t pid() const { return pid_; }
  // Sends SIGTERM and waits; returns the exit code (or 128 + signal).
  int Stop();
  // Everything the server wrote to its access log and to stderr so far.
  std::string AccessLog() const;
  std::string Stderr() const;
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  pid_t pid_ = -1;
  unsigned short port_ = 0;
};

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names; repeated ones joined by "\n"
  std::string body;

  nlohmann::json Json() const;
  std::string Header(const std::string& lower_name) const;
};

// A keep-alive HTTP/1.1 client for one server.
class HttpClient {
 public:
  explicit HttpClient(unsigned short port);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResult Request(const std::string& method, const std::string& target,
                     const std::string& body = "",
                     const std::map<std::string, std::string>& headers = {});
  HttpResult Get(const std::string& target,
                 const std::map<std::string, std::string>& headers = {}) {
    return Request("GET", target, "", headers);
  }
  // JSON body with Content-Type application/json.
  HttpResult Send(const std::string& method, const std::string& target, const nlohmann::json& body,
                  const std::map<std::string, std::string>& headers = {});

 private:
  struct Impl;
  Impl* impl_;
};

// Sends `bytes` on a fresh connection and returns everything the server sends back until it
// closes the connection or `timeout_ms` passes.
std::string RawExchange(unsigned short port, const std::string& bytes, int timeout_ms = 5000);

// Parses the first response in `raw` (status and body only).
HttpResult ParseRawResponse(const std::string& raw);

}  // namespace kenes::testing
