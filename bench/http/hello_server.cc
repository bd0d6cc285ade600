// hello_server: the smallest useful Boost.Beast HTTP/1.1 server, used by bench/http/run.sh as the
// ceiling of this machine. Every request gets 200 and {"status":"ok"}; connections are kept alive.
// It uses the same building blocks as kenes' HttpServer (asio io_context on N threads, a strand
// per connection, beast::tcp_stream, flat_buffer, string_body) minus everything kenes does per
// request (routing, authentication, JSON rendering, security headers, access log).
//
//   hello_server PORT [--threads N] [--port-file FILE]
//
// It listens on 127.0.0.1 only; N defaults to 2. PORT 0 picks a free port; --port-file writes the
// bound port to FILE (atomically, via rename) once the server is listening.
//
// Stops on SIGINT or SIGTERM.

// Boost 1.74's asio misses <utility> under GCC 12 in C++20 mode (std::exchange): it must come
// first, and clang-format's include sorting must not move it.
// clang-format off
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
// clang-format on

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket&& socket) : stream_(std::move(socket)) {
    beast::error_code ec;
    stream_.socket().set_option(tcp::no_delay(true), ec);
  }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

 private:
  void Read() {
    req_ = {};
    stream_.expires_after(std::chrono::seconds(30));
    http::async_read(
        stream_, buffer_, req_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec) return Close();
    res_ = {};
    res_.version(req_.version());
    res_.result(http::status::ok);
    res_.set(http::field::server, "hello");
    res_.set(http::field::content_type, "application/json");
    res_.body() = R"({"status":"ok"})";
    res_.keep_alive(req_.keep_alive());
    res_.prepare_payload();
    http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code e, std::size_t) {
      if (e || !self->res_.keep_alive()) return self->Close();
      self->Read();
    });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
};

void Accept(net::io_context& ioc, tcp::acceptor& acceptor) {
  acceptor.async_accept(net::make_strand(ioc),
                        [&ioc, &acceptor](beast::error_code ec, tcp::socket socket) {
                          if (ec == net::error::operation_aborted) return;
                          if (!ec) std::make_shared<Session>(std::move(socket))->Start();
                          Accept(ioc, acceptor);
                        });
}

[[noreturn]] void Usage() {
  std::fprintf(stderr, "usage: hello_server PORT [--threads N] [--port-file FILE]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  int port = -1;
  int threads = 2;
  std::string port_file;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--threads" && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (arg.rfind("--threads=", 0) == 0) {
      threads = std::atoi(argv[i] + 10);
    } else if (arg == "--port-file" && i + 1 < argc) {
      port_file = argv[++i];
    } else if (port < 0 && !arg.empty() && arg[0] != '-') {
      port = std::atoi(argv[i]);
    } else {
      Usage();
    }
  }
  if (port < 0 || port > 65535 || threads < 1 || threads > 256) Usage();

  net::io_context ioc(threads);
  tcp::acceptor acceptor(net::make_strand(ioc));
  const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"),
                               static_cast<unsigned short>(port));
  beast::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    std::fprintf(stderr, "hello_server: cannot listen on 127.0.0.1:%d: %s\n", port,
                 ec.message().c_str());
    return 1;
  }
  const unsigned short bound = acceptor.local_endpoint().port();
  if (!port_file.empty()) {
    const std::string tmp = port_file + ".tmp";
    std::ofstream(tmp) << bound << "\n";
    std::rename(tmp.c_str(), port_file.c_str());
  }
  std::fprintf(stderr, "hello_server: listening on http://127.0.0.1:%u (%d threads)\n", bound,
               threads);

  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code, int) { ioc.stop(); });
  Accept(ioc, acceptor);

  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(threads - 1));
  for (int i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  return 0;
}
