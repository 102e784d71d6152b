// Building responses: JSON bodies, the error body of H3 and the status of each error code.
// Every response of the API goes through make_json() or no_content(), which set
// Cache-Control: no-store (the bodies carry personal data and session state that a shared
// cache or the browser's history must not keep).
#pragma once

#include "call.hpp"

#include <sotay/sync/error.hpp>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sotay::server::api {

// The HTTP status that goes with an error code (H3); 400 for codes the API never sends.
http::status status_of(sync::errc code);

response make_json(http::status status, const boost::json::value& body);
response no_content();
// 200 with one page of a list: {"<key>": rows, "next": next, "more": more}, the shape of
// every paged answer (docs/api.md).
response page_response(std::string_view key, boost::json::array rows, boost::json::value next,
                       bool more);

// {"code","message","field"?} with the status of its code.
response error_response(const sync::error_info& e);
response error_response(sync::errc code, std::string message,
                        std::optional<std::string> field = std::nullopt);
// The same body under a status other than the code's own (405, 415).
response error_response(http::status status, sync::errc code, std::string message);

// 429 rate_limited with Retry-After in whole seconds (at least 1).
response too_many_attempts(std::chrono::seconds wait);

}  // namespace sotay::server::api
