// What every session uses; owned by the server, which outlives every session.
#pragma once

#include "api/api.hpp"
#include "commit_queue.hpp"
#include "config.hpp"
#include "hub.hpp"
#include "net.hpp"

#include <sotay/store/store.hpp>

#include <string>

namespace sotay::server {

struct session_services {
    const server_config& config;
    store::store& db;
    commit_queue& commits;
    hub& fanout;
    api_context& api;
    // The server's TLS context when it speaks TLS (config.tls()), else null.
    ssl::context* tls = nullptr;
    // The key pull cursors are signed with (cursor.hpp seal_cursor).
    const std::string& cursor_key;
};

}  // namespace sotay::server
