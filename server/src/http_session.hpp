// One HTTP connection (plain, or TLS after its handshake): serves GET /healthz, hands
// /api/ requests to the HTTP API and a WebSocket upgrade at /sync to a ws_session.
//
//   GET /healthz          -> 200 application/json {"status":"ok","head":N}
//   /api/...              -> handle_api (api/api.hpp)
//   upgrade at /sync      -> ws_session with sotay.v1.bin if offered, else sotay.v1.json;
//                            neither offered -> 400 naming the accepted subprotocols
//   GET /sync, no upgrade -> 426 Upgrade Required
//   other methods         -> 405;  other paths -> 404
//
// Checks before any of that:
//   H1. The header is read first; the body limit is then the route's (config:
//       max_org_import_body for POST /api/v1/org/import, max_api_body for other /api
//       requests, max_http_body elsewhere). A body over it -> 413 JSON too_large, and the
//       connection closes.
//   H2. An upgrade at /sync or an /api request that carries Origin is served only if the
//       origin is the server's own or allowed (origin.hpp); otherwise 403 JSON forbidden.
//
// Written once, run over two streams, like ws_session: http_session holds the logic,
// basic_http_session<Stream> the stream and its operations. Runs on the socket's strand;
// one request at a time (no pipelining), keep-alive honoured.
#pragma once

#include "net.hpp"
#include "services.hpp"

#include <sotay/sync/codec.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sotay::server {

// The subprotocol to answer for a Sec-WebSocket-Protocol offer (the header's values, in
// any number of comma-separated lists); nullopt when neither is offered.
std::optional<sync::wire_format> choose_subprotocol(const http::fields& headers);

class http_session : public std::enable_shared_from_this<http_session> {
public:
    virtual ~http_session();

    http_session(const http_session&) = delete;
    http_session& operator=(const http_session&) = delete;

    // Starts serving: the TLS handshake when there is one, then the first request.
    void run();

protected:
    // `strand` is the socket's executor (a strand); `services` outlives the session;
    // `remote` is the peer as "address:port".
    http_session(net::any_io_executor strand, const session_services& services,
                 std::string remote);

    // The transport, one implementation per stream type. Each starts one asynchronous
    // operation whose completion calls the matching on_x handler on the strand.
    virtual void start_handshake() = 0;                             // on_handshake
    virtual void start_read_header(std::chrono::seconds timeout) = 0;  // on_header
    virtual void start_read_body(std::chrono::seconds timeout) = 0;    // on_read
    virtual void start_write() = 0;                                  // *res_, on_write
    // Ends the connection politely (TCP half-close; TLS close_notify). No completion.
    virtual void start_shutdown() = 0;
    // Hands the stream and the upgrade request (parser_) to a new ws_session.
    virtual void upgrade(sync::wire_format format) = 0;

    void on_handshake(error_code ec);
    void on_header(error_code ec, std::size_t bytes);
    void on_read(error_code ec, std::size_t bytes);
    void on_write(error_code ec, std::size_t bytes);

    const session_services& services_;
    const std::string remote_;
    beast::flat_buffer buffer_;
    // Re-created for each request: a parser holds one message and its body limit.
    std::optional<http::request_parser<http::string_body>> parser_;
    // The response being written; it must live until the write completes.
    std::optional<http::response<http::string_body>> res_;
    bool upgraded_ = false;

private:
    void do_read();
    void fail(error_code ec, const char* what);
    // Routes a complete request.
    void serve(http::request<http::string_body>& req);
    // H2: true when the request carries no Origin or only allowed ones.
    bool origin_ok(const http::request<http::string_body>& req) const;
    // Builds the answer to a plain (non-upgrade, non-API) request.
    http::response<http::string_body> answer(const http::request<http::string_body>& req);
    void send(http::response<http::string_body>&& res);
    // H1: 413 and close.
    void refuse_too_large(std::size_t limit);

    const net::any_io_executor strand_;
    bool keep_alive_ = false;  // of the response being written
};

// The session over one stream type: plain_stream (http://) or tls_stream (https://).
template <class Stream>
class basic_http_session final : public http_session {
public:
    // Takes an accepted socket whose executor is a strand. For tls_stream,
    // services.tls must be set.
    basic_http_session(tcp::socket&& socket, const session_services& services);

private:
    void start_handshake() override;
    void start_read_header(std::chrono::seconds timeout) override;
    void start_read_body(std::chrono::seconds timeout) override;
    void start_write() override;
    void start_shutdown() override;
    void upgrade(sync::wire_format format) override;

    std::shared_ptr<basic_http_session> self();
    // Plain TCP after the half-close: reads and drops what the client still sends.
    void linger();

    Stream stream_;
};

extern template class basic_http_session<plain_stream>;
extern template class basic_http_session<tls_stream>;

}  // namespace sotay::server
