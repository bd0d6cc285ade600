#include "api/http_server.h"

// clang-format off
// Boost 1.74's asio misses <utility> under GCC 12 in C++20 mode (std::exchange): include it first.
#include <utility>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
// clang-format on

#include <atomic>
#include <csignal>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

namespace kenes::api {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

class Connection;

class HttpServer::Impl {
 public:
  Impl(ServerLimits limits, Handler handler, ErrorRenderer render)
      : limits_(limits),
        handler_(std::move(handler)),
        render_(std::move(render)),
        ioc_(limits.threads),
        acceptor_(net::make_strand(ioc_)) {}

  core::Status Listen(const std::string& host, unsigned short port);
  void Run(bool handle_signals);
  void Shutdown();
  void Accept();

  // Connection bookkeeping, so that shutdown can wait for and close them.
  void Register(Connection* c);
  void Unregister(Connection* c);

  ServerLimits limits_;
  Handler handler_;
  ErrorRenderer render_;
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  unsigned short port_ = 0;

  std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_set<Connection*> connections_;  // GUARDED_BY(mu_)
  bool stop_requested_ = false;                  // GUARDED_BY(mu_)
  std::function<void()> on_shutdown_;
};

// One TCP connection: reads requests one after another (keep-alive) on its own strand.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket&& socket, HttpServer::Impl& server, bool over_capacity)
      : stream_(std::move(socket)), server_(server), over_capacity_(over_capacity) {
    beast::error_code ec;
    const auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
    stream_.socket().set_option(tcp::no_delay(true), ec);
  }
  ~Connection() { server_.Unregister(this); }

  void Start() {
    server_.Register(this);
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (self->over_capacity_) {
        self->SendError(503, "over-capacity",
                        "the server is at its connection limit; retry shortly");
      } else {
        self->ReadHeader();
      }
    });
  }

  // Closes the connection if it is waiting for a request (on the connection's strand).
  static void CloseIfIdle(const std::shared_ptr<Connection>& connection) {
    net::post(connection->stream_.get_executor(), [self = connection] {
      if (!self->busy_) {
        beast::error_code ec;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
        self->stream_.socket().close(ec);
      }
    });
  }

 private:
  void ReadHeader() {
    busy_ = false;
    if (server_.stopping_) return Close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.limits_.max_header_bytes));
    // The parser checks Content-Length against this while reading the header: allow the larger
    // limit there and hold each request to its own in OnHeader.
    parser_->body_limit(std::max(server_.limits_.max_body_bytes, server_.limits_.max_upload_bytes));
    stream_.expires_after(server_.limits_.idle_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    busy_ = true;
    const auto& header = parser_->get();
    limit_ =
        server_.limits_.is_upload &&
                server_.limits_.is_upload(
                    std::string_view(header.method_string().data(), header.method_string().size()),
                    std::string_view(header.target().data(), header.target().size()))
            ? server_.limits_.max_upload_bytes
            : server_.limits_.max_body_bytes;
    parser_->body_limit(limit_);  // for chunked bodies, counted as they arrive
    const auto length = parser_->content_length();
    if (length && *length > limit_) {
      return SendError(413, "body-too-large",
                       "the body is larger than " + std::to_string(limit_) + " bytes");
    }
    stream_.expires_after(server_.limits_.request_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code e, std::size_t) { self->OnBody(e); });
  }

  void OnBody(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    auto& req = parser_->get();
    HttpRequest request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    request.headers.reserve(8);
    for (const auto& field : req) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    request.body = std::move(req.body());
    request.remote_address = remote_;
    const bool keep_alive = req.keep_alive();
    const bool head = req.method() == http::verb::head;
    HttpResponse response = server_.handler_(request);
    Send(std::move(response), keep_alive && !server_.stopping_, head);
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::header_limit) {
      return SendError(431, "header-too-large",
                       "the request header is larger than " +
                           std::to_string(server_.limits_.max_header_bytes) + " bytes");
    }
    if (ec == http::error::body_limit) {
      return SendError(413, "body-too-large",
                       "the body is larger than " + std::to_string(limit_) + " bytes");
    }
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset ||
        ec == net::error::eof || ec == net::error::bad_descriptor ||
        ec == http::error::partial_message) {
      return Close();
    }
    // Anything else is a request Beast could not parse.
    SendError(400, "malformed-request", "the request is not valid HTTP/1.1: " + ec.message());
  }

  void SendError(int status, const std::string& slug, const std::string& detail) {
    busy_ = true;
    Send(server_.render_(status, slug, detail), false, false);
  }

  void Send(HttpResponse response, bool keep_alive, bool head) {
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(11);
    res->result(static_cast<unsigned>(response.status));
    for (auto& [k, v] : response.headers) res->insert(k, v);
    if (response.fixed_headers != nullptr) {
      for (const auto& [k, v] : *response.fixed_headers) {
        res->insert(beast::string_view(k.data(), k.size()), beast::string_view(v.data(), v.size()));
      }
    }
    res->set(http::field::server, "kenes");
    const auto size = response.body.size();
    res->body() = head ? std::string() : std::move(response.body);
    res->keep_alive(keep_alive);
    if (head) {
      res->content_length(size);  // the size a GET would send, without the body
    } else {
      res->prepare_payload();
    }
    stream_.expires_after(server_.limits_.request_timeout);
    http::async_write(
        stream_, *res,
        [self = shared_from_this(), res, keep_alive](beast::error_code ec, std::size_t) {
          if (ec || !keep_alive) return self->Close();
          self->ReadHeader();
        });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpServer::Impl& server_;
  bool over_capacity_;
  bool busy_ = false;
  size_t limit_ = 0;  // the body limit of the request being read
  std::string remote_;
};

core::Status HttpServer::Impl::Listen(const std::string& host, unsigned short port) {
  beast::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (ec)
    return core::Fail(core::ErrorCode::kInvalidArgument,
                      "cannot listen on '" + host + "': not an IP address");
  const tcp::endpoint endpoint(address, port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return core::Fail(
        core::ErrorCode::kUnavailable,
        "cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint().port();
  return {};
}

void HttpServer::Impl::Accept() {
  acceptor_.async_accept(net::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || stopping_) return;
    } else {
      size_t open = 0;
      {
        std::lock_guard lock(mu_);
        open = connections_.size();
      }
      const bool over = open >= static_cast<size_t>(limits_.max_connections);
      std::make_shared<Connection>(std::move(socket), *this, over)->Start();
    }
    if (!stopping_) Accept();
  });
}

void HttpServer::Impl::Register(Connection* c) {
  std::lock_guard lock(mu_);
  connections_.insert(c);
}

void HttpServer::Impl::Unregister(Connection* c) {
  std::lock_guard lock(mu_);
  connections_.erase(c);
  cv_.notify_all();
}

void HttpServer::Impl::Shutdown() {
  std::lock_guard lock(mu_);
  stop_requested_ = true;
  cv_.notify_all();
}

void HttpServer::Impl::Run(bool handle_signals) {
  auto guard = net::make_work_guard(ioc_);
  std::optional<net::signal_set> signals;
  if (handle_signals) {
    signals.emplace(ioc_, SIGTERM, SIGINT);
    signals->async_wait([this](beast::error_code ec, int) {
      if (!ec) Shutdown();
    });
  }
  Accept();
  std::vector<std::thread> threads;
  for (int i = 0; i < limits_.threads; ++i) threads.emplace_back([this] { ioc_.run(); });

  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return stop_requested_; });
  stopping_ = true;
  lock.unlock();
  if (on_shutdown_) on_shutdown_();
  net::post(acceptor_.get_executor(), [this] {
    beast::error_code ec;
    acceptor_.close(ec);
  });
  if (signals) {
    net::post(ioc_, [&signals] {
      beast::error_code ec;
      signals->cancel(ec);
    });
  }
  std::vector<std::shared_ptr<Connection>> open;
  lock.lock();
  for (Connection* c : connections_) {
    // A connection being destroyed (no owners left) is already closing.
    if (auto alive = c->weak_from_this().lock()) open.push_back(std::move(alive));
  }
  lock.unlock();
  for (const auto& c : open) Connection::CloseIfIdle(c);
  open.clear();  // may run destructors, which take mu_
  lock.lock();
  // In-flight requests finish and close their connections; stragglers are cut at the deadline.
  cv_.wait_for(lock, limits_.shutdown_grace, [this] { return connections_.empty(); });
  lock.unlock();
  ioc_.stop();
  for (auto& t : threads) t.join();
  if (signals) {
    // Removing the set restores the default action; a second SIGTERM during the last steps of
    // a clean exit (a supervisor repeating itself) must not turn status 0 into 143.
    signals.reset();
    std::signal(SIGTERM, SIG_IGN);
    std::signal(SIGINT, SIG_IGN);
  }
}

HttpServer::HttpServer(ServerLimits limits, Handler handler, ErrorRenderer render_error)
    : impl_(std::make_unique<Impl>(limits, std::move(handler), std::move(render_error))) {}

HttpServer::~HttpServer() = default;

core::Status HttpServer::Listen(const std::string& host, unsigned short port) {
  return impl_->Listen(host, port);
}

unsigned short HttpServer::port() const { return impl_->port_; }

void HttpServer::Run(bool handle_signals) { impl_->Run(handle_signals); }

void HttpServer::Shutdown() { impl_->Shutdown(); }

bool HttpServer::shutting_down() const { return impl_->stopping_; }

void HttpServer::OnShutdown(std::function<void()> callback) {
  impl_->on_shutdown_ = std::move(callback);
}

}  // namespace kenes::api
