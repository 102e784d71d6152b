// The Origin check of /sync upgrades and /api requests (docs/protocol.md section 1).
//
// A browser sends Origin with every WebSocket upgrade and every cross-site or
// state-changing request; a page on another site must not ride on the user's cookie or
// open a sync connection from the user's browser. So a request that carries Origin is
// served only when that origin is the server's own (scheme://Host of the request) or one
// the operator allowed (--allow-origin). A request without Origin comes from a native app
// or a script, which no other site can drive: it passes. Pure: no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sotay::server {

// The canonical form of "scheme://host[:port]": scheme http or https, lower case, the
// scheme's default port dropped. nullopt for anything else ("null", a path, a user part,
// another scheme).
std::optional<std::string> normalize_origin(std::string_view text);

// True when `origin` (an Origin header) is this server's own, `scheme://<host>` with
// scheme https when `tls` and `host` the request's Host header, or is one of `allowed`
// (canonical forms, from normalize_origin).
bool origin_allowed(std::string_view origin, std::string_view host, bool tls,
                    const std::vector<std::string>& allowed);

}  // namespace sotay::server
