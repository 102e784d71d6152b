// One WebSocket connection speaking the sync protocol (spec: sync-protocol.md).
//
// Written once, run over two streams: ws_session holds the protocol (states, requests,
// scope, queues) and is compiled once; basic_ws_session<Stream> adds the WebSocket stream
// over plain TCP or TLS and starts its asynchronous operations, whose completions come
// back to the on_x handlers here.
//
// States: accepting -> awaiting_hello -> ready, and closing from any of them. Before the
// hello every request is answered `not_ready`; so is a second hello.
//
// Everything a session does runs on its own strand (the socket's executor): the read
// loop, the write loop, store reads (authenticate, pull: SQLite readers do not block the
// writer in WAL mode) and the answers the commit queue posts back. So the members need
// no lock, except head_posted_ and review_posted_, which the hub touches from other
// threads.
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
//   W5. A session that ends on the server's initiative (shutdown, revocation, scope
//       change) still answers the pushes already submitted; later pushes and pulls get
//       the ending's error code; then it sends that error (none for a shutdown) and
//       closes (1001 for a shutdown, 1008 otherwise).
//   W6. Only records of the session's scope are sent: every read is
//       store::pull(scope_, ...) (store.hpp S6), and scope_ is the subtree of the
//       device user's org unit read at hello. A role without read_records gets
//       `forbidden` and nothing else.
//   W7. After store::security_epoch() moves, every ready session re-reads its device:
//       revoked or user disabled ends it with device_revoked; another role, org unit or
//       subtree ends it with scope_changed (W5). Live pages stop at once.
//   W8. get_review (ws_review.cpp) answers `review` pages of the items in scope_ (store
//       R3) for any role with read_records: an officer's phone learns of the items on its
//       records. With live, once caught up the session follows store::review_seq() through
//       the hub's review feed like a live pull follows the head (W4: coalesced, paused
//       while the queue is half full, stopped when the session ends). A new get_review
//       replaces the live one; a pull does not touch it, nor a get_review the live pull.
#pragma once

#include "cursor.hpp"
#include "hub.hpp"
#include "net.hpp"
#include "services.hpp"

#include <sotay/access/roles.hpp>
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

class ws_session : public hub_member, public std::enable_shared_from_this<ws_session> {
public:
    ~ws_session() override;

    ws_session(const ws_session&) = delete;
    ws_session& operator=(const ws_session&) = delete;

    // Answers the upgrade (echoing the chosen subprotocol) and starts the read loop.
    // Call on the socket's strand.
    void run(http::request<http::string_body> req);

    // hub_member: may be called from any thread; each only posts to the strand.
    void on_head(std::uint64_t head) override;
    void on_shutdown() override;
    void on_security_change() override;
    void on_review(std::uint64_t seq) override;

protected:
    // `strand` is the socket's executor (a strand); `remote` names the peer in log lines.
    ws_session(net::any_io_executor strand, const session_services& services,
               sync::wire_format format, std::string remote);

    // The transport, one implementation per stream type. Each starts one asynchronous
    // operation whose completion calls the matching on_x handler on the strand.
    virtual void start_accept(const http::request<http::string_body>& req) = 0;  // on_accept
    virtual void start_read(beast::flat_buffer& buffer) = 0;                      // on_read
    virtual void start_write(net::const_buffer bytes) = 0;                        // on_write
    virtual void start_close(const websocket::close_reason& reason) = 0;          // on_close
    // Whether the message just read came in a text frame.
    virtual bool got_text() const = 0;
    // Closes the TCP socket at once (a peer that never completes the close).
    virtual void drop() = 0;

    void on_accept(error_code ec);
    void on_read(error_code ec, std::size_t bytes);
    void on_write(error_code ec, std::size_t bytes);
    void on_close(error_code ec);

    const session_services& services_;
    const sync::wire_format format_;

private:
    enum class state { accepting, awaiting_hello, ready };

    // One queued frame: a message, or (close set) the closing handshake.
    struct outgoing {
        std::string bytes;
        std::optional<websocket::close_reason> close;
    };

    // Why and how a session ends on the server's initiative (W5).
    struct ending {
        sync::errc code;           // for requests that arrive meanwhile, and the last error
        std::string message;       // the sentence sent with it
        bool error_first = true;   // false for a shutdown: the close alone (protocol.md 1)
        websocket::close_code close_code;
        std::string close_reason;
    };

    void do_read();
    void do_write();
    void fail(error_code ec, const char* what);
    // The connection is over (why: for the close log line; null keeps the first reason).
    void finish(const char* why);

    // Requests.
    void handle(sync::message&& m);
    void handle_hello(const sync::hello_msg& m);
    void handle_push(sync::push_msg&& m);
    void handle_pull(const sync::pull_msg& m);
    void handle_get_schema(const sync::get_schema_msg& m);
    void handle_get_review(const sync::get_review_msg& m);  // W8, ws_review.cpp
    void on_push_done(std::uint64_t slot, std::int64_t id, std::size_t changes,
                      store::result<store::push_outcome> r);
    // W1: a place in the answer order, or nullopt after closing the connection (W3).
    std::optional<std::uint64_t> take_push_slot();
    void answer_push(std::uint64_t slot, sync::message m);

    // Pulls (W6). A page of the scope from `after`, or of the records the device must
    // evict because its cursor names an older scope.
    void pull_scope(const sync::pull_msg& m, std::uint64_t after, std::uint32_t limit);
    void pull_exits(const sync::pull_msg& m, const pull_cursor& from,
                    const store::scope_filter& old_scope, std::uint64_t after,
                    std::uint32_t limit);
    // A normal cursor at `after` in this session's scope.
    std::string cursor_at(std::uint64_t after) const;

    // Live pulls (on the strand).
    void live_step();
    std::size_t live_high_water() const;
    void stop_live();

    // Live review feed (W8; on the strand).
    void review_step();
    void stop_review_live();

    // Ending on the server's initiative (W5, W7).
    void check_access();
    void end(ending why);
    void maybe_end();

    // Output.
    void send(const sync::message& m);
    void send_error(std::optional<std::int64_t> id, sync::errc code, std::string message);
    void close(websocket::close_code code, std::string reason, bool discard_queued);

    // The socket's strand, copied once: other threads post to it without touching the
    // stream.
    const net::any_io_executor strand_;
    beast::flat_buffer buffer_;
    const std::string remote_;
    sync::decode_limits limits_;

    state state_ = state::accepting;
    std::string device_id_;
    std::int64_t clock_offset_ms_ = 0;

    // W6: the device's user's role and scope as read at hello (tree_version_ follows the
    // org tree while the subtree stays the same).
    access::role role_ = access::role::officer;
    std::string root_;
    std::uint64_t tree_version_ = 0;
    store::scope_filter scope_;

    // W1: answers of pushes in arrival order; slot numbers count from push_base_.
    std::deque<std::optional<sync::message>> push_answers_;
    std::uint64_t push_base_ = 0;

    // Live pull: the request id, the cursor reached, the page size, more pages pending.
    std::optional<std::int64_t> live_id_;
    std::uint64_t live_cursor_ = 0;
    std::uint32_t live_limit_ = 0;
    bool live_more_ = false;
    std::atomic<bool> head_posted_{false};  // W4

    // Live review feed: the get_review id, the review cursor reached, the page size, more
    // pages pending (W8).
    std::optional<std::int64_t> review_id_;
    std::uint64_t review_cursor_ = 0;
    std::uint32_t review_limit_ = 0;
    bool review_more_ = false;
    std::atomic<bool> review_posted_{false};

    std::deque<outgoing> queue_;
    bool writing_ = false;
    bool closing_ = false;  // a close is queued: nothing more is sent
    bool done_ = false;     // the read loop ended: the connection is over
    std::optional<ending> ending_;  // W5
    net::steady_timer close_timer_;

    // For the close log line: why the connection ended, and what it did.
    std::string end_reason_;
    std::uint64_t pushes_ = 0;
    std::uint64_t pulls_ = 0;
};

// The session over one stream type: plain_stream (ws://) or tls_stream (wss://).
template <class Stream>
class basic_ws_session final : public ws_session {
public:
    // Takes over the stream whose upgrade request http_session read (for TLS, after its
    // handshake); the stream's executor must be a strand.
    basic_ws_session(Stream&& stream, const session_services& services,
                     sync::wire_format format, std::string remote);

private:
    void start_accept(const http::request<http::string_body>& req) override;
    void start_read(beast::flat_buffer& buffer) override;
    void start_write(net::const_buffer bytes) override;
    void start_close(const websocket::close_reason& reason) override;
    bool got_text() const override;
    void drop() override;

    std::shared_ptr<basic_ws_session> self();

    websocket::stream<Stream> ws_;
};

extern template class basic_ws_session<plain_stream>;
extern template class basic_ws_session<tls_stream>;

}  // namespace sotay::server
