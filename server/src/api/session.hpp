// The session cookie (H1) and the client address used by the rate limits (H5).
//
// The cookie is `sotay_session=<token>`; the token is 64 hex characters from
// access::random_token and lives only in the cookie, never in a body, so a script on the
// page (HttpOnly) or another site (SameSite=Strict) cannot read or send it.
#pragma once

#include "call.hpp"

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace sotay::server::api {

inline constexpr std::string_view session_cookie_name = "sotay_session";

// The values of every `sotay_session` cookie in the request's Cookie headers, in order
// (RFC 6265 5.4: "name=value" pairs separated by ";" and optional spaces, a value
// possibly in double quotes; several Cookie headers are read as one list). A browser
// sends more than one when cookies of other paths share the name; the caller tries each.
std::vector<std::string_view> session_cookies(const http::fields& headers);

// Set-Cookie values: a new session, and one that makes the browser drop it at once.
std::string session_cookie(std::string_view token, std::chrono::seconds ttl, bool secure);
std::string expired_session_cookie(bool secure);

// The address part of a peer string as http_session writes it: "1.2.3.4:5678" ->
// "1.2.3.4", "[::1]:5678" -> "::1"; anything else is returned unchanged.
std::string peer_address(std::string_view remote);

}  // namespace sotay::server::api
