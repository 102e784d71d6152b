// One plain HTTP connection: serves GET /healthz and hands a WebSocket upgrade at /sync
// to a ws_session, after choosing the subprotocol.
//
//   GET /healthz          -> 200 application/json {"status":"ok","head":N}
//   upgrade at /sync      -> ws_session with sotay.v1.bin if offered, else sotay.v1.json;
//                            neither offered -> 400 naming the accepted subprotocols
//   GET /sync, no upgrade -> 426 Upgrade Required
//   other methods         -> 405;  other paths -> 404;  body over the limit -> 413
//
// Runs on the socket's strand; one request at a time (no pipelining), keep-alive honoured.
#pragma once

#include "net.hpp"
#include "ws_session.hpp"

#include <sotay/sync/codec.hpp>

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
    // `socket`'s executor must be a strand; `services` outlives the session.
    http_session(tcp::socket&& socket, const session_services& services);
    ~http_session();

    void run();

private:
    void do_read();
    void on_read(error_code ec, std::size_t bytes);
    void on_write(bool keep_alive, error_code ec, std::size_t bytes);
    void do_close();
    void fail(error_code ec, const char* what);

    // Builds the answer to a plain (non-upgrade) request.
    http::response<http::string_body> answer(const http::request<http::string_body>& req);
    void send(http::response<http::string_body>&& res);

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    const session_services& services_;
    std::string remote_;
    // Re-created for each request: a parser holds one message and its body limit.
    std::optional<http::request_parser<http::string_body>> parser_;
    // The response being written; it must live until the write completes.
    std::optional<http::response<http::string_body>> res_;
    bool upgraded_ = false;
};

}  // namespace sotay::server
