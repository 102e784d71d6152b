#include "server.hpp"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <thread>
#include <vector>

namespace sotay::server {

namespace {

// Login: 5 failures per username or address in 15 minutes stops a password guesser at
// 480 guesses a day while a person who mistypes a few times is not locked out for long.
// Enrollment codes carry 50 random bits, so 10 failures per address is ample for typos.
constexpr std::size_t login_failures = 5;
constexpr std::size_t enroll_failures = 10;
constexpr std::chrono::minutes limit_window{15};

api_settings api_settings_of(const server_config& config) {
    api_settings s;
    s.tls = config.tls();
    s.allowed_origins = config.allowed_origins;
    s.openapi_json = config.openapi_json;
    s.audit_key = config.audit_key;
    s.indicators = config.indicators;
    return s;
}

std::optional<ssl::context> tls_context_of(const server_config& config) {
    if (!config.tls()) return std::nullopt;
    return make_tls_context(config);
}

}  // namespace

ssl::context make_tls_context(const server_config& config) {
    ssl::context ctx(ssl::context::tls_server);
    // TLS 1.0 and 1.1 are deprecated (RFC 8996); every phone of the last decade has 1.2.
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                    ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    if (SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION) != 1) {
        throw std::runtime_error("cannot require TLS 1.2 or later");
    }
    error_code ec;
    ctx.use_certificate_chain_file(config.tls_cert_file, ec);
    if (ec) {
        throw std::runtime_error("cannot load the certificate --tls-cert " +
                                 config.tls_cert_file + ": " + ec.message());
    }
    // OpenSSL refuses a key that is not the certificate's here already ("key values
    // mismatch"); the check after it covers a key of another type.
    const std::string cannot_use = "cannot use the private key --tls-key " +
                                   config.tls_key_file + " with the certificate " +
                                   config.tls_cert_file + ": ";
    ctx.use_private_key_file(config.tls_key_file, ssl::context::pem, ec);
    if (ec) throw std::runtime_error(cannot_use + ec.message());
    if (SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
        throw std::runtime_error(cannot_use + "it is not the certificate's key");
    }
    return ctx;
}

server::server(server_config config, std::unique_ptr<store::store> db,
               const tcp::endpoint& endpoint)
    : config_(std::move(config)),
      db_(std::move(db)),
      cursor_key_(db_->server_secret("cursor")),
      queue_(
          *db_, config_.commit_batch_max, [this](std::uint64_t head) { hub_.notify(head); },
          [this](std::uint64_t seq) { hub_.notify_review(seq); }),
      login_limiter_(login_failures, limit_window),
      enroll_limiter_(enroll_failures, limit_window),
      api_settings_(api_settings_of(config_)),
      api_{*db_, api_settings_, login_limiter_, enroll_limiter_},
      tls_(tls_context_of(config_)),
      ioc_(static_cast<int>(std::max(1u, config_.threads))),
      services_{config_, *db_, queue_, hub_, api_, tls_ ? &*tls_ : nullptr, cursor_key_},
      control_(net::make_strand(ioc_)),
      listener_(std::make_shared<listener>(ioc_, endpoint, services_)),
      signals_(control_, SIGINT, SIGTERM),
      shutdown_timer_(control_),
      security_timer_(control_) {
    // A review decision made over the API changes records and the review feed at once;
    // the watcher would notice within a poll, this is sooner.
    api_.decided = [this](const store::decision_outcome& d) {
        hub_.notify(d.head);
        hub_.notify_review(db_->review_seq());
    };
    if (!config_.tls() && !endpoint.address().is_loopback()) {
        spdlog::warn("plain ws:// on a non-loopback address: use --tls-cert/--tls-key in "
                     "production");
    }
}

server::~server() {
    // If run() never ran (or threw), the writer thread still must not outlive us.
    queue_.stop();
}

tcp::endpoint server::local_endpoint() const { return listener_->local_endpoint(); }

int server::run() {
    security_epoch_ = db_->security_epoch();
    // What is committed before we start needs no announcement: no session is live yet.
    hub_.notify(db_->head());
    hub_.notify_review(db_->review_seq());
    net::dispatch(control_, [this] { poll_store(); });
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
    security_timer_.cancel();
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

void server::poll_store() {
    security_timer_.expires_after(config_.security_poll_interval);
    security_timer_.async_wait([this](error_code ec) {
        if (ec || shutting_down_) return;
        try {
            const std::uint64_t epoch = db_->security_epoch();
            if (epoch != security_epoch_) {
                spdlog::info("security epoch {} -> {}: re-checking {} sessions", security_epoch_,
                             epoch, hub_.size());
                security_epoch_ = epoch;
                hub_.security_changed();
            }
            // Changes and review decisions committed by another process (sotay-admin
            // review ...) reach no listener of this one: tell the live sessions now. What
            // this process wrote was announced already (the hub remembers).
            if (const std::uint64_t head = db_->head(); head > hub_.notified_head()) {
                hub_.notify(head);
            }
            if (const std::uint64_t seq = db_->review_seq(); seq > hub_.notified_review()) {
                hub_.notify_review(seq);
            }
        } catch (const std::exception& e) {
            // Read again at the next tick; a lasting failure shows in every session too.
            spdlog::error("polling the store failed: {}", e.what());
        }
        poll_store();
    });
}

}  // namespace sotay::server
