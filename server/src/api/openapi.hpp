// docs/openapi.json as built into the server: main.cpp passes it as
// api_settings::openapi_json, and GET /api/v1/openapi.json serves it.
#pragma once

#include <string_view>

namespace sotay::server::api {

// The document's text, exactly as in docs/openapi.json when CMake last ran (an edit of
// the file re-runs CMake: server/CMakeLists.txt).
std::string_view openapi_document();

}  // namespace sotay::server::api
