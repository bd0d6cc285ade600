// The `kenes` binary: everything lives in the app library; main only hands over.
#include "app/cli.h"

int main(int argc, char** argv) { return kenes::app::Main(argc, argv); }
