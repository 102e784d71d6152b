// The server: the io_context and its threads, the listener, the commit queue, the hub,
// the TLS context and what the HTTP API shares (its settings and rate limiters).
//
// Shutdown (first SIGTERM or SIGINT, or request_stop()):
//   1. the listener stops accepting;
//   2. every WebSocket session is told to finish: pushes it already submitted are still
//      committed and answered, later ones get shutting_down, then it closes with 1001;
//   3. once no session is left (or config.shutdown_grace has passed) the io_context
//      stops; the commit queue then writes what is still queued and joins;
//   4. run() returns 0.
// A second signal ends the process at once (exit status 128 + signal number).
//
// Security changes (store.hpp S7): every config.security_poll_interval the server reads
// store::security_epoch(); when it moved (a device revoked, a user disabled or moved, the
// org tree re-imported; by this process or by sotay-admin), every session re-checks its
// device (ws_session.hpp W7). The same tick reads store::head() and store::review_seq():
// when either moved (sotay-admin decided a review item, from another process) the live
// pulls and live review feeds are told, as the commit queue tells them of its own writes.
#pragma once

#include "api/api.hpp"
#include "commit_queue.hpp"
#include "config.hpp"
#include "hub.hpp"
#include "listener.hpp"
#include "net.hpp"
#include "services.hpp"

#include <sotay/access/rate_limit.hpp>
#include <sotay/store/store.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

namespace sotay::server {

// A TLS server context for config's certificate and key: TLS 1.2 and later only.
// Throws std::runtime_error naming the file when either cannot be loaded or they do not
// belong together.
ssl::context make_tls_context(const server_config& config);

class server {
public:
    // Takes the store, loads the TLS files (if configured), starts the commit queue's
    // writer and binds the listening socket. Throws boost::system::system_error if it
    // cannot bind, std::runtime_error if the TLS files do not load. Nothing is served
    // before run().
    server(server_config config, std::unique_ptr<store::store> db, const tcp::endpoint& endpoint);
    ~server();

    server(const server&) = delete;
    server& operator=(const server&) = delete;

    // The address and port actually bound.
    tcp::endpoint local_endpoint() const;

    // Serves on config.threads threads (the caller's among them) until a shutdown
    // completes; returns the exit status. Call once.
    int run();

    // Begins the graceful shutdown, as the first signal does. Thread-safe.
    void request_stop();

private:
    void on_signal(error_code ec, int signo);
    void begin_shutdown();
    void wait_for_sessions();
    void poll_store();  // security epoch, head and review_seq (see above)
    void run_io();

    // Declaration order is destruction order reversed: sessions (destroyed with the
    // io_context's pending handlers) use the hub, the queue, the store, the API's
    // pieces and the TLS context.
    server_config config_;
    std::unique_ptr<store::store> db_;
    std::string cursor_key_;  // signs pull cursors (cursor.hpp), kept in the database
    hub hub_;
    commit_queue queue_;
    access::rate_limiter login_limiter_;
    access::rate_limiter enroll_limiter_;
    api_settings api_settings_;
    api_context api_;
    std::optional<ssl::context> tls_;
    net::io_context ioc_;
    session_services services_;
    net::strand<net::io_context::executor_type> control_;  // signals, shutdown, polling
    std::shared_ptr<listener> listener_;
    net::signal_set signals_;
    net::steady_timer shutdown_timer_;
    net::steady_timer security_timer_;
    std::chrono::steady_clock::time_point shutdown_deadline_;
    std::uint64_t security_epoch_ = 0;  // on control_
    bool shutting_down_ = false;        // on control_
};

}  // namespace sotay::server
