// The `kenes` command line (CLI11): serve, migrate, user, token, audit, demo. Exit codes: 0
// success, 1 the operation failed, 2 bad usage. Progress and errors go to stderr; results that
// scripts read go to stdout.
#pragma once

namespace kenes::app {

int Main(int argc, char** argv);

}  // namespace kenes::app
