// The layers under a WebSocket (sync_client.cpp) or an HTTP exchange (http_post.cpp):
// resolve, TCP connect and, for wss:// and https://, TLS with the server's certificate
// checked. Every step is bounded by connect_options::timeout.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <memory>
#include <sotay/client/sync_client.hpp>
#include <string>

namespace sotay::client::detail {

using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

// What a TLS connection needs besides its stream: the context, which must outlive the
// stream, and why the certificate check refused the server, when it did (written by the
// verify callback, read when the handshake fails). Must not move once handshake_tls()
// was called with it.
struct tls_state {
    std::unique_ptr<boost::asio::ssl::context> context;
    std::string refusal;
    bool wrong_name = false;  // the chain was trusted but names another host
};

// A tls_client context: TLS 1.2 or later, the peer verified against options.ca_file (a
// PEM file) or, when it is empty, the system's trust store. Throws transport_error when
// the CA file cannot be used.
std::unique_ptr<boost::asio::ssl::context> make_tls_context(const connect_options& options);

// The exception for a failed or timed-out step ("connect failed: ...", "read timed out
// after 10000 ms").
transport_error step_failure(const boost::system::error_code& ec, const std::string& what,
                             std::chrono::milliseconds timeout);

// Resolves options.host and connects `tcp`. Throws transport_error (the socket is then
// closed).
void connect_tcp(boost::asio::io_context& ioc, boost::beast::tcp_stream& tcp,
                 const connect_options& options);

// Sends SNI (for a host name, not an address), checks the certificate chain and that the
// certificate names options.host, then runs the TLS handshake on the connected stream.
// Throws transport_error; when the certificate was refused its message says that the
// certificate was not trusted, and why.
void handshake_tls(boost::asio::io_context& ioc, tls_stream& stream, tls_state& tls,
                   const connect_options& options);

// Closes the socket; with `reset`, at once with a RST instead of a FIN. Never throws.
void drop_socket(boost::asio::ip::tcp::socket& socket, bool reset) noexcept;

}  // namespace sotay::client::detail
