#include "server.hpp"

#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdlib>
#include <exception>
#include <thread>
#include <vector>

namespace sotay::server {

server::server(server_config config, std::unique_ptr<store::store> db,
               const tcp::endpoint& endpoint)
    : config_(std::move(config)),
      db_(std::move(db)),
      queue_(*db_, config_.commit_batch_max, [this](std::uint64_t head) { hub_.notify(head); }),
      ioc_(static_cast<int>(std::max(1u, config_.threads))),
      services_{config_, *db_, queue_, hub_},
      control_(net::make_strand(ioc_)),
      listener_(std::make_shared<listener>(ioc_, endpoint, services_)),
      signals_(control_, SIGINT, SIGTERM),
      shutdown_timer_(control_) {}

server::~server() {
    // If run() never ran (or threw), the writer thread still must not outlive us.
    queue_.stop();
}

tcp::endpoint server::local_endpoint() const { return listener_->local_endpoint(); }

int server::run() {
    listener_->run();
    signals_.async_wait([this](error_code ec, int signo) { on_signal(ec, signo); });

    // config.threads in all, this thread included.
    std::vector<std::thread> pool;
    const unsigned extra = std::max(1u, config_.threads) - 1;
    pool.reserve(extra);
    for (unsigned i = 0; i < extra; ++i) pool.emplace_back([this] { run_io(); });
    run_io();
    for (auto& t : pool) t.join();

    // Sessions are gone; what remains queued (hellos, pushes of sessions cut off by the
    // grace limit) is still written before we return.
    queue_.stop();
    spdlog::info("stopped after {} commits", queue_.writes());
    return 0;
}

void server::run_io() {
    // A handler that throws is a bug, but it must not take a thread (and its share of
    // the sessions' progress) with it.
    for (;;) {
        try {
            ioc_.run();
            return;
        } catch (const std::exception& e) {
            spdlog::error("handler threw: {}", e.what());
        }
    }
}

void server::request_stop() {
    net::post(control_, [this] { begin_shutdown(); });
}

void server::on_signal(error_code ec, int signo) {
    if (ec == net::error::operation_aborted) return;
    if (ec) {
        spdlog::error("signal wait failed: {}", ec.message());
        return;
    }
    if (shutting_down_) {
        spdlog::warn("second signal {}: exiting at once", signo);
        std::_Exit(128 + signo);
    }
    spdlog::info("signal {}: shutting down", signo);
    begin_shutdown();
    // Keep listening: a second signal means "now".
    signals_.async_wait([this](error_code wait_ec, int n) { on_signal(wait_ec, n); });
}

void server::begin_shutdown() {
    if (shutting_down_) return;
    shutting_down_ = true;
    listener_->stop();
    spdlog::info("shutdown: {} sessions to finish", hub_.size());
    hub_.shutdown();
    shutdown_deadline_ = std::chrono::steady_clock::now() + config_.shutdown_grace;
    wait_for_sessions();
}

void server::wait_for_sessions() {
    const std::size_t open = hub_.size();
    if (open == 0 || std::chrono::steady_clock::now() >= shutdown_deadline_) {
        if (open != 0) spdlog::warn("shutdown: {} sessions still open, stopping anyway", open);
        ioc_.stop();
        return;
    }
    // Polling keeps the sessions free of any shutdown bookkeeping; 25 ms is invisible
    // next to a close handshake and costs nothing while the server stops.
    shutdown_timer_.expires_after(std::chrono::milliseconds(25));
    shutdown_timer_.async_wait([this](error_code ec) {
        if (!ec) wait_for_sessions();
    });
}

}  // namespace sotay::server
