// The blocking client: Beast's asynchronous operations driven one at a time on a private
// io_context, so that every step has a deadline (Beast's synchronous calls have none).
#include <sotay/client/sync_client.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/stream.hpp>

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

struct sync_client::impl {
    asio::io_context ioc;
    std::optional<websocket::stream<beast::tcp_stream>> ws;
    connect_options options;
    std::int64_t last_id = 0;

    // Runs one asynchronous operation to completion or until `timeout`. On timeout the
    // socket is closed (the only way to stop a Beast operation) and the connection is
    // dropped. Any error also drops the connection: the client never guesses whether a
    // half-failed WebSocket stream is still in step.
    template <typename Initiate>
    void run(Initiate&& initiate, std::chrono::milliseconds timeout, const char* what) {
        boost::system::error_code result;
        bool done = false;
        initiate([&result, &done](boost::system::error_code ec, auto&&...) {
            result = ec;
            done = true;
        });
        // One handler at a time until ours ran: run_for() would also wait for other work,
        // such as the handshake timer Beast leaves armed when an upgrade is refused.
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        ioc.restart();
        while (!done && ioc.run_one_until(deadline) != 0) {
        }
        if (!done) {
            // Cancel by closing, then let the operation finish with operation_aborted.
            drop_socket(false);
            ioc.restart();
            while (!done && ioc.run_one() != 0) {
            }
            ws.reset();
            throw transport_error(
                beast::error::timeout,
                std::string(what) + " timed out after " + std::to_string(timeout.count()) + " ms");
        }
        if (result) {
            close_code_on_failure();
            drop_socket(false);
            ws.reset();
            throw transport_error(result, std::string(what) + " failed: " + result.message());
        }
    }

    // Keeps the server's close code before the stream that holds it goes away.
    std::optional<std::uint16_t> last_close_code;
    void close_code_on_failure() {
        if (ws && ws->reason().code != websocket::close_code::none) {
            last_close_code = static_cast<std::uint16_t>(ws->reason().code);
        }
    }

    void drop_socket(bool reset) {
        if (!ws) {
            return;
        }
        auto& socket = beast::get_lowest_layer(*ws).socket();
        boost::system::error_code ignored;
        if (reset && socket.is_open()) {
            // Linger 0: close() sends RST at once instead of a FIN after queued data.
            socket.set_option(asio::socket_base::linger(true, 0), ignored);
        }
        socket.shutdown(tcp::socket::shutdown_both, ignored);
        socket.close(ignored);
    }

    websocket::stream<beast::tcp_stream>& stream() {
        if (!ws) {
            throw transport_error(asio::error::not_connected, "not connected");
        }
        return *ws;
    }

    void write(std::string_view bytes, bool binary) {
        auto& s = stream();
        s.binary(binary);
        run([&](auto handler) { s.async_write(asio::buffer(bytes.data(), bytes.size()), handler); },
            options.timeout, "write");
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
    m.ws.reset();
    m.options = options;
    m.last_id = 0;
    m.last_close_code.reset();

    tcp::resolver resolver(m.ioc);
    tcp::resolver::results_type endpoints;
    m.run(
        [&](auto handler) {
            resolver.async_resolve(options.host, std::to_string(options.port),
                                   [&endpoints, handler](boost::system::error_code ec,
                                                         tcp::resolver::results_type r) mutable {
                                       endpoints = std::move(r);
                                       handler(ec);
                                   });
        },
        options.timeout, "resolve");

    m.ws.emplace(m.ioc);
    auto& ws = *m.ws;
    m.run([&](auto handler) { beast::get_lowest_layer(ws).async_connect(endpoints, handler); },
          options.timeout, "connect");

    // Our own deadlines bound every step; Beast's only bounds the close handshake.
    websocket::stream_base::timeout t{};
    t.handshake_timeout = options.timeout;
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;
    ws.set_option(t);
    // 64 MiB: far above the largest answer a server sends (a page of 500 records of at
    // most a few KiB each), so only a broken server hits it.
    ws.read_message_max(64 * 1024 * 1024);
    const std::string offered(subprotocol_of(options.format));
    ws.set_option(websocket::stream_base::decorator([offered](websocket::request_type& req) {
        req.set(beast::http::field::sec_websocket_protocol, offered);
        req.set(beast::http::field::user_agent, "sotay-sync-client");
    }));

    websocket::response_type response;
    const std::string host = options.host + ":" + std::to_string(options.port);
    try {
        m.run([&](auto handler) { ws.async_handshake(response, host, options.path, handler); },
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
        m.drop_socket(false);
        m.ws.reset();
        throw transport_error(
            asio::error::no_protocol_option,
            "server chose subprotocol '" + std::string(answered) + "', offered '" + offered + "'");
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
    auto& ws = m.stream();
    beast::flat_buffer buffer;
    m.run([&](auto handler) { ws.async_read(buffer, handler); }, timeout, "read");

    const bool want_text = m.options.format == sync::wire_format::json;
    if (ws.got_text() != want_text) {
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
    impl_->ws.reset();
}

void sync_client::close() noexcept {
    auto& m = *impl_;
    if (!m.ws) {
        return;
    }
    auto& ws = *m.ws;
    try {
        // Beast reads and discards frames (e.g. live `changes`) until the close answer.
        m.run([&](auto handler) { ws.async_close(websocket::close_code::normal, handler); },
              m.options.timeout, "close");
        m.drop_socket(false);
        m.ws.reset();
    } catch (const std::exception&) {
        // run() already dropped the connection; close() promises not to throw.
        m.drop_socket(false);
        m.ws.reset();
    }
}

bool sync_client::is_open() const {
    return impl_->ws && impl_->ws->is_open();
}

sync::wire_format sync_client::format() const {
    return impl_->options.format;
}

std::int64_t sync_client::next_id() {
    return ++impl_->last_id;
}

std::optional<std::uint16_t> sync_client::close_code() const {
    if (impl_->ws && impl_->ws->reason().code != websocket::close_code::none) {
        return static_cast<std::uint16_t>(impl_->ws->reason().code);
    }
    return impl_->last_close_code;
}

}  // namespace sotay::client
