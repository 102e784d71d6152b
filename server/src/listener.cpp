#include "listener.hpp"

#include "http_session.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace sotay::server {

listener::listener(net::io_context& ioc, const tcp::endpoint& endpoint,
                   const session_services& services)
    : ioc_(ioc),
      acceptor_(net::make_strand(ioc)),
      services_(services),
      retry_timer_(acceptor_.get_executor()) {
    acceptor_.open(endpoint.protocol());
    // A restarted server must not wait out TIME_WAIT sockets of its predecessor.
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
    endpoint_ = acceptor_.local_endpoint();
}

tcp::endpoint listener::local_endpoint() const { return endpoint_; }

void listener::run() {
    net::dispatch(acceptor_.get_executor(),
                  beast::bind_front_handler(&listener::do_accept, shared_from_this()));
}

void listener::stop() {
    net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
        self->stopped_ = true;
        self->retry_timer_.cancel();
        error_code ec;
        self->acceptor_.close(ec);
    });
}

void listener::do_accept() {
    if (stopped_) return;
    // Each connection gets its own strand: its handlers never run concurrently.
    acceptor_.async_accept(net::make_strand(ioc_),
                           beast::bind_front_handler(&listener::on_accept, shared_from_this()));
}

void listener::on_accept(error_code ec, tcp::socket socket) {
    // Expected end: stop() closed the acceptor.
    if (stopped_ || ec == net::error::operation_aborted) return;
    if (ec) return fail(ec, "accept");

    // With a TLS context every connection is TLS: one port, https:// and wss:// only.
    if (services_.tls != nullptr) {
        std::make_shared<basic_http_session<tls_stream>>(std::move(socket), services_)->run();
    } else {
        std::make_shared<basic_http_session<plain_stream>>(std::move(socket), services_)->run();
    }
    do_accept();
}

void listener::fail(error_code ec, const char* what) {
    // Out of descriptors or memory: accepting again at once would spin. 100 ms lets
    // closing connections free descriptors without a noticeable pause for clients.
    spdlog::warn("{} failed: {}", what, ec.message());
    retry_timer_.expires_after(std::chrono::milliseconds(100));
    retry_timer_.async_wait([self = shared_from_this()](error_code wait_ec) {
        if (!wait_ec) self->do_accept();
    });
}

}  // namespace sotay::server
