// The HTTP JSON API under /api/v1 (docs/api.md, docs/openapi.json): login, the org tree,
// users, enrollment, devices, quarantine, scoped record reads, the review queue, the
// audit history and the reports.
//
// A pure request -> response function over the store: no sockets, so tests call it
// directly (tests/api). http_session hands it every request whose target starts with
// "/api/"; it reads the body already received, answers, and never throws.
//
// Rules every endpoint follows (docs/security.md):
//   H1. Authentication is the `sotay_session` cookie (HttpOnly; SameSite=Strict; Secure
//       when the server speaks TLS), set by POST /api/v1/login. Without a valid session
//       an endpoint that needs one answers 401 {"code":"auth_failed"}.
//   H2. Authorisation is access::allowed(role, permission) and then the user's subtree:
//       a refused role gets 403 {"code":"forbidden"}; anything outside the subtree is
//       answered as if it did not exist (404 not_found, or left out of a list), so an
//       officer cannot probe other communes.
//   H3. Every error body is {"code": <sync::errc string>, "message": <sentence>,
//       "field"?: <name>} with a matching HTTP status (400 validation/bad_message,
//       401 auth_failed, 403 forbidden/device_revoked, 404 not_found, 409 conflict,
//       413 too_large, 429 rate_limited with Retry-After, 500 internal).
//   H4. Requests that change state are POST with Content-Type application/json (or
//       text/csv for the org import): a cross-site form cannot send them, and a browser
//       request carrying an Origin that is not allowed is refused 403.
//   H5. Login and enrollment failures are rate-limited per username and per client
//       address (access::rate_limiter); 429 with Retry-After when over.
#pragma once

#include "../net.hpp"

#include <sotay/access/rate_limit.hpp>
#include <sotay/audit/signing.hpp>
#include <sotay/reports/indicators.hpp>
#include <sotay/store/store.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sotay::server {

struct api_settings {
    bool tls = false;                       // adds Secure to the session cookie
    std::chrono::seconds session_ttl{8 * 3600};  // a working day
    std::chrono::seconds enrollment_ttl{72 * 3600};
    // Origins a browser may call from (besides the server's own); see http_session.
    std::vector<std::string> allowed_origins;
    // The JSON text of docs/openapi.json, served at GET /api/v1/openapi.json.
    std::string openapi_json;
    // Signs GET /api/v1/audit/head; null answers that endpoint internal (tests without it).
    std::shared_ptr<const audit::signing_key> audit_key;
    // The indicator definitions the reports count by (schema/indicators.json, checked
    // against the record schema); null answers the report endpoints internal (tests
    // without them).
    std::shared_ptr<const reports::definitions> indicators;
};

// What the API needs beyond the request; owned by the server, shared by all sessions.
struct api_context {
    store::store& db;
    const api_settings& settings;
    access::rate_limiter& login_limiter;   // failures per username and per address
    access::rate_limiter& enroll_limiter;  // failures per address
    // Called after a review decision was committed (review_routes.cpp), from the thread
    // that handled the request: the server tells live pulls and live review feeds at
    // once. Must not block. Empty in tests that do not listen.
    std::function<void(const store::decision_outcome&)> decided = nullptr;
};

// `remote` is the peer address (for rate limits and logs). The response has its status,
// Content-Type, body and Set-Cookie set; version and keep-alive are the caller's.
http::response<http::string_body> handle_api(const http::request<http::string_body>& req,
                                             const std::string& remote, api_context& ctx);

}  // namespace sotay::server
