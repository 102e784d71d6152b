// The server: the io_context and its threads, the listener, the commit queue and the hub.
//
// Shutdown (first SIGTERM or SIGINT, or request_stop()):
//   1. the listener stops accepting;
//   2. every WebSocket session is told to finish: pushes it already submitted are still
//      committed and answered, later ones get shutting_down, then it closes with 1001;
//   3. once no session is left (or config.shutdown_grace has passed) the io_context
//      stops; the commit queue then writes what is still queued and joins;
//   4. run() returns 0.
// A second signal ends the process at once (exit status 128 + signal number).
#pragma once

#include "commit_queue.hpp"
#include "config.hpp"
#include "hub.hpp"
#include "listener.hpp"
#include "net.hpp"
#include "ws_session.hpp"

#include <sotay/store/store.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>

namespace sotay::server {

class server {
public:
    // Takes the store, starts the commit queue's writer and binds the listening socket
    // (throws boost::system::system_error if it cannot). Nothing is served before run().
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
    void run_io();

    // Declaration order is destruction order reversed: sessions (destroyed with the
    // io_context's pending handlers) use the hub, the queue and the store.
    server_config config_;
    std::unique_ptr<store::store> db_;
    hub hub_;
    commit_queue queue_;
    net::io_context ioc_;
    session_services services_;
    net::strand<net::io_context::executor_type> control_;  // signals and shutdown
    std::shared_ptr<listener> listener_;
    net::signal_set signals_;
    net::steady_timer shutdown_timer_;
    std::chrono::steady_clock::time_point shutdown_deadline_;
    bool shutting_down_ = false;  // on control_
};

}  // namespace sotay::server
