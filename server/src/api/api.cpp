// handle_api: decodes the target, finds the route and applies the checks every route
// shares (router.hpp, H1-H4) before its handler runs.
#include "api.hpp"

#include "response.hpp"
#include "router.hpp"
#include "session.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <optional>
#include <utility>

namespace sotay::server {

namespace {

using api::api_call;
using api::error_response;
using api::request;
using api::response;
using api::route;
using sync::errc;

// Session tokens are 64 characters; anything much longer is not one of ours and is not
// worth hashing. Browsers rarely send more than one cookie of a name.
constexpr std::size_t max_token_length = 128;
constexpr std::size_t max_session_candidates = 4;

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// "application/json; charset=utf-8" -> "application/json".
std::string media_type(std::string_view content_type) {
    std::string_view t = content_type.substr(0, content_type.find(';'));
    while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
    return lower(t);
}

// Splits a pattern's path into its segments ("/api/v1/me" -> api, v1, me).
std::vector<std::string_view> pattern_segments(std::string_view pattern) {
    std::vector<std::string_view> out;
    pattern.remove_prefix(1);
    while (true) {
        const auto slash = pattern.find('/');
        out.push_back(pattern.substr(0, slash));
        if (slash == std::string_view::npos) return out;
        pattern.remove_prefix(slash + 1);
    }
}

// True if the decoded path matches the pattern; fills params with the placeholders.
bool matches(std::string_view pattern, const std::vector<std::string>& path,
             std::vector<std::string>& params) {
    const auto want = pattern_segments(pattern);
    if (want.size() != path.size()) return false;
    std::vector<std::string> found;
    for (std::size_t i = 0; i < want.size(); ++i) {
        if (want[i].starts_with('{')) {
            if (path[i].empty()) return false;
            found.push_back(path[i]);
        } else if (want[i] != path[i]) {
            return false;
        }
    }
    params = std::move(found);
    return true;
}

// H4: a browser sends Origin on a cross-site POST. Same origin means the Origin's host
// is the Host the request was sent to (the scheme is not compared: behind a TLS proxy
// the server itself speaks plain HTTP).
bool origin_allowed(const request& req, const api_settings& settings) {
    const auto it = req.find(http::field::origin);
    if (it == req.end()) return true;  // not a browser, or a same-origin GET
    const std::string_view origin = it->value();
    for (const auto& allowed : settings.allowed_origins) {
        if (origin == allowed) return true;
    }
    const auto scheme_end = origin.find("://");
    if (scheme_end == std::string_view::npos) return false;  // "null" and the like
    return lower(origin.substr(scheme_end + 3)) == lower(req[http::field::host]);
}

// The route for a method and decoded path. `allow` lists the methods the path answers
// when the method is not one of them (405); both empty means no such path (404).
struct route_match {
    const route* found = nullptr;
    std::vector<std::string> params;
    std::string allow;
};

route_match find_route(http::verb method, const std::vector<std::string>& path) {
    route_match m;
    for (const route& r : api::routes()) {
        std::vector<std::string> params;
        if (!matches(r.pattern, path, params)) continue;
        if (r.method == method) {
            m.found = &r;
            m.params = std::move(params);
            return m;
        }
        if (!m.allow.empty()) m.allow += ", ";
        m.allow += std::string(http::to_string(r.method));
    }
    return m;
}

// H1: the first sotay_session cookie that names a live session of an enabled user.
std::optional<std::pair<store::user_info, std::string>> session_user(const request& req,
                                                                     store::store& db) {
    const auto tokens = api::session_cookies(req);
    for (std::size_t i = 0; i < tokens.size() && i < max_session_candidates; ++i) {
        if (tokens[i].size() > max_token_length) continue;
        std::string token(tokens[i]);
        auto user = db.web_session_user(token);
        if (user) return std::pair{std::move(*user), std::move(token)};
    }
    return std::nullopt;
}

response dispatch(const request& req, const std::string& remote, api_context& ctx) {
    const auto url = boost::urls::parse_origin_form(req.target());
    if (!url) {
        return error_response(errc::bad_message, "the request target is not a valid path");
    }
    std::vector<std::string> path;
    for (const std::string& segment : url->segments()) path.push_back(segment);

    // 1. Method and path.
    route_match m = find_route(req.method(), path);
    if (m.found == nullptr && m.allow.empty()) {
        return error_response(errc::not_found,
                              "there is no endpoint at " + std::string(url->path().substr(0, 200)));
    }
    if (m.found == nullptr) {
        auto res = error_response(http::status::method_not_allowed, errc::bad_message,
                                  "this endpoint answers " + m.allow + " only");
        res.set(http::field::allow, m.allow);
        return res;
    }
    const route& r = *m.found;
    if (req.method() == http::verb::post && !origin_allowed(req, ctx.settings)) {
        return error_response(errc::forbidden, "requests from this page's origin are not accepted");
    }

    api_call call{req, ctx, api::peer_address(remote), std::move(m.params), {}, {}, {}, {}};
    for (const auto& param : url->params()) {
        call.query.emplace(param.key, param.value);  // emplace keeps the first
    }

    if (r.session) {
        // 2. The session (H1).
        auto session = session_user(req, ctx.db);
        if (!session) {
            return error_response(errc::auth_failed,
                                  "sign in first: the request has no valid session (it may "
                                  "have expired or been ended)");
        }
        call.user = std::move(session->first);
        call.session_token = std::move(session->second);
        // 3. The role (H2), then the scope every handler filters by.
        if (r.permission && !access::allowed(call.user->role, *r.permission)) {
            return error_response(errc::forbidden,
                                  "the role " + std::string(access::role_name(call.user->role)) +
                                      " does not allow " +
                                      std::string(access::permission_name(*r.permission)));
        }
        const store::org_snapshot tree = ctx.db.org_tree();
        call.scope = store::scope_filter::of(tree.tree->subtree(call.user->org_unit));
    }

    // 4. The media type of a POST body (H4).
    if (r.body != api::body_kind::none) {
        const std::string_view want =
            r.body == api::body_kind::csv ? "text/csv" : "application/json";
        if (media_type(req[http::field::content_type]) != want) {
            return error_response(http::status::unsupported_media_type, errc::bad_message,
                                  "Content-Type must be " + std::string(want));
        }
    }
    return r.fn(call);
}

}  // namespace

http::response<http::string_body> handle_api(const http::request<http::string_body>& req,
                                             const std::string& remote, api_context& ctx) {
    response res;
    try {
        res = dispatch(req, remote, ctx);
    } catch (const std::exception& e) {
        // Nothing escapes: the caller is a completion handler (api.hpp).
        spdlog::error("{}: {} {}: {}", remote, std::string_view(req.method_string()),
                      std::string_view(req.target()), e.what());
        res = error_response(errc::internal, "the server failed; try again later");
    }
    res.version(req.version());
    return res;
}

}  // namespace sotay::server
