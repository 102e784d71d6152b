// Accepts TCP connections and starts an http_session on each (over TLS when the server
// has a TLS context), every socket on its own strand. Stops when stop() is called (the
// acceptor closes; open sessions carry on).
#pragma once

#include "net.hpp"
#include "services.hpp"

#include <boost/asio/steady_timer.hpp>

#include <memory>

namespace sotay::server {

class listener : public std::enable_shared_from_this<listener> {
public:
    // Opens, binds and listens on `endpoint` at once, so the caller can report the real
    // port (port 0 picks a free one). Throws boost::system::system_error on failure.
    listener(net::io_context& ioc, const tcp::endpoint& endpoint,
             const session_services& services);

    // The bound address and port.
    tcp::endpoint local_endpoint() const;

    // Starts accepting. Thread-safe.
    void run();
    // Closes the acceptor. Thread-safe; idempotent.
    void stop();

private:
    void do_accept();
    void on_accept(error_code ec, tcp::socket socket);
    // Logs the failure and accepts again after a pause.
    void fail(error_code ec, const char* what);

    net::io_context& ioc_;
    tcp::acceptor acceptor_;
    const session_services& services_;
    net::steady_timer retry_timer_;
    tcp::endpoint endpoint_;
    bool stopped_ = false;  // on the acceptor's strand
};

}  // namespace sotay::server
