// A blocking client of the sync protocol (../shared/spec/sync-protocol.md): one WebSocket
// connection per object, every call returns when its work is done or its timeout ran out.
//
// Used by the end-to-end tests, the load generator and (issue 3) the device SDK. It knows
// the transport and the codecs, nothing of a device's state: the caller numbers its
// changes, keeps its clock and decides what to resend after last_seq.
//
// Failure contract:
//   - transport_error: the connection could not be made or is gone (refused, reset,
//     closed by the server, timed out). The object is then closed; connect() again.
//   - client_error: the server answered `error` (hello(), expect<T>()), or sent bytes the
//     codec refuses. The connection is still open unless the server closes it.
// A timeout closes the connection: a WebSocket read cannot be abandoned half-way and
// resumed, so a caller that only wants to peek must accept reconnecting afterwards.
//
// Thread safety: none. One thread owns a sync_client at a time; separate objects are
// independent (each has its own io_context).
#pragma once

#include <sotay/sync/codec.hpp>
#include <sotay/sync/error.hpp>
#include <sotay/sync/messages.hpp>

#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sotay::client {

struct connect_options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    std::string path = "/sync";
    sync::wire_format format = sync::wire_format::binary;
    // Ten seconds: the default bound on every single step (connect, handshake, one
    // write, one read). Loopback answers in milliseconds; a server that is alive but
    // committing a large batch to disk answers within a second or two.
    std::chrono::milliseconds timeout{10000};
    // wss://: TLS 1.2 or later over the TCP connection, the certificate checked against
    // `host` (SNI sent). ca_file: a PEM file of the certificates to trust (a private CA,
    // or the server's self-signed certificate); empty = the system's trust store.
    bool tls = false;
    std::string ca_file;
};

// The server answered `error`, or sent something this client cannot use (bad_message).
class client_error : public std::runtime_error {
  public:
    explicit client_error(sync::error_info info, std::optional<std::int64_t> id = {});

    sync::errc code() const { return info_.code; }
    const sync::error_info& info() const { return info_; }
    // The request id the error answers, when the server named one.
    const std::optional<std::int64_t>& id() const { return id_; }

  private:
    sync::error_info info_;
    std::optional<std::int64_t> id_;
};

// The connection failed or ended. code() is the Asio/Beast error (beast::error::timeout
// for a timeout, websocket::error::closed for a close frame from the server).
class transport_error : public std::runtime_error {
  public:
    transport_error(boost::system::error_code ec, const std::string& what);

    const boost::system::error_code& code() const { return ec_; }
    bool timed_out() const;

  private:
    boost::system::error_code ec_;
};

// Subprotocol negotiation: the name offered for a format, the format a name stands for,
// and the check that the server's answer picked exactly the one offered.
std::string_view subprotocol_of(sync::wire_format f);
std::optional<sync::wire_format> format_of(std::string_view subprotocol);
bool negotiated(sync::wire_format requested, std::string_view answered);

// Unwraps the answer the caller expects: T, or client_error carrying the server's error
// (or bad_message naming the unexpected type).
template <typename T>
T expect(sync::message m);

class sync_client {
  public:
    sync_client();
    ~sync_client();  // closes the socket without a WebSocket close handshake
    sync_client(const sync_client&) = delete;
    sync_client& operator=(const sync_client&) = delete;
    sync_client(sync_client&&) noexcept;
    sync_client& operator=(sync_client&&) noexcept;

    // Resolves, connects, for options.tls runs the TLS handshake (SNI, the certificate
    // checked against options.ca_file or the system's store and against options.host),
    // upgrades with the subprotocol of options.format and checks the server chose it.
    // Throws transport_error (an HTTP refusal names status and body; a refused
    // certificate says it was not trusted, and why). Closes any previous connection first.
    void connect(const connect_options& options);

    // Sends hello, returns welcome. Throws client_error with the server's code when it
    // answers error (auth_failed, device_revoked, ...).
    sync::welcome_msg hello(const std::string& device_id, const std::string& token,
                            std::int64_t client_time_ms);

    // Sends m, then returns the next message received, whatever it is: with a live pull
    // on the same connection that may be a `changes` rather than the answer to m.
    sync::message request(const sync::message& m);
    void send(const sync::message& m);
    // The next message; throws transport_error on timeout or close.
    sync::message receive();
    sync::message receive(std::chrono::milliseconds timeout);

    // Sends bytes as one frame without encoding them (tests: malformed input).
    void send_raw(std::string_view bytes, bool binary);

    // Drops the TCP connection at once (RST, no close frame): a link lost mid-exchange.
    void abort() noexcept;
    // WebSocket close handshake, then the socket is closed. Never throws; a server that
    // does not answer in time is aborted instead.
    void close() noexcept;

    bool is_open() const;
    sync::wire_format format() const;
    // A fresh request id for this connection: 1, 2, 3, ...
    std::int64_t next_id();
    // The close code the server sent, once a close frame was received.
    std::optional<std::uint16_t> close_code() const;

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// ---------------------------------------------------------------------------------------

template <typename T>
T expect(sync::message m) {
    if (T* wanted = std::get_if<T>(&m)) {
        return std::move(*wanted);
    }
    if (auto* err = std::get_if<sync::error_msg>(&m)) {
        throw client_error(std::move(err->error), err->id);
    }
    throw client_error({sync::errc::bad_message,
                        "unexpected message (variant index " + std::to_string(m.index()) + ")",
                        std::nullopt});
}

}  // namespace sotay::client
