#include "session.hpp"

#include <algorithm>

namespace sotay::server::api {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// A cookie value is a token, or a token in double quotes (RFC 6265 4.1.1).
std::string_view unquote(std::string_view v) {
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') return v.substr(1, v.size() - 2);
    return v;
}

std::string cookie(std::string_view value, std::chrono::seconds max_age, bool secure) {
    std::string c(session_cookie_name);
    c += '=';
    c += value;
    c += "; HttpOnly; SameSite=Strict; Path=/; Max-Age=";
    c += std::to_string(max_age.count());
    if (secure) c += "; Secure";
    return c;
}

}  // namespace

std::vector<std::string_view> session_cookies(const http::fields& headers) {
    std::vector<std::string_view> found;
    auto [first, last] = headers.equal_range(http::field::cookie);
    for (auto it = first; it != last; ++it) {
        std::string_view list = it->value();
        while (!list.empty()) {
            const auto semi = list.find(';');
            const std::string_view pair = trim(list.substr(0, semi));
            list = semi == std::string_view::npos ? std::string_view{} : list.substr(semi + 1);
            const auto eq = pair.find('=');
            if (eq == std::string_view::npos) continue;
            // Cookie names are case-sensitive (RFC 6265 5.4 compares them exactly).
            if (trim(pair.substr(0, eq)) != session_cookie_name) continue;
            const std::string_view value = unquote(trim(pair.substr(eq + 1)));
            if (!value.empty()) found.push_back(value);
        }
    }
    return found;
}

std::string session_cookie(std::string_view token, std::chrono::seconds ttl, bool secure) {
    return cookie(token, ttl, secure);
}

std::string expired_session_cookie(bool secure) {
    return cookie({}, std::chrono::seconds{0}, secure);
}

std::string peer_address(std::string_view remote) {
    if (remote.starts_with('[')) {
        const auto close = remote.find(']');
        if (close != std::string_view::npos) return std::string(remote.substr(1, close - 1));
        return std::string(remote);
    }
    // IPv4 with a port has exactly one colon; a bare IPv6 address has several.
    if (std::count(remote.begin(), remote.end(), ':') == 1) {
        return std::string(remote.substr(0, remote.find(':')));
    }
    return std::string(remote);
}

}  // namespace sotay::server::api
