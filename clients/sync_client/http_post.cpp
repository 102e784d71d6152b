#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <sotay/client/http_post.hpp>

#include "run_step.hpp"
#include "transport.hpp"

namespace sotay::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// Writes the request and reads the answer on a connected (and, for https, TLS) stream.
template <typename Stream>
http_answer exchange(asio::io_context& ioc, Stream& stream, const connect_options& options,
                     const http::request<http::string_body>& request) {
    auto& socket = beast::get_lowest_layer(stream).socket();
    const auto step = [&](auto initiate, const char* what) {
        const auto ec = detail::run_step(ioc, initiate, options.timeout,
                                         [&] { detail::drop_socket(socket, false); });
        if (ec) {
            detail::drop_socket(socket, false);
            throw detail::step_failure(ec, what, options.timeout);
        }
    };
    step([&](auto handler) { http::async_write(stream, request, handler); }, "HTTP request");

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(max_http_answer_bytes);
    step([&](auto handler) { http::async_read(stream, buffer, parser, handler); }, "HTTP answer");
    // Connection: close was asked for; the server closes, so do we (no TLS close_notify
    // exchange: the answer is complete and nothing else travels on this connection).
    detail::drop_socket(socket, false);

    const auto& response = parser.get();
    http_answer answer;
    answer.status = response.result_int();
    answer.content_type = std::string(response[http::field::content_type]);
    answer.body = response.body();
    return answer;
}

}  // namespace

http_answer http_post(const connect_options& options, const std::string& target,
                      const std::string& content_type, const std::string& body) {
    http::request<http::string_body> request{http::verb::post, target, 11};
    request.set(http::field::host, options.host + ":" + std::to_string(options.port));
    request.set(http::field::user_agent, "sotay-sync-client");
    request.set(http::field::content_type, content_type);
    request.set(http::field::accept, "application/json");
    request.set(http::field::connection, "close");
    request.body() = body;
    request.prepare_payload();

    asio::io_context ioc;
    if (!options.tls) {
        beast::tcp_stream stream(ioc);
        detail::connect_tcp(ioc, stream, options);
        return exchange(ioc, stream, options, request);
    }
    detail::tls_state tls;
    tls.context = detail::make_tls_context(options);
    detail::tls_stream stream(ioc, *tls.context);
    detail::connect_tcp(ioc, beast::get_lowest_layer(stream), options);
    detail::handshake_tls(ioc, stream, tls, options);
    return exchange(ioc, stream, options, request);
}

}  // namespace sotay::client
