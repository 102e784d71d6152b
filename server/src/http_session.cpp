#include "http_session.hpp"

#include "origin.hpp"
#include "ws_session.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <type_traits>

namespace sotay::server {

namespace {

constexpr std::string_view org_import_path = "/api/v1/org/import";

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::string_view path_of(const http::request<http::string_body>& req) {
    const std::string_view target = req.target();
    return target.substr(0, target.find('?'));
}

std::string endpoint_text(const tcp::socket& socket) {
    error_code ec;
    const auto ep = socket.remote_endpoint(ec);
    if (ec) return "?";
    return ep.address().is_v6() ? "[" + ep.address().to_string() + "]:" + std::to_string(ep.port())
                                : ep.address().to_string() + ":" + std::to_string(ep.port());
}

http::response<http::string_body> make_response(const http::request<http::string_body>& req,
                                                http::status status,
                                                std::string_view content_type,
                                                std::string body) {
    http::response<http::string_body> res{status, req.version()};
    res.set(http::field::server, "sotay");
    res.set(http::field::content_type, content_type);
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

// H1: the body limit of a request's route, and how long its body may take to arrive.
struct body_rule {
    std::size_t limit;
    std::chrono::seconds timeout;
};

body_rule body_rule_of(const server_config& cfg, const http::request<http::string_body>& req) {
    const std::string_view path = path_of(req);
    if (req.method() == http::verb::post && path == org_import_path) {
        return {cfg.max_org_import_body, cfg.org_import_timeout};
    }
    if (path.starts_with("/api/")) return {cfg.max_api_body, cfg.http_read_timeout};
    return {cfg.max_http_body, cfg.http_read_timeout};
}

// An error in the API's shape (api/api.hpp H3), for the refusals made before the API.
http::response<http::string_body> json_error(const http::request<http::string_body>& req,
                                             http::status status, sync::errc code,
                                             std::string message) {
    boost::json::object body;
    body["code"] = sync::to_code(code);
    body["message"] = std::move(message);
    return make_response(req, status, "application/json", boost::json::serialize(body));
}

}  // namespace

std::optional<sync::wire_format> choose_subprotocol(const http::fields& headers) {
    bool json = false;
    bool binary = false;
    auto [first, last] = headers.equal_range(http::field::sec_websocket_protocol);
    for (auto it = first; it != last; ++it) {
        std::string_view list = it->value();
        while (!list.empty()) {
            const auto comma = list.find(',');
            const std::string_view token = trim(list.substr(0, comma));
            list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
            // Subprotocol names are compared exactly (RFC 6455 4.1: case-sensitive).
            if (token == sync::subprotocol_binary) binary = true;
            if (token == sync::subprotocol_json) json = true;
        }
    }
    // The binary form is smaller and faster: preferred whenever the client offers it.
    if (binary) return sync::wire_format::binary;
    if (json) return sync::wire_format::json;
    return std::nullopt;
}

http_session::http_session(net::any_io_executor strand, const session_services& services,
                           std::string remote)
    : services_(services), remote_(std::move(remote)), strand_(std::move(strand)) {
    spdlog::debug("{}: connection open", remote_);
}

http_session::~http_session() {
    // An upgraded connection logs its close in ws_session.
    if (!upgraded_) spdlog::debug("{}: connection closed", remote_);
}

void http_session::run() {
    // Onto the socket's strand before touching the stream.
    net::dispatch(strand_, [self = shared_from_this()] { self->start_handshake(); });
}

void http_session::on_handshake(error_code ec) {
    if (ec) return fail(ec, "TLS handshake");
    do_read();
}

void http_session::do_read() {
    parser_.emplace();
    // Until the header names the route, the largest limit of any route: Beast compares a
    // Content-Length with the limit as soon as the header is complete (H1).
    const auto& cfg = services_.config;
    parser_->body_limit(std::max({cfg.max_http_body, cfg.max_api_body, cfg.max_org_import_body}));
    start_read_header(cfg.http_read_timeout);
}

void http_session::on_header(error_code ec, std::size_t) {
    // Expected ends: the client closed a keep-alive connection, or went quiet.
    if (ec == http::error::end_of_stream || ec == ssl::error::stream_truncated) {
        return start_shutdown();
    }
    if (ec == beast::error::timeout) return fail(ec, "read timed out");
    if (ec == http::error::body_limit) {
        return refuse_too_large(services_.config.max_org_import_body);
    }
    if (ec) return fail(ec, "read header");

    // H1: the route's limit, now that the header names it.
    const body_rule rule = body_rule_of(services_.config, parser_->get());
    if (const auto length = parser_->content_length(); length && *length > rule.limit) {
        return refuse_too_large(rule.limit);
    }
    parser_->body_limit(rule.limit);  // chunked bodies are counted against it as they come
    if (parser_->is_done()) return on_read({}, 0);
    start_read_body(rule.timeout);
}

void http_session::on_read(error_code ec, std::size_t) {
    if (ec == http::error::body_limit) {
        return refuse_too_large(body_rule_of(services_.config, parser_->get()).limit);
    }
    if (ec == http::error::end_of_stream || ec == ssl::error::stream_truncated) {
        return start_shutdown();
    }
    if (ec == beast::error::timeout) return fail(ec, "read timed out");
    if (ec) return fail(ec, "read");

    try {
        serve(parser_->get());
    } catch (const std::exception& e) {
        // Nothing may escape a handler; the request gets a 500 and the connection closes.
        spdlog::error("{}: request failed: {}", remote_, e.what());
        auto res = json_error(parser_->get(), http::status::internal_server_error,
                              sync::errc::internal, "the server failed; retry later");
        res.keep_alive(false);
        send(std::move(res));
    }
}

void http_session::serve(http::request<http::string_body>& req) {
    const std::string_view path = path_of(req);
    const bool api = path.starts_with("/api/");
    const bool ws_upgrade = websocket::is_upgrade(req) && path == "/sync";

    // H2: a page of another site may not use the browser's cookie or open a sync
    // connection from it.
    if ((api || ws_upgrade) && !origin_ok(req)) {
        spdlog::info("{}: {} {} refused: Origin not allowed", remote_,
                     std::string_view(req.method_string()), path);
        auto res = json_error(req, http::status::forbidden, sync::errc::forbidden,
                              "requests from this Origin are not allowed; the server's "
                              "administrator can allow it with --allow-origin");
        res.keep_alive(false);
        return send(std::move(res));
    }

    if (ws_upgrade) {
        const auto format = choose_subprotocol(req);
        if (!format) {
            spdlog::info("{}: upgrade refused: no accepted subprotocol offered", remote_);
            auto res = make_response(
                req, http::status::bad_request, "text/plain",
                "Sec-WebSocket-Protocol must offer sotay.v1.bin or sotay.v1.json\n");
            res.keep_alive(false);
            return send(std::move(res));
        }
        // The ws_session takes the stream (and its strand); this session ends here.
        upgraded_ = true;
        return upgrade(*format);
    }

    if (api) {
        auto res = handle_api(req, remote_, services_.api);
        res.version(req.version());
        res.keep_alive(req.keep_alive());
        res.set(http::field::server, "sotay");
        res.prepare_payload();
        return send(std::move(res));
    }
    send(answer(req));
}

bool http_session::origin_ok(const http::request<http::string_body>& req) const {
    const std::string_view host = req[http::field::host];
    const bool tls = services_.tls != nullptr;
    auto [first, last] = req.equal_range(http::field::origin);
    // Every Origin given must pass: a second one must not smuggle a foreign site in.
    return std::all_of(first, last, [&](const auto& field) {
        return origin_allowed(field.value(), host, tls, services_.config.allowed_origins);
    });
}

http::response<http::string_body> http_session::answer(
    const http::request<http::string_body>& req) {
    const std::string_view path = path_of(req);

    if (path != "/healthz" && path != "/sync") {
        return make_response(req, http::status::not_found, "text/plain", "not found\n");
    }
    if (req.method() != http::verb::get) {
        auto res = make_response(req, http::status::method_not_allowed, "text/plain",
                                 "method not allowed\n");
        res.set(http::field::allow, "GET");
        return res;
    }
    if (path == "/sync") {
        // A plain GET (or an upgrade to something other than WebSocket).
        auto res = make_response(req, http::status::upgrade_required, "text/plain",
                                 "/sync speaks WebSocket with subprotocol sotay.v1.bin or "
                                 "sotay.v1.json\n");
        res.set(http::field::upgrade, "websocket");
        return res;
    }
    boost::json::object body;
    body["status"] = "ok";
    body["head"] = services_.db.head();
    return make_response(req, http::status::ok, "application/json", boost::json::serialize(body));
}

void http_session::refuse_too_large(std::size_t limit) {
    spdlog::info("{}: request body over {} bytes refused", remote_, limit);
    auto res = json_error(parser_->get(), http::status::payload_too_large, sync::errc::too_large,
                          "the request body is over the limit of " + std::to_string(limit) +
                              " bytes for this path");
    // The rest of the body is not read: the connection cannot carry another request.
    res.keep_alive(false);
    send(std::move(res));
}

void http_session::send(http::response<http::string_body>&& res) {
    keep_alive_ = res.keep_alive();
    res_ = std::move(res);
    start_write();
}

void http_session::on_write(error_code ec, std::size_t) {
    if (ec) return fail(ec, "write");
    res_.reset();
    if (!keep_alive_) return start_shutdown();
    do_read();
}

void http_session::fail(error_code ec, const char* what) {
    if (ec == net::error::operation_aborted) return;
    spdlog::debug("{}: {}: {}", remote_, what, ec.message());
}

// The transport ------------------------------------------------------------------------

namespace {

template <class Stream>
inline constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

template <class Stream>
Stream make_stream(tcp::socket&& socket, const session_services& services) {
    if constexpr (is_tls<Stream>) {
        return Stream(std::move(socket), *services.tls);
    } else {
        return Stream(std::move(socket));
    }
}

}  // namespace

template <class Stream>
basic_http_session<Stream>::basic_http_session(tcp::socket&& socket,
                                               const session_services& services)
    : http_session(socket.get_executor(), services, endpoint_text(socket)),
      stream_(make_stream<Stream>(std::move(socket), services)) {}

template <class Stream>
std::shared_ptr<basic_http_session<Stream>> basic_http_session<Stream>::self() {
    return std::static_pointer_cast<basic_http_session>(shared_from_this());
}

template <class Stream>
void basic_http_session<Stream>::start_handshake() {
    if constexpr (is_tls<Stream>) {
        // A client that connects and says nothing frees its slot after the timeout.
        beast::get_lowest_layer(stream_).expires_after(services_.config.handshake_timeout);
        stream_.async_handshake(ssl::stream_base::server,
                                [self = self()](error_code ec) { self->on_handshake(ec); });
    } else {
        on_handshake({});
    }
}

template <class Stream>
void basic_http_session<Stream>::start_read_header(std::chrono::seconds timeout) {
    beast::get_lowest_layer(stream_).expires_after(timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = self()](error_code ec, std::size_t n) { self->on_header(ec, n); });
}

template <class Stream>
void basic_http_session<Stream>::start_read_body(std::chrono::seconds timeout) {
    beast::get_lowest_layer(stream_).expires_after(timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = self()](error_code ec, std::size_t n) { self->on_read(ec, n); });
}

template <class Stream>
void basic_http_session<Stream>::start_write() {
    http::async_write(stream_, *res_,
                      [self = self()](error_code ec, std::size_t n) { self->on_write(ec, n); });
}

template <class Stream>
void basic_http_session<Stream>::start_shutdown() {
    if constexpr (is_tls<Stream>) {
        // close_notify, bounded: a peer that never answers it does not hold the socket.
        beast::get_lowest_layer(stream_).expires_after(services_.config.handshake_timeout);
        stream_.async_shutdown([self = self()](error_code) {
            beast::get_lowest_layer(self->stream_).close();
        });
    } else {
        // Half-close: the client sees the end of the response, then EOF.
        error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        // Closing with unread bytes (the rest of a refused body) would make the kernel
        // reset the connection, and a reset can destroy the response before the client
        // reads it: wait for the client's end first, for one read timeout at most.
        beast::get_lowest_layer(stream_).expires_after(services_.config.http_read_timeout);
        linger();
    }
}

template <class Stream>
void basic_http_session<Stream>::linger() {
    if constexpr (!is_tls<Stream>) {
        buffer_.clear();
        stream_.async_read_some(buffer_.prepare(16 * 1024),
                                [self = self()](error_code ec, std::size_t) {
                                    // EOF, the timeout or an error: the socket closes with
                                    // the session.
                                    if (!ec) self->linger();
                                });
    }
}

template <class Stream>
void basic_http_session<Stream>::upgrade(sync::wire_format format) {
    std::make_shared<basic_ws_session<Stream>>(std::move(stream_), services_, format, remote_)
        ->run(parser_->release());
}

template class basic_http_session<plain_stream>;
template class basic_http_session<tls_stream>;

}  // namespace sotay::server
