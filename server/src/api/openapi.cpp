// GET /api/v1/openapi.json, and the document built into the server.
#include "openapi.hpp"

#include "handlers.hpp"

// Generated at configure time from docs/openapi.json (server/CMakeLists.txt).
#include <sotay/generated/openapi_json.hpp>

namespace sotay::server::api {

std::string_view openapi_document() {
    return generated::openapi_json;
}

// Serves api_settings::openapi_json (the server passes openapi_document()), so a test
// or a deployment may serve another text.
response openapi(api_call& call) {
    response res{http::status::ok, 11};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-store");
    res.body() = call.ctx.settings.openapi_json;
    res.prepare_payload();
    return res;
}

}  // namespace sotay::server::api
