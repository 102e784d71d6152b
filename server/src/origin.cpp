#include "origin.hpp"

#include <algorithm>

namespace sotay::server {

namespace {

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool host_char(char c) {
    // Letters, digits and what host names, IPv4 and bracketed IPv6 literals use.
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '[' ||
           c == ']' || c == ':' || c == '_';
}

}  // namespace

std::optional<std::string> normalize_origin(std::string_view text) {
    // Longer than any real origin: refused before copying (the header is the client's).
    if (text.empty() || text.size() > 300) return std::nullopt;
    std::string s(text);
    std::transform(s.begin(), s.end(), s.begin(), lower);

    std::string_view default_port;
    std::size_t start = 0;
    if (s.starts_with("https://")) {
        start = 8;
        default_port = ":443";
    } else if (s.starts_with("http://")) {
        start = 7;
        default_port = ":80";
    } else {
        return std::nullopt;
    }
    const std::string_view authority = std::string_view(s).substr(start);
    if (authority.empty() || !std::all_of(authority.begin(), authority.end(), host_char)) {
        return std::nullopt;
    }
    // A port, if any, follows the last ':' that is not inside an IPv6 literal's brackets.
    const auto bracket = authority.rfind(']');
    const auto colon = authority.rfind(':');
    if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
        const std::string_view port = authority.substr(colon + 1);
        if (colon == 0 || port.empty() || port.size() > 5 ||
            !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            return std::nullopt;
        }
    }
    if (s.ends_with(default_port)) s.resize(s.size() - default_port.size());
    return s;
}

bool origin_allowed(std::string_view origin, std::string_view host, bool tls,
                    const std::vector<std::string>& allowed) {
    const auto given = normalize_origin(origin);
    if (!given) return false;
    if (!host.empty()) {
        const auto own =
            normalize_origin(std::string(tls ? "https://" : "http://") + std::string(host));
        if (own && *own == *given) return true;
    }
    return std::find(allowed.begin(), allowed.end(), *given) != allowed.end();
}

}  // namespace sotay::server
