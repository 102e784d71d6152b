// The route table of the API: every endpoint once, with what it needs before its handler
// runs. The router (api.cpp) applies these checks in this order, so a handler starts with
// an authorised caller and a body of the right media type:
//   1. method and path (404 not_found, 405 with Allow);
//   2. the session cookie when `session` (401 auth_failed, H1);
//   3. access::allowed(role, permission) when a permission is named (403 forbidden, H2);
//   4. the Content-Type of a POST (415, H4).
// docs/openapi.json lists the same endpoints; tests/api/openapi_test.cpp checks both ways.
#pragma once

#include "call.hpp"

#include <sotay/access/roles.hpp>

#include <optional>
#include <span>
#include <string_view>

namespace sotay::server::api {

enum class body_kind {
    none,  // GET: any body is ignored
    json,  // application/json
    csv,   // text/csv (the org import)
};

using handler = response (*)(api_call&);

struct route {
    http::verb method;
    // Absolute path; a segment "{name}" matches any one non-empty segment and is passed
    // to the handler in api_call::params (OpenAPI's own template syntax).
    std::string_view pattern;
    bool session;
    std::optional<access::permission> permission;  // checked only when session is true
    body_kind body;
    handler fn;
};

// Every route, in the order of docs/api.md.
std::span<const route> routes();

}  // namespace sotay::server::api
