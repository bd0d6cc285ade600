// Method + path-template routing ("/api/v1/users/{id}"). Literal segments win over parameters,
// so "/api/v1/users/me" and "/api/v1/users/{id}" can coexist. Thread-safe after construction
// (Find is const).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace kenes::api {

template <typename Handler>
class Router {
 public:
  struct Route {
    std::string method;
    std::string pattern;
    Handler handler;
    std::vector<std::string> segments;
  };

  struct Match {
    const Route* route = nullptr;  // null: no route for this method
    std::map<std::string, std::string> params;
    std::vector<std::string> allowed_methods;  // when the path matched some other method
  };

  void Add(std::string method, std::string pattern, Handler handler) {
    routes_.push_back(
        Route{std::move(method), pattern, std::move(handler), Split<std::string>(pattern)});
  }

  // REQUIRES: `path` is percent-decoded.
  Match Find(std::string_view method, std::string_view path) const {
    const auto parts = Split<std::string_view>(path);
    Match best;
    int best_literals = -1;
    for (const auto& r : routes_) {
      std::map<std::string, std::string> params;
      int literals = 0;
      if (!Matches(r.segments, parts, &params, &literals)) continue;
      if (r.method != method) {
        best.allowed_methods.push_back(r.method);
        continue;
      }
      if (literals > best_literals) {
        best.route = &r;
        best.params = std::move(params);
        best_literals = literals;
      }
    }
    return best;
  }

  const std::vector<Route>& routes() const { return routes_; }

 private:
  template <typename Segment>
  static std::vector<Segment> Split(std::string_view path) {
    std::vector<Segment> out;
    size_t start = 1;  // paths begin with '/'
    while (start <= path.size()) {
      const size_t end = path.find('/', start);
      out.emplace_back(path.substr(start, end == std::string_view::npos ? path.npos : end - start));
      if (end == std::string_view::npos) break;
      start = end + 1;
    }
    return out;
  }

  static bool Matches(const std::vector<std::string>& pattern,
                      const std::vector<std::string_view>& parts,
                      std::map<std::string, std::string>* params, int* literals) {
    if (pattern.size() != parts.size()) return false;
    for (size_t i = 0; i < pattern.size(); ++i) {
      const auto& p = pattern[i];
      if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
        if (parts[i].empty()) return false;
        (*params)[p.substr(1, p.size() - 2)] = std::string(parts[i]);
      } else if (p == parts[i]) {
        ++*literals;
      } else {
        return false;
      }
    }
    return true;
  }

  std::vector<Route> routes_;
};

}  // namespace kenes::api
