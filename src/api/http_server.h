// The HTTP/1.1 server: Boost.Beast over asio, a fixed pool of threads, and the limits a public
// service needs (header and body size, request and idle time, concurrent connections). Requests
// are handed to one handler as plain HttpRequest values; errors found before a request is whole
// (too large, malformed, over capacity) are rendered by an ErrorRenderer as problem+json.
// Shutdown (SIGTERM/SIGINT, or Shutdown()) stops accepting, lets in-flight requests finish,
// closes idle keep-alive connections and returns from Run.
// Thread-safe: Shutdown() may be called from any thread; everything else from the owner.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "api/http_types.h"
#include "core/error.h"

namespace kenes::api {

struct ServerLimits {
  int threads = 2;
  int max_connections = 1024;
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 1024 * 1024;
  // Bulk uploads (a CLK file of a whole registry) may be larger: requests `is_upload` accepts
  // get max_upload_bytes instead.
  size_t max_upload_bytes = 1024 * 1024;
  std::function<bool(std::string_view method, std::string_view target)> is_upload;
  std::chrono::seconds request_timeout{30};  // to receive the body and send the answer
  std::chrono::seconds idle_timeout{60};     // to receive a request's header
  std::chrono::seconds shutdown_grace{10};   // for in-flight requests after a stop
};

class HttpServer {
 public:
  // Handles one complete request. Called on a server thread; may block (database work).
  using Handler = std::function<HttpResponse(HttpRequest&)>;
  // Renders an error the server found itself: status, problem slug, detail.
  using ErrorRenderer = std::function<HttpResponse(int, const std::string&, const std::string&)>;

  HttpServer(ServerLimits limits, Handler handler, ErrorRenderer render_error);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens on host:port (port 0 picks a free one). Errors: kUnavailable.
  core::Status Listen(const std::string& host, unsigned short port);
  // The bound port. REQUIRES: Listen succeeded.
  unsigned short port() const;
  // Serves until Shutdown() or, with `handle_signals`, SIGTERM/SIGINT. Blocks.
  void Run(bool handle_signals);
  void Shutdown();
  bool shutting_down() const;
  // Called once, on the thread that runs Run, when a stop begins. Set before Run.
  void OnShutdown(std::function<void()> callback);

  class Impl;  // public only so that the .cc's connection class can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace kenes::api
