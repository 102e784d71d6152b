// One asynchronous WebSocket connection to a sotay server, speaking protocol v1.
//
// The load generator runs hundreds of these on one io_context, so they are callback
// chains in the Beast example style (connect -> handshake -> read loop, plus a write
// queue), each on its own strand. A link does the transport; what to send and what the
// answers mean belongs to the subclass (push_device, pull_client).
#pragma once

#include <sotay/sync/codec.hpp>
#include <sotay/sync/messages.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace sotay::loadgen {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

// Where to connect, resolved once for all links: 100 devices need not resolve 100 times.
struct server_address {
    tcp::resolver::results_type endpoints;
    std::string host;    // "host:port", sent in the Host header
    std::string target;  // path, e.g. "/sync"
};

// Parses "ws://host:port/path" and resolves it. Throws std::runtime_error on a bad URL
// (wss:// is refused: the benchmark runs on loopback, TLS would measure something else).
server_address resolve_ws_url(net::io_context& ioc, std::string_view url);

// The run-wide state every link reports to. Thread-safe.
class run_control {
public:
    explicit run_control(net::io_context& ioc) : ioc_(ioc) {}

    // Records the first failure and stops the whole run: a benchmark that lost a change
    // must not print a rate. Later failures are consequences and are dropped.
    void fail(std::string what);
    bool failed() const { return failed_.load(); }
    std::string failure() const;

    std::atomic<std::uint64_t> bytes_sent{0};
    std::atomic<std::uint64_t> bytes_received{0};
    std::atomic<std::uint64_t> frames_sent{0};
    std::atomic<std::uint64_t> frames_received{0};

private:
    net::io_context& ioc_;
    mutable std::mutex mutex_;
    std::string failure_;
    std::atomic<bool> failed_{false};
};

class ws_link : public std::enable_shared_from_this<ws_link> {
public:
    // `where` and `control` must outlive the link.
    ws_link(net::io_context& ioc, const server_address& where, sync::wire_format format,
            run_control& control, std::string name);
    virtual ~ws_link() = default;
    ws_link(const ws_link&) = delete;
    ws_link& operator=(const ws_link&) = delete;

    // Connects and shakes hands, then calls on_open() on the link's strand.
    void start();

protected:
    // All three hooks run on the link's strand, never concurrently.
    virtual void on_open() = 0;
    virtual void on_message(sync::message&& m) = 0;
    // After the closing handshake we started has finished.
    virtual void on_closed() {}

    // Queues a frame. `frame` is not copied: it must stay alive and unchanged until the
    // link is destroyed (prepared push frames live as long as their device). Strand only.
    void send_ref(const std::string& frame);
    // Queues a frame the link keeps until it is written. Strand only.
    void send_owned(std::string frame);
    // Starts a normal close once the queued frames are written. Strand only.
    void close();
    // Reports a failure to the run and drops the connection. Strand only.
    void fail(std::string what);

    sync::wire_format format() const { return format_; }
    const std::string& name() const { return name_; }
    run_control& control() { return control_; }

private:
    struct out_frame {
        const std::string* ref = nullptr;
        std::string owned;
        const std::string& bytes() const { return ref != nullptr ? *ref : owned; }
    };

    void on_connect(beast::error_code ec, const tcp::endpoint&);
    void on_handshake(beast::error_code ec);
    void do_read();
    void on_read(beast::error_code ec, std::size_t bytes);
    void do_write();
    void on_write(beast::error_code ec, std::size_t bytes);
    void do_close();
    void on_close(beast::error_code ec);

    websocket::stream<beast::tcp_stream> ws_;
    const server_address& where_;
    sync::wire_format format_;
    run_control& control_;
    std::string name_;  // for messages: "device 17 (0190…)"
    websocket::response_type upgrade_;
    beast::flat_buffer in_;
    sync::decode_limits limits_;
    // Deque: push_back and pop_front leave the other elements where they are, so the
    // frame being written stays put while new ones are queued.
    std::deque<out_frame> queue_;
    bool writing_ = false;
    bool close_wanted_ = false;
    bool closing_ = false;
    bool dead_ = false;
};

}  // namespace sotay::loadgen
