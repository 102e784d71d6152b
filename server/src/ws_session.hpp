// One WebSocket connection speaking the sync protocol (spec: sync-protocol.md).
//
// States: accepting -> awaiting_hello -> ready, and closing from any of them. Before the
// hello every request is answered `not_ready`; so is a second hello.
//
// Everything a session does runs on its own strand (the socket's executor): the read
// loop, the write loop, store reads (authenticate, pull: SQLite readers do not block the
// writer in WAL mode) and the answers the commit queue posts back. So the members need
// no lock, except head_posted_, which the hub touches from the writer thread.
//
// Invariants:
//   W1. Push answers (push_result or error) are sent in the order the pushes arrived,
//       whatever finishes first: each push takes a slot, answers leave from the front.
//       A message that fails to decode while pushes are in flight (it may be a push with
//       too many changes) takes a slot too.
//   W2. A push is acknowledged only by the commit queue's completion, i.e. after it is
//       durable (commit_queue.hpp Q2).
//   W3. The outgoing queue holds at most config.max_outgoing_queue messages, and at most
//       that many pushes are in flight; a client that falls behind is closed with a
//       policy-error close and resumes from its cursor.
//   W4. At most one live catch-up is posted at a time however many commits land
//       (notifications coalesce), and it pauses while the outgoing queue is half full.
//   W5. On shutdown, pushes already submitted are still answered, later ones get
//       shutting_down, then the session closes with 1001 (going away).
#pragma once

#include "commit_queue.hpp"
#include "config.hpp"
#include "hub.hpp"
#include "net.hpp"

#include <sotay/store/store.hpp>
#include <sotay/sync/codec.hpp>
#include <sotay/sync/messages.hpp>

#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

namespace sotay::server {

// What every session uses; owned by the server, which outlives every session.
struct session_services {
    const server_config& config;
    store::store& db;
    commit_queue& commits;
    hub& fanout;
};

// The pull cursor, opaque to clients: "c1." followed by the decimal server_seq after
// which the next page starts ("c1" = layout version 1). null means from the beginning.
std::string format_cursor(std::uint64_t after);
// Parses a cursor made by format_cursor; nullopt for anything else.
std::optional<std::uint64_t> parse_cursor(std::string_view text);

class ws_session : public hub_member, public std::enable_shared_from_this<ws_session> {
public:
    // Takes over a socket whose upgrade request was read by http_session; the socket's
    // executor must be a strand. `remote` names the peer in log lines.
    ws_session(tcp::socket&& socket, const session_services& services,
               sync::wire_format format, std::string remote);
    ~ws_session() override;

    ws_session(const ws_session&) = delete;
    ws_session& operator=(const ws_session&) = delete;

    // Answers the upgrade (echoing the chosen subprotocol) and starts the read loop.
    // Call on the socket's strand.
    void run(http::request<http::string_body> req);

    // hub_member: may be called from any thread; both only post to the strand.
    void on_head(std::uint64_t head) override;
    void on_shutdown() override;

private:
    enum class state { accepting, awaiting_hello, ready };

    // One queued frame: a message, or (close set) the closing handshake.
    struct outgoing {
        std::string bytes;
        std::optional<websocket::close_reason> close;
    };

    // Asynchronous chain.
    void on_accept(error_code ec);
    void do_read();
    void on_read(error_code ec, std::size_t bytes);
    void do_write();
    void on_write(error_code ec, std::size_t bytes);
    void on_close(error_code ec);
    void fail(error_code ec, const char* what);
    // The connection is over (why: for the close log line; null keeps the first reason).
    void finish(const char* why);

    // Requests.
    void handle(sync::message&& m);
    void handle_hello(const sync::hello_msg& m);
    void handle_push(sync::push_msg&& m);
    void handle_pull(const sync::pull_msg& m);
    void handle_get_schema(const sync::get_schema_msg& m);
    void on_push_done(std::uint64_t slot, std::int64_t id, std::size_t changes,
                      store::result<store::push_outcome> r);
    // W1: a place in the answer order, or nullopt after closing the connection (W3).
    std::optional<std::uint64_t> take_push_slot();
    void answer_push(std::uint64_t slot, sync::message m);

    // Live pulls and shutdown (on the strand).
    void live_step();
    std::size_t live_high_water() const;
    void stop_live();
    void begin_shutdown();
    void maybe_close_for_shutdown();

    // Output.
    void send(const sync::message& m);
    void send_error(std::optional<std::int64_t> id, sync::errc code, std::string message);
    void close(websocket::close_code code, std::string reason, bool discard_queued);

    // The socket's strand, copied once: other threads post to it without touching ws_.
    const net::any_io_executor strand_;
    websocket::stream<beast::tcp_stream> ws_;
    beast::flat_buffer buffer_;
    const session_services& services_;
    const sync::wire_format format_;
    const std::string remote_;
    sync::decode_limits limits_;

    state state_ = state::accepting;
    std::string device_id_;
    std::int64_t clock_offset_ms_ = 0;

    // W1: answers of pushes in arrival order; slot numbers count from push_base_.
    std::deque<std::optional<sync::message>> push_answers_;
    std::uint64_t push_base_ = 0;

    // Live pull: the request id, the cursor reached, the page size, more pages pending.
    std::optional<std::int64_t> live_id_;
    std::uint64_t live_cursor_ = 0;
    std::uint32_t live_limit_ = 0;
    bool live_more_ = false;
    std::atomic<bool> head_posted_{false};  // W4

    std::deque<outgoing> queue_;
    bool writing_ = false;
    bool closing_ = false;        // a close is queued: nothing more is sent
    bool done_ = false;           // the read loop ended: the connection is over
    bool shutting_down_ = false;  // W5
    net::steady_timer close_timer_;

    // For the close log line: why the connection ended, and what it did.
    std::string end_reason_;
    std::uint64_t pushes_ = 0;
    std::uint64_t pulls_ = 0;
};

}  // namespace sotay::server
