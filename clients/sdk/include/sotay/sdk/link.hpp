// The device's line to its server: one connection, hello, then request/answer.
//
// The SDK talks through this interface so that an app can bring its own transport (a
// platform WebSocket on iOS, a proxy, a test double) while the default, make_ws_link(),
// uses the blocking client in clients/sync_client over ws:// or wss:// (TLS).
//
// Failure contract (the SDK relies on it):
//   - open() and request() throw client::transport_error when the connection cannot be
//     made or is lost: the server may or may not have received what was sent.
//   - They throw client::client_error when the server answers `error` to hello (open)
//     or sends bytes that do not decode (request). An `error` answering a push or pull
//     is RETURNED by request() as a sync::error_msg, not thrown.
#pragma once

#include <sotay/sync/codec.hpp>
#include <sotay/sync/messages.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace sotay::sdk {

// A server address as the SDK stores it: ws://HOST:PORT/PATH or wss://HOST:PORT/PATH.
struct server_url {
    std::string host;
    std::uint16_t port = 80;  // 443 when tls and none is given
    std::string path = "/sync";
    bool tls = false;  // wss://: TLS, the server's certificate checked against host
};

// Parses "ws[s]://host[:port][/path]" (the path defaults to /sync, the port to 80 for
// ws:// and 443 for wss://). Returns nullopt and sets `why` (a sentence naming what is
// wrong) for anything else: another scheme, no host, a bad port, a query, a fragment or
// a user name.
std::optional<server_url> parse_server_url(const std::string& text, std::string& why);

class link {
public:
    virtual ~link() = default;
    // Connects, sends hello, returns welcome (see the failure contract above).
    virtual sync::welcome_msg open(const sync::hello_msg& hello) = 0;
    // Sends a request and returns the next message received.
    virtual sync::message request(const sync::message& m) = 0;
    // Ends the connection politely; never throws.
    virtual void close() noexcept = 0;
};

// What the SDK hands a factory: where and how to connect.
struct link_target {
    std::string url;
    sync::wire_format format = sync::wire_format::binary;
    // wss:// only: a PEM file of the certificates to trust (a private CA, or the server's
    // self-signed certificate); empty = the system's trust store.
    std::string ca_file;
    // Bound on every single network step (connect, one write, one read).
    std::chrono::milliseconds timeout{10000};
};

// Makes one link per sync() call. Throws std::invalid_argument for a URL it cannot use.
using link_factory = std::function<std::unique_ptr<link>(const link_target&)>;

// The default: a WebSocket over TCP, or over TLS for wss:// (sotay::client::sync_client),
// offering exactly the subprotocol of target.format.
std::unique_ptr<link> make_ws_link(const link_target& target);

}  // namespace sotay::sdk
