// The blocking client: Beast's asynchronous operations driven one at a time on a private
// io_context (run_step.hpp), so that every step has a deadline.
#include <sotay/client/sync_client.hpp>

#include "run_step.hpp"
#include "transport.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <type_traits>
#include <variant>

namespace sotay::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

client_error::client_error(sync::error_info info, std::optional<std::int64_t> id)
    : std::runtime_error(std::string(sync::to_code(info.code)) + ": " + info.message),
      info_(std::move(info)),
      id_(id) {}

transport_error::transport_error(boost::system::error_code ec, const std::string& what)
    : std::runtime_error(what), ec_(ec) {}

bool transport_error::timed_out() const {
    return ec_ == beast::error::timeout;
}

std::string_view subprotocol_of(sync::wire_format f) {
    return f == sync::wire_format::json ? sync::subprotocol_json : sync::subprotocol_binary;
}

std::optional<sync::wire_format> format_of(std::string_view subprotocol) {
    if (subprotocol == sync::subprotocol_json) {
        return sync::wire_format::json;
    }
    if (subprotocol == sync::subprotocol_binary) {
        return sync::wire_format::binary;
    }
    return std::nullopt;
}

bool negotiated(sync::wire_format requested, std::string_view answered) {
    // The server must pick exactly one of the offered names: we offer one, so the
    // answer is that one, with no list and no other name.
    return answered == subprotocol_of(requested);
}

// The WebSocket over plain TCP (ws://) or over TLS (wss://): one implementation, every
// operation written once as a generic lambda applied to whichever stream is open.
using plain_ws = websocket::stream<beast::tcp_stream>;
using tls_ws = websocket::stream<detail::tls_stream>;

struct sync_client::impl {
    asio::io_context ioc;
    // Declared before ws: a TLS stream uses the context, so it must go first.
    detail::tls_state tls;
    std::variant<std::monostate, plain_ws, tls_ws> ws;
    connect_options options;
    std::int64_t last_id = 0;

    bool connected() const { return !std::holds_alternative<std::monostate>(ws); }

    // f(stream) on the open stream; transport_error when there is none.
    template <typename F>
    auto with_stream(F&& f) {
        if (auto* p = std::get_if<plain_ws>(&ws)) {
            return f(*p);
        }
        if (auto* t = std::get_if<tls_ws>(&ws)) {
            return f(*t);
        }
        throw transport_error(asio::error::not_connected, "not connected");
    }

    // Runs one asynchronous operation to completion or until `timeout`. On timeout the
    // socket is closed (the only way to stop a Beast operation) and the connection is
    // dropped. Any error also drops the connection: the client never guesses whether a
    // half-failed WebSocket stream is still in step.
    template <typename Initiate>
    void run(Initiate&& initiate, std::chrono::milliseconds timeout, const char* what) {
        const auto ec = detail::run_step(ioc, std::forward<Initiate>(initiate), timeout,
                                         [this] { drop_socket(false); });
        if (!ec) {
            return;
        }
        if (ec != beast::error::timeout) {
            close_code_on_failure();
        }
        drop_socket(false);
        ws.emplace<std::monostate>();
        throw detail::step_failure(ec, what, timeout);
    }

    // Keeps the server's close code before the stream that holds it goes away.
    std::optional<std::uint16_t> last_close_code;
    std::optional<std::uint16_t> reason_code() const {
        std::optional<std::uint16_t> code;
        if (ws.valueless_by_exception()) {
            return code;  // a stream whose construction threw has no close code
        }
        std::visit(
            [&code](const auto& s) {
                if constexpr (!std::is_same_v<std::decay_t<decltype(s)>, std::monostate>) {
                    if (s.reason().code != websocket::close_code::none) {
                        code = static_cast<std::uint16_t>(s.reason().code);
                    }
                }
            },
            ws);
        return code;
    }
    void close_code_on_failure() {
        if (const auto code = reason_code()) {
            last_close_code = code;
        }
    }

    void drop_socket(bool reset) noexcept {
        if (ws.valueless_by_exception()) {
            return;  // the stream's construction threw: there is no socket
        }
        std::visit(
            [reset](auto& s) {
                if constexpr (!std::is_same_v<std::decay_t<decltype(s)>, std::monostate>) {
                    detail::drop_socket(beast::get_lowest_layer(s).socket(), reset);
                }
            },
            ws);
    }

    void write(std::string_view bytes, bool binary) {
        with_stream([&](auto& s) {
            s.binary(binary);
            run(
                [&](auto handler) {
                    s.async_write(asio::buffer(bytes.data(), bytes.size()), handler);
                },
                options.timeout, "write");
        });
    }

    // The WebSocket upgrade on a connected (and, for wss://, TLS) stream; checks the
    // server chose the offered subprotocol.
    template <typename Stream>
    void upgrade(Stream& s) {
        // Our own deadlines bound every step; Beast's only bounds the close handshake.
        websocket::stream_base::timeout t{};
        t.handshake_timeout = options.timeout;
        t.idle_timeout = websocket::stream_base::none();
        t.keep_alive_pings = false;
        s.set_option(t);
        // 64 MiB: far above the largest answer a server sends (a page of 500 records of
        // at most a few KiB each), so only a broken server hits it.
        s.read_message_max(64 * 1024 * 1024);
        const std::string offered(subprotocol_of(options.format));
        s.set_option(websocket::stream_base::decorator([offered](websocket::request_type& req) {
            req.set(beast::http::field::sec_websocket_protocol, offered);
            req.set(beast::http::field::user_agent, "sotay-sync-client");
        }));

        websocket::response_type response;
        const std::string host = options.host + ":" + std::to_string(options.port);
        try {
            run([&](auto handler) { s.async_handshake(response, host, options.path, handler); },
                options.timeout, "WebSocket upgrade");
        } catch (const transport_error& e) {
            if (response.result_int() != 0 &&
                response.result() != beast::http::status::switching_protocols) {
                throw transport_error(e.code(), std::string(e.what()) + " (HTTP " +
                                                    std::to_string(response.result_int()) + ": " +
                                                    response.body() + ")");
            }
            throw;
        }
        const auto answered = response[beast::http::field::sec_websocket_protocol];
        if (!negotiated(options.format, std::string_view(answered.data(), answered.size()))) {
            drop_socket(false);
            ws.emplace<std::monostate>();
            throw transport_error(asio::error::no_protocol_option,
                                  "server chose subprotocol '" + std::string(answered) +
                                      "', offered '" + offered + "'");
        }
    }
};

sync_client::sync_client() : impl_(std::make_unique<impl>()) {}

sync_client::~sync_client() {
    if (impl_) {
        impl_->drop_socket(false);
    }
}

sync_client::sync_client(sync_client&&) noexcept = default;
sync_client& sync_client::operator=(sync_client&&) noexcept = default;

void sync_client::connect(const connect_options& options) {
    auto& m = *impl_;
    m.drop_socket(false);
    m.ws.emplace<std::monostate>();
    m.options = options;
    m.last_id = 0;
    m.last_close_code.reset();

    try {
        if (!options.tls) {
            auto& s = m.ws.emplace<plain_ws>(m.ioc);
            detail::connect_tcp(m.ioc, s.next_layer(), options);
            m.upgrade(s);
            return;
        }
        m.tls.context = detail::make_tls_context(options);
        auto& s = m.ws.emplace<tls_ws>(m.ioc, *m.tls.context);
        detail::connect_tcp(m.ioc, beast::get_lowest_layer(s), options);
        detail::handshake_tls(m.ioc, s.next_layer(), m.tls, options);
        m.upgrade(s);
    } catch (...) {
        m.drop_socket(false);
        m.ws.emplace<std::monostate>();
        throw;
    }
}

sync::welcome_msg sync_client::hello(const std::string& device_id, const std::string& token,
                                     std::int64_t client_time_ms) {
    sync::hello_msg h;
    h.device_id = device_id;
    h.token = token;
    h.client_time = client_time_ms;
    return expect<sync::welcome_msg>(request(h));
}

sync::message sync_client::request(const sync::message& m) {
    send(m);
    return receive();
}

void sync_client::send(const sync::message& m) {
    const auto f = impl_->options.format;
    impl_->write(sync::encode(f, m), f == sync::wire_format::binary);
}

sync::message sync_client::receive() {
    return receive(impl_->options.timeout);
}

sync::message sync_client::receive(std::chrono::milliseconds timeout) {
    auto& m = *impl_;
    beast::flat_buffer buffer;
    const bool got_text = m.with_stream([&](auto& ws) {
        m.run([&](auto handler) { ws.async_read(buffer, handler); }, timeout, "read");
        return ws.got_text();
    });

    const bool want_text = m.options.format == sync::wire_format::json;
    if (got_text != want_text) {
        throw client_error(
            {sync::errc::bad_message,
             want_text ? "binary frame on a JSON connection" : "text frame on a binary connection",
             std::nullopt});
    }
    const auto data = buffer.cdata();
    auto decoded = sync::decode(
        m.options.format, std::string_view(static_cast<const char*>(data.data()), data.size()));
    if (!decoded) {
        throw client_error(
            {decoded.error().code, "server message does not decode: " + decoded.error().message,
             std::nullopt},
            decoded.error().id);
    }
    return std::move(*decoded);
}

void sync_client::send_raw(std::string_view bytes, bool binary) {
    impl_->write(bytes, binary);
}

void sync_client::abort() noexcept {
    impl_->drop_socket(true);
    impl_->ws.emplace<std::monostate>();
}

void sync_client::close() noexcept {
    auto& m = *impl_;
    if (!m.connected()) {
        return;
    }
    try {
        // Beast reads and discards frames (e.g. live `changes`) until the close answer;
        // over TLS it then ends the TLS session (close_notify) before the socket.
        m.with_stream([&](auto& ws) {
            m.run([&](auto handler) { ws.async_close(websocket::close_code::normal, handler); },
                  m.options.timeout, "close");
        });
    } catch (const std::exception&) {
        // run() already dropped the connection; close() promises not to throw.
    }
    m.drop_socket(false);
    m.ws.emplace<std::monostate>();
}

bool sync_client::is_open() const {
    if (impl_->ws.valueless_by_exception()) {
        return false;
    }
    return std::visit(
        [](const auto& s) {
            if constexpr (std::is_same_v<std::decay_t<decltype(s)>, std::monostate>) {
                return false;
            } else {
                return s.is_open();
            }
        },
        impl_->ws);
}

sync::wire_format sync_client::format() const {
    return impl_->options.format;
}

std::int64_t sync_client::next_id() {
    return ++impl_->last_id;
}

std::optional<std::uint16_t> sync_client::close_code() const {
    if (const auto code = impl_->reason_code()) {
        return code;
    }
    return impl_->last_close_code;
}

}  // namespace sotay::client
