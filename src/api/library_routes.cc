// The /api/v1/library routes (see api.h).
#include "api/api.h"
#include "api/json_body.h"
#include "api/problem.h"
#include "api/route_util.h"

namespace kenes::api {

using nlohmann::json;

void Api::AddLibraryRoutes() {}

void Api::AddSearchRoutes() {}

}  // namespace kenes::api
