#include "testing/server_process.h"

// clang-format off
// Boost 1.74's asio misses <utility> under GCC 12 in C++20 mode (std::exchange): include it first.
#include <utility>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
// clang-format on

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace kenes::testing {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// fork + exec of the kenes binary; stdio redirected to the given fds (-1: inherit).
pid_t Spawn(const std::string& program, const std::vector<std::string>& args,
            const std::map<std::string, std::string>& env, int in_fd, int out_fd, int err_fd) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the test
  if (in_fd >= 0) ::dup2(in_fd, 0);
  if (out_fd >= 0) ::dup2(out_fd, 1);
  if (err_fd >= 0) ::dup2(err_fd, 2);
  for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
  std::vector<char*> argv;
  std::string binary = program;
  argv.push_back(binary.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(binary.c_str(), argv.data());
  ::_exit(127);
}

int WaitExit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string TempDirPath() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "kenes-srv-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) return {};
  return tmpl;
}

}  // namespace

std::string KenesBinary() { return KENES_BINARY; }

CommandResult RunKenes(const std::vector<std::string>& args, const std::string& stdin_text,
                       const std::map<std::string, std::string>& env) {
  return RunProgram(KenesBinary(), args, stdin_text, env);
}

CommandResult RunProgram(const std::string& program, const std::vector<std::string>& args,
                         const std::string& stdin_text,
                         const std::map<std::string, std::string>& env) {
  const std::string dir = TempDirPath();
  const std::string in_path = dir + "/in", out_path = dir + "/out", err_path = dir + "/err";
  std::ofstream(in_path) << stdin_text;
  const int in_fd = ::open(in_path.c_str(), O_RDONLY);
  const int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  const int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::map<std::string, std::string> full_env = {{"KENES_AUTH_PASSWORD_COST", "min"}};
  for (const auto& [k, v] : env) full_env[k] = v;
  const pid_t pid = Spawn(program, args, full_env, in_fd, out_fd, err_fd);
  ::close(in_fd);
  ::close(out_fd);
  ::close(err_fd);
  CommandResult r;
  r.exit_code = WaitExit(pid);
  r.out = ReadFile(out_path);
  r.err = ReadFile(err_path);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return r;
}

ServerProcess::ServerProcess(const std::string& db_url, std::vector<std::string> extra_args,
                             std::map<std::string, std::string> env) {
  dir_ = TempDirPath();
  std::vector<std::string> args = {"serve",    "--migrate",   "--database",  db_url,
                                   "--listen", "127.0.0.1:0", "--port-file", dir_ + "/port"};
  for (auto& a : extra_args) args.push_back(std::move(a));
  std::map<std::string, std::string> full_env = {{"KENES_AUTH_PASSWORD_COST", "min"},
                                                 {"KENES_SERVER_ACCESS_LOG", dir_ + "/access.log"},
                                                 {"KENES_SERVER_STATIC_DIR", dir_ + "/no-console"}};
  for (auto& [k, v] : env) full_env[k] = v;
  const int err_fd = ::open((dir_ + "/stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  const int null_fd = ::open("/dev/null", O_RDONLY);
  pid_ = Spawn(KenesBinary(), args, full_env, null_fd, err_fd, err_fd);
  ::close(err_fd);
  ::close(null_fd);
  // Wait for the port file (the server writes it atomically once listening), or for an early exit.
  for (int i = 0; i < 600; ++i) {
    const std::string text = ReadFile(dir_ + "/port");
    if (!text.empty()) {
      port_ = static_cast<unsigned short>(std::stoi(text));
      return;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "kenes serve did not start:\n" << Stderr();
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

int ServerProcess::Stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  const int code = WaitExit(pid_);
  pid_ = -1;
  return code;
}

std::string ServerProcess::AccessLog() const { return ReadFile(dir_ + "/access.log"); }
std::string ServerProcess::Stderr() const { return ReadFile(dir_ + "/stderr"); }

nlohmann::json HttpResult::Json() const { return nlohmann::json::parse(body, nullptr, false); }

std::string HttpResult::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

struct HttpClient::Impl {
  net::io_context ioc;
  beast::tcp_stream stream{ioc};
  unsigned short port;
  bool connected = false;
  beast::flat_buffer buffer;

  void Connect() {
    stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    connected = true;
  }
};

HttpClient::HttpClient(unsigned short port) : impl_(new Impl) { impl_->port = port; }

HttpClient::~HttpClient() { delete impl_; }

HttpResult HttpClient::Request(const std::string& method, const std::string& target,
                               const std::string& body,
                               const std::map<std::string, std::string>& headers) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      if (!impl_->connected) impl_->Connect();
      http::request<http::string_body> req;
      req.method_string(method);
      req.target(target);
      req.version(11);
      req.set(http::field::host, "127.0.0.1");
      for (const auto& [k, v] : headers) req.set(k, v);
      req.body() = body;
      if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH")
        req.prepare_payload();
      impl_->stream.expires_after(std::chrono::seconds(30));
      http::write(impl_->stream, req);
      http::response_parser<http::string_body> parser;
      parser.body_limit(64 * 1024 * 1024);
      if (method == "HEAD") parser.skip(true);
      http::read(impl_->stream, impl_->buffer, parser);
      auto& res = parser.get();
      HttpResult out;
      out.status = static_cast<int>(res.result_int());
      for (const auto& f : res) {
        std::string name(f.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        auto& slot = out.headers[name];
        slot += (slot.empty() ? "" : "\n") + std::string(f.value());
      }
      out.body = res.body();
      if (!res.keep_alive()) {
        beast::error_code ec;
        impl_->stream.socket().close(ec);
        impl_->connected = false;
        impl_->buffer.clear();
      }
      return out;
    } catch (const std::exception&) {
      // The server may close an idle keep-alive connection: reconnect once.
      beast::error_code ec;
      impl_->stream.socket().close(ec);
      impl_->connected = false;
      impl_->buffer.clear();
      if (attempt == 1) throw;
    }
  }
  return {};
}

HttpResult HttpClient::Send(const std::string& method, const std::string& target,
                            const nlohmann::json& body,
                            const std::map<std::string, std::string>& headers) {
  auto h = headers;
  h.emplace("Content-Type", "application/json");
  return Request(method, target, body.dump(), h);
}

std::string RawExchange(unsigned short port, const std::string& bytes, int timeout_ms) {
  net::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  beast::error_code ec;
  net::write(socket, net::buffer(bytes), ec);
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{socket.native_handle(), POLLIN, 0};
    const int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          deadline - std::chrono::steady_clock::now())
                                          .count());
    if (::poll(&p, 1, std::max(left, 1)) <= 0) break;
    char buf[4096];
    const size_t n = socket.read_some(net::buffer(buf), ec);
    if (ec || n == 0) break;
    out.append(buf, n);
  }
  return out;
}

HttpResult ParseRawResponse(const std::string& raw) {
  HttpResult r;
  if (raw.rfind("HTTP/1.1 ", 0) != 0 || raw.size() < 12) return r;
  r.status = std::stoi(raw.substr(9, 3));
  const auto end = raw.find("\r\n\r\n");
  if (end == std::string::npos) return r;
  std::istringstream head(raw.substr(0, end));
  std::string line;
  std::getline(head, line);
  size_t length = 0;
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    r.headers[name] = value;
    if (name == "content-length") length = std::stoul(value);
  }
  r.body = raw.substr(end + 4, length);
  return r;
}

}  // namespace kenes::testing
