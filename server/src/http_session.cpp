#include "http_session.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <spdlog/spdlog.h>

#include <exception>

namespace sotay::server {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
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

http_session::http_session(tcp::socket&& socket, const session_services& services)
    : stream_(std::move(socket)), services_(services), remote_(endpoint_text(stream_.socket())) {
    spdlog::debug("{}: connection open", remote_);
}

http_session::~http_session() {
    // An upgraded connection logs its close in ws_session.
    if (!upgraded_) spdlog::debug("{}: connection closed", remote_);
}

void http_session::run() {
    // Onto the socket's strand before touching the stream.
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&http_session::do_read, shared_from_this()));
}

void http_session::do_read() {
    parser_.emplace();
    parser_->body_limit(services_.config.max_http_body);
    stream_.expires_after(services_.config.http_read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&http_session::on_read, shared_from_this()));
}

void http_session::on_read(error_code ec, std::size_t) {
    // Expected ends: the client closed a keep-alive connection, or went quiet.
    if (ec == http::error::end_of_stream) return do_close();
    if (ec == beast::error::timeout) return fail(ec, "read timed out");
    if (ec == http::error::body_limit) {
        const auto& req = parser_->get();
        auto res = make_response(req, http::status::payload_too_large, "text/plain",
                                 "request body too large\n");
        res.keep_alive(false);
        return send(std::move(res));
    }
    if (ec) return fail(ec, "read");

    try {
        http::request<http::string_body>& req = parser_->get();
        const std::string_view target = req.target();
        const std::string_view path = target.substr(0, target.find('?'));

        if (websocket::is_upgrade(req) && path == "/sync") {
            const auto format = choose_subprotocol(req);
            if (!format) {
                spdlog::info("{}: upgrade refused: no accepted subprotocol offered", remote_);
                auto res = make_response(
                    req, http::status::bad_request, "text/plain",
                    "Sec-WebSocket-Protocol must offer sotay.v1.bin or sotay.v1.json\n");
                res.keep_alive(false);
                return send(std::move(res));
            }
            // The ws_session takes the socket (and its strand); this session ends here.
            upgraded_ = true;
            std::make_shared<ws_session>(stream_.release_socket(), services_, *format, remote_)
                ->run(parser_->release());
            return;
        }
        send(answer(req));
    } catch (const std::exception& e) {
        // Nothing may escape a handler; the request gets a 500 and the connection closes.
        spdlog::error("{}: request failed: {}", remote_, e.what());
        auto res = make_response(parser_->get(), http::status::internal_server_error,
                                 "text/plain", "internal error\n");
        res.keep_alive(false);
        send(std::move(res));
    }
}

http::response<http::string_body> http_session::answer(
    const http::request<http::string_body>& req) {
    const std::string_view target = req.target();
    const std::string_view path = target.substr(0, target.find('?'));

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

void http_session::send(http::response<http::string_body>&& res) {
    const bool keep_alive = res.keep_alive();
    res_ = std::move(res);
    http::async_write(stream_, *res_,
                      beast::bind_front_handler(&http_session::on_write, shared_from_this(),
                                                keep_alive));
}

void http_session::on_write(bool keep_alive, error_code ec, std::size_t) {
    if (ec) return fail(ec, "write");
    res_.reset();
    if (!keep_alive) return do_close();
    do_read();
}

void http_session::do_close() {
    // Half-close: the client sees the end of the response, then EOF.
    error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
}

void http_session::fail(error_code ec, const char* what) {
    if (ec == net::error::operation_aborted) return;
    spdlog::debug("{}: {}: {}", remote_, what, ec.message());
}

}  // namespace sotay::server
