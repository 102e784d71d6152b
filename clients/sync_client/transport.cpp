#include "transport.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/verify_context.hpp>
#include <filesystem>

#include "run_step.hpp"

namespace sotay::client::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

std::unique_ptr<ssl::context> make_tls_context(const connect_options& options) {
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
    // TLS 1.0 and 1.1 are deprecated (RFC 8996); every current server speaks 1.2 or 1.3.
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    ctx->set_verify_mode(ssl::verify_peer);
    boost::system::error_code ec;
    if (options.ca_file.empty()) {
        ctx->set_default_verify_paths(ec);
        if (ec) {
            throw transport_error(ec, "cannot load the system's trusted certificates: " +
                                          ec.message() + "; pass a CA file");
        }
        return ctx;
    }
    // A clear sentence for the common mistakes before OpenSSL's terse one.
    std::error_code fs_ec;
    if (!std::filesystem::is_regular_file(options.ca_file, fs_ec)) {
        throw transport_error(asio::error::not_found,
                              "the CA file '" + options.ca_file + "' does not exist");
    }
    ctx->load_verify_file(options.ca_file, ec);
    if (ec) {
        throw transport_error(ec, "the CA file '" + options.ca_file +
                                      "' holds no usable PEM certificate: " + ec.message());
    }
    return ctx;
}

transport_error step_failure(const boost::system::error_code& ec, const std::string& what,
                             std::chrono::milliseconds timeout) {
    if (ec == beast::error::timeout) {
        return transport_error(
            ec, what + " timed out after " + std::to_string(timeout.count()) + " ms");
    }
    return transport_error(ec, what + " failed: " + ec.message());
}

void connect_tcp(asio::io_context& ioc, beast::tcp_stream& tcp_layer,
                 const connect_options& options) {
    auto& socket = tcp_layer.socket();
    tcp::resolver resolver(ioc);
    tcp::resolver::results_type endpoints;
    auto ec = run_step(
        ioc,
        [&](auto handler) {
            resolver.async_resolve(options.host, std::to_string(options.port),
                                   [&endpoints, handler](boost::system::error_code e,
                                                         tcp::resolver::results_type r) mutable {
                                       endpoints = std::move(r);
                                       handler(e);
                                   });
        },
        options.timeout, [&] { resolver.cancel(); });
    if (ec) {
        throw step_failure(ec, "resolve", options.timeout);
    }
    ec = run_step(
        ioc, [&](auto handler) { tcp_layer.async_connect(endpoints, handler); }, options.timeout,
        [&] { drop_socket(socket, false); });
    if (ec) {
        drop_socket(socket, false);
        throw step_failure(ec, "connect", options.timeout);
    }
}

void handshake_tls(asio::io_context& ioc, tls_stream& stream, tls_state& tls,
                   const connect_options& options) {
    auto& socket = beast::get_lowest_layer(stream).socket();
    boost::system::error_code not_address;
    asio::ip::make_address(options.host, not_address);
    // SNI names a host; RFC 6066 forbids sending an address.
    if (not_address && !SSL_set_tlsext_host_name(stream.native_handle(), options.host.c_str())) {
        drop_socket(socket, false);
        throw transport_error(asio::error::invalid_argument,
                              "cannot send the TLS server name '" + options.host + "'");
    }
    tls.refusal.clear();
    tls.wrong_name = false;
    stream.set_verify_callback(
        [&tls, host = options.host, check = ssl::host_name_verification(options.host)](
            bool preverified, ssl::verify_context& ctx) {
            if (!preverified) {
                const int err = X509_STORE_CTX_get_error(ctx.native_handle());
                tls.refusal = X509_verify_cert_error_string(err);
                return false;
            }
            if (!check(preverified, ctx)) {
                tls.refusal = "it is not issued for '" + host + "'";
                tls.wrong_name = true;
                return false;
            }
            return true;
        });
    const auto ec = run_step(
        ioc, [&](auto handler) { stream.async_handshake(ssl::stream_base::client, handler); },
        options.timeout, [&] { drop_socket(socket, false); });
    if (!ec) {
        return;
    }
    drop_socket(socket, false);
    if (!tls.refusal.empty()) {
        std::string advice;
        if (tls.wrong_name) {
            advice = "use the name the certificate was issued for in the URL";
        } else if (options.ca_file.empty()) {
            advice =
                "it is not signed by a CA this system trusts; give the CA certificate "
                "that signed it as the CA file";
        } else {
            advice = "it is not signed by a certificate in '" + options.ca_file + "'";
        }
        throw transport_error(ec, "TLS handshake with " + options.host + ":" +
                                      std::to_string(options.port) +
                                      " failed: the server's certificate was not trusted (" +
                                      tls.refusal + "); " + advice);
    }
    throw step_failure(ec, "TLS handshake", options.timeout);
}

void drop_socket(tcp::socket& socket, bool reset) noexcept {
    boost::system::error_code ignored;
    if (reset && socket.is_open()) {
        // Linger 0: close() sends RST at once instead of a FIN after queued data.
        socket.set_option(asio::socket_base::linger(true, 0), ignored);
    }
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
}

}  // namespace sotay::client::detail
