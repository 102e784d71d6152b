#include "ws_link.hpp"

#include <boost/asio/connect.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/url/parse.hpp>

#include <chrono>
#include <stdexcept>
#include <utility>

namespace sotay::loadgen {

namespace {

// A TCP connect on loopback takes microseconds; ten seconds means the server is gone
// (or its accept queue is stuck), which should fail the run, not hang it.
constexpr auto connect_timeout = std::chrono::seconds(10);
// The server sends a catch-up page as one message; 1,000 records of ~300 bytes is well
// under 1 MiB, so 64 MiB only guards against a runaway, it never limits a real page.
constexpr std::size_t read_message_max = 64u << 20;
// Push frames are ~50-100 KiB; writing them in 64 KiB pieces (instead of Beast's 4 KiB
// default) keeps the client's masking and send calls from dominating its CPU.
constexpr std::size_t write_buffer_bytes = 64u << 10;

std::string_view subprotocol(sync::wire_format f) {
    return f == sync::wire_format::binary ? sync::subprotocol_binary : sync::subprotocol_json;
}

}  // namespace

server_address resolve_ws_url(net::io_context& ioc, std::string_view url) {
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed) throw std::runtime_error("not a URL: " + std::string(url));
    if (parsed->scheme() != "ws") {
        throw std::runtime_error("only ws:// URLs are supported, got " + std::string(url));
    }
    const std::string host = parsed->host();
    const std::string port = parsed->has_port() ? std::string(parsed->port()) : "80";
    server_address a;
    a.host = host + ":" + port;
    a.target = parsed->encoded_path().empty() ? "/" : std::string(parsed->encoded_path());
    tcp::resolver resolver(ioc);
    a.endpoints = resolver.resolve(host, port);  // throws system_error with the reason
    return a;
}

void run_control::fail(std::string what) {
    {
        std::lock_guard lock(mutex_);
        if (failed_.load()) return;
        failure_ = std::move(what);
        failed_.store(true);
    }
    ioc_.stop();
}

std::string run_control::failure() const {
    std::lock_guard lock(mutex_);
    return failure_;
}

ws_link::ws_link(net::io_context& ioc, const server_address& where, sync::wire_format format,
                 run_control& control, std::string name)
    : ws_(net::make_strand(ioc)),
      where_(where),
      format_(format),
      control_(control),
      name_(std::move(name)) {
    // A catch-up page may hold up to the page limit of records; never refuse one we
    // asked for (the client-side decoder's bound is protection, not policy).
    limits_.max_records = 100000;
}

void ws_link::start() {
    // Step 1: TCP connect, bounded in time.
    beast::get_lowest_layer(ws_).expires_after(connect_timeout);
    beast::get_lowest_layer(ws_).async_connect(
        where_.endpoints, beast::bind_front_handler(&ws_link::on_connect, shared_from_this()));
}

void ws_link::on_connect(beast::error_code ec, const tcp::endpoint&) {
    if (ec) return fail("connect: " + ec.message());
    // The WebSocket layer has its own timeouts from here on.
    beast::get_lowest_layer(ws_).expires_never();
    // Small frames (hello, pull) must not wait for Nagle's algorithm.
    beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true));

    // Step 2: the upgrade, offering exactly one subprotocol.
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    ws_.set_option(websocket::stream_base::decorator([p = subprotocol(format_)](
                                                         websocket::request_type& req) {
        req.set(beast::http::field::sec_websocket_protocol, p);
        req.set(beast::http::field::user_agent, "sotay-loadgen");
    }));
    ws_.read_message_max(read_message_max);
    ws_.auto_fragment(false);
    ws_.write_buffer_bytes(write_buffer_bytes);
    if (format_ == sync::wire_format::binary) {
        ws_.binary(true);
    } else {
        ws_.text(true);
    }
    ws_.async_handshake(upgrade_, where_.host, where_.target,
                        beast::bind_front_handler(&ws_link::on_handshake, shared_from_this()));
}

void ws_link::on_handshake(beast::error_code ec) {
    if (ec) return fail("websocket handshake: " + ec.message());
    const auto chosen = upgrade_[beast::http::field::sec_websocket_protocol];
    if (chosen != subprotocol(format_)) {
        return fail("server chose subprotocol '" + std::string(chosen) + "', offered '" +
                    std::string(subprotocol(format_)) + "'");
    }
    // Step 3: read for the life of the link; the subclass starts the conversation.
    do_read();
    on_open();
}

void ws_link::do_read() {
    ws_.async_read(in_, beast::bind_front_handler(&ws_link::on_read, shared_from_this()));
}

void ws_link::on_read(beast::error_code ec, std::size_t bytes) {
    if (dead_) return;
    if (closing_) return;  // our own close is under way: whatever the read says is expected
    if (ec == websocket::error::closed) {
        const auto& reason = ws_.reason();
        const std::string text(reason.reason.data(), reason.reason.size());
        return fail("server closed the connection (code " + std::to_string(reason.code) +
                    (text.empty() ? "" : ": " + text) + ")");
    }
    if (ec) return fail("read: " + ec.message());

    control_.bytes_received += bytes;
    ++control_.frames_received;
    const auto data = in_.cdata();
    auto decoded = sync::decode(
        format_, std::string_view(static_cast<const char*>(data.data()), data.size()), limits_);
    in_.consume(in_.size());
    if (!decoded) {
        return fail("undecodable message from the server: " + decoded.error().message);
    }
    // Keep reading first: on_message may close, and a close needs a pending read to
    // receive the server's close frame.
    do_read();
    on_message(std::move(*decoded));
}

void ws_link::send_ref(const std::string& frame) {
    queue_.push_back(out_frame{&frame, {}});
    if (!writing_) do_write();
}

void ws_link::send_owned(std::string frame) {
    queue_.push_back(out_frame{nullptr, std::move(frame)});
    if (!writing_) do_write();
}

void ws_link::do_write() {
    if (dead_) return;
    if (queue_.empty()) {
        writing_ = false;
        if (close_wanted_ && !closing_) do_close();
        return;
    }
    // Beast allows one write in flight per stream: the queue holds the rest.
    writing_ = true;
    const std::string& bytes = queue_.front().bytes();
    ws_.async_write(net::buffer(bytes),
                    beast::bind_front_handler(&ws_link::on_write, shared_from_this()));
}

void ws_link::on_write(beast::error_code ec, std::size_t bytes) {
    if (dead_) return;
    if (ec) return fail("write: " + ec.message());
    control_.bytes_sent += bytes;
    ++control_.frames_sent;
    queue_.pop_front();
    do_write();
}

void ws_link::close() {
    close_wanted_ = true;
    if (!writing_ && !closing_) do_close();
}

void ws_link::do_close() {
    closing_ = true;
    ws_.async_close(websocket::close_code::normal,
                    beast::bind_front_handler(&ws_link::on_close, shared_from_this()));
}

void ws_link::on_close(beast::error_code ec) {
    if (dead_) return;
    // A server that drops TCP right after its close frame is not a benchmark failure.
    if (ec && ec != net::error::eof && ec != net::error::connection_reset) {
        return fail("close: " + ec.message());
    }
    on_closed();
}

void ws_link::fail(std::string what) {
    if (dead_) return;
    dead_ = true;
    control_.fail(name_ + ": " + what);
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
}

}  // namespace sotay::loadgen
