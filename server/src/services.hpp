// What every session uses; owned by the server, which outlives every session.
#pragma once

#include "api/api.hpp"
#include "commit_queue.hpp"
#include "config.hpp"
#include "hub.hpp"
#include "net.hpp"

#include <sotay/store/store.hpp>

namespace sotay::server {

struct session_services {
    const server_config& config;
    store::store& db;
    commit_queue& commits;
    hub& fanout;
    api_context& api;
    // The server's TLS context when it speaks TLS (config.tls()), else null.
    ssl::context* tls = nullptr;
};

}  // namespace sotay::server
