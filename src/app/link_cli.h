// `kenes link …`: the linkage engine from the command line (no database). Each returns the exit
// code: 0 done, 1 bad input or failure (the message names the file and line), 2 bad usage.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace kenes::app {

struct LinkEncodeArgs {
  std::string schema;  // a clkhash v3 JSON file, or "kazakh-worker"
  std::string secret_file;
  std::string input;
  std::string output;
  int threads = 0;
};
int LinkEncode(const LinkEncodeArgs& args);

struct LinkMatchArgs {
  std::string a, b;
  std::string output;
  std::optional<double> threshold;  // default: the schema's, else 0.8
  int threads = 0;
  std::size_t top_k = 0;
  bool candidates = false;  // write every candidate instead of the solved pairs
};
int LinkMatch(const LinkMatchArgs& args);

struct LinkEvalArgs {
  std::string pairs, truth;
};
int LinkEval(const LinkEvalArgs& args);

// Prints a built-in schema's clkhash JSON.
int LinkSchema(const std::string& name);

}  // namespace kenes::app
