#include "ws_session.hpp"

#include <sotay/schema/schema.hpp>
#include <sotay/sync/log_codec.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <stdexcept>
#include <utility>

namespace sotay::server {

namespace {

std::int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

bool same_scope(const store::scope_filter& a, const store::scope_filter& b) {
    return a.everything == b.everything && a.codes == b.codes;
}

// The scope of a user rooted at `root` in `tree`: the root's subtree (empty if the root
// is not in the tree: such a user sees nothing).
store::scope_filter scope_of(const store::org_snapshot& tree, const std::string& root) {
    return store::scope_filter::of(tree.tree->subtree(root));
}

}  // namespace

ws_session::ws_session(net::any_io_executor strand, const session_services& services,
                       sync::wire_format format, std::string remote)
    : services_(services),
      format_(format),
      strand_(std::move(strand)),
      remote_(std::move(remote)),
      close_timer_(strand_) {
    limits_.max_changes = services_.config.max_changes_per_push;
}

ws_session::~ws_session() {
    services_.fanout.leave(this);
    spdlog::info("{}: websocket closed: {} (device {}, {} pushes, {} pulls)", remote_,
                 end_reason_.empty() ? "connection ended" : end_reason_,
                 device_id_.empty() ? "-" : device_id_, pushes_, pulls_);
}

// Asynchronous chain -------------------------------------------------------------------

void ws_session::run(http::request<http::string_body> req) {
    // Listed before the handshake so a shutdown (or a revocation) reaches this session.
    const bool accepted = services_.fanout.join(shared_from_this());
    start_accept(req);
    if (!accepted) on_shutdown();
}

void ws_session::on_accept(error_code ec) {
    if (ec == beast::error::timeout) return finish("handshake timed out");
    if (ec) return fail(ec, "accept");

    spdlog::info("{}: websocket open ({})", remote_,
                 format_ == sync::wire_format::binary ? sync::subprotocol_binary
                                                      : sync::subprotocol_json);
    state_ = state::awaiting_hello;
    do_read();
    // An ending that began during the handshake closes the session now.
    maybe_end();
}

void ws_session::do_read() { start_read(buffer_); }

void ws_session::on_read(error_code ec, std::size_t) {
    // Expected ends first: the peer's close, an oversized message (Beast has already
    // failed the connection with close code 1009), silence past the idle timeout.
    if (ec == websocket::error::closed) return finish("closed by peer");
    if (ec == websocket::error::message_too_big) {
        return finish("message over max_message_bytes, closed with 1009");
    }
    if (ec == beast::error::timeout) return finish("idle timeout");
    if (ec) return fail(ec, "read");

    const bool frame_matches = got_text() == (format_ == sync::wire_format::json);
    const std::string_view bytes(static_cast<const char*>(buffer_.data().data()),
                                 buffer_.size());
    try {
        if (!frame_matches) {
            send_error(std::nullopt, sync::errc::bad_message,
                       format_ == sync::wire_format::json
                           ? "sotay.v1.json messages travel in text frames"
                           : "sotay.v1.bin messages travel in binary frames");
        } else if (auto decoded = sync::decode(format_, bytes, limits_)) {
            handle(std::move(*decoded));
        } else {
            // A bad message is answered and the connection kept (spec: Errors). It may
            // have been a push (too many changes): its answer queues behind the pushes
            // still in flight, as a push's would (W1).
            const sync::decode_error& e = decoded.error();
            sync::error_msg answer{e.id, {e.code, e.message, std::nullopt}};
            if (push_answers_.empty()) {
                send(answer);
            } else if (auto slot = take_push_slot()) {
                answer_push(*slot, std::move(answer));
            }
        }
    } catch (const std::exception& e) {
        // Nothing may escape a handler: a store or codec exception becomes `internal`.
        spdlog::error("{}: request failed: {}", remote_, e.what());
        send_error(std::nullopt, sync::errc::internal, "the server failed; retry later");
    }
    buffer_.consume(buffer_.size());
    do_read();
}

void ws_session::do_write() {
    if (queue_.empty() || writing_) return;
    writing_ = true;
    const outgoing& next = queue_.front();
    if (next.close) return start_close(*next.close);
    start_write(net::buffer(next.bytes));
}

void ws_session::on_write(error_code ec, std::size_t) {
    writing_ = false;
    if (ec == net::error::operation_aborted) return;
    if (ec) return fail(ec, "write");

    queue_.pop_front();
    do_write();
    // W4: a live catch-up paused on a full queue resumes once it has drained to half.
    if (live_more_ && queue_.size() < live_high_water()) live_step();
    if (review_more_ && queue_.size() < live_high_water()) review_step();
}

void ws_session::on_close(error_code ec) {
    writing_ = false;
    close_timer_.cancel();
    if (ec == net::error::operation_aborted || ec == beast::error::timeout) return;
    if (ec) return fail(ec, "close");
    queue_.clear();
}

void ws_session::fail(error_code ec, const char* what) {
    // Aborted operations are our own cancellations, not news; the rest goes into the
    // one close line the destructor logs.
    if (ec == net::error::operation_aborted) return finish(nullptr);
    finish((std::string(what) + ": " + ec.message()).c_str());
}

void ws_session::finish(const char* why) {
    if (why != nullptr && end_reason_.empty()) end_reason_ = why;
    done_ = true;
    close_timer_.cancel();
    stop_live();
    stop_review_live();
}

// Requests -----------------------------------------------------------------------------

void ws_session::handle(sync::message&& m) {
    std::visit(
        [this](auto&& msg) {
            using T = std::decay_t<decltype(msg)>;
            if constexpr (std::is_same_v<T, sync::hello_msg>) {
                handle_hello(msg);
            } else if constexpr (std::is_same_v<T, sync::push_msg>) {
                handle_push(std::move(msg));
            } else if constexpr (std::is_same_v<T, sync::pull_msg>) {
                handle_pull(msg);
            } else if constexpr (std::is_same_v<T, sync::get_schema_msg>) {
                handle_get_schema(msg);
            } else if constexpr (std::is_same_v<T, sync::get_review_msg>) {
                handle_get_review(msg);
            } else {
                // welcome, push_result, changes, schema, review, error: server-to-client
                // messages.
                send_error(std::nullopt, sync::errc::bad_message,
                           "this message type is sent by the server, not to it");
            }
        },
        std::move(m));
}

// The schema is public to every authenticated device: it holds no records.
void ws_session::handle_get_schema(const sync::get_schema_msg& m) {
    if (state_ != state::ready) {
        return send_error(m.id, sync::errc::not_ready, "send hello before get_schema");
    }
    const auto& s = services_.config.schema;
    if (!s) return send_error(m.id, sync::errc::internal, "this server has no schema loaded");
    send(sync::schema_msg{m.id, s->version, s->text});
}

void ws_session::handle_hello(const sync::hello_msg& m) {
    if (state_ != state::awaiting_hello) {
        return send_error(std::nullopt, sync::errc::not_ready,
                          "hello was already accepted on this connection");
    }
    if (ending_) {
        // The session is already closing (shutdown during the handshake).
        return send_error(std::nullopt, ending_->code, ending_->message);
    }
    if (m.protocol != sync::protocol_version) {
        spdlog::info("{}: hello refused: protocol {}", remote_, m.protocol);
        send_error(std::nullopt, sync::errc::protocol_unsupported,
                   "this server speaks protocol 1 only");
        return close(websocket::close_code::policy_error, "protocol unsupported", false);
    }
    auto device = services_.db.authenticate(m.device_id, m.token);
    if (!device) {
        const sync::error_info& e = device.error();
        spdlog::info("{}: hello refused for device {}: {}", remote_, m.device_id,
                     sync::to_code(e.code));
        // The store answers auth_failed or device_revoked; anything else is its failure.
        const bool refusal = e.code == sync::errc::auth_failed ||
                             e.code == sync::errc::device_revoked;
        send_error(std::nullopt, refusal ? e.code : sync::errc::internal, e.message);
        // Refused credentials are a policy matter; a failing store is ours (1011: retry).
        return refusal ? close(websocket::close_code::policy_error,
                               std::string(sync::to_code(e.code)), false)
                       : close(websocket::close_code::internal_error, "internal error", false);
    }

    // W6: the scope is the subtree of the user's org unit in the tree as it stands now.
    const store::org_snapshot tree = services_.db.org_tree();
    role_ = device->role;
    root_ = device->org_unit;
    tree_version_ = tree.version;
    scope_ = scope_of(tree, root_);

    // Clock rule C1: offset measured now, kept for this connection's pushes.
    const std::int64_t server_now = now_ms();
    clock_offset_ms_ = server_now - m.client_time;
    device_id_ = device->device_id.empty() ? m.device_id : device->device_id;
    state_ = state::ready;
    services_.commits.submit(store::hello_record{device_id_, m.client_time, server_now});

    sync::welcome_msg w;
    w.server_time = server_now;
    w.last_seq = device->last_seq;
    w.schema_version = services_.db.schema_version();
    w.limits.max_message_bytes = services_.config.max_message_bytes;
    w.limits.max_changes_per_push = services_.config.max_changes_per_push;
    spdlog::info("{}: hello ok: device {} (user {}, {} at {}, {} units, tree {}), last_seq {}, "
                 "clock offset {} ms",
                 remote_, device_id_, device->username, access::role_name(role_), root_,
                 scope_.codes.size(), tree_version_, w.last_seq, clock_offset_ms_);
    send(w);
}

void ws_session::handle_push(sync::push_msg&& m) {
    ++pushes_;
    const auto taken = take_push_slot();
    if (!taken) return;
    const std::uint64_t slot = *taken;

    auto refuse = [&](sync::errc code, std::string message) {
        answer_push(slot, sync::error_msg{m.id, {code, std::move(message), std::nullopt}});
    };
    if (state_ != state::ready) return refuse(sync::errc::not_ready, "send hello first");
    // W5: the pushes already submitted are answered; this one comes too late.
    if (ending_) return refuse(ending_->code, ending_->message);
    if (m.changes.size() > services_.config.max_changes_per_push) {
        return refuse(sync::errc::too_large,
                      "a push holds at most " +
                          std::to_string(services_.config.max_changes_per_push) + " changes");
    }
    // Scope and role (S5) are the store's to check, at commit time: a check here would
    // read the tree as it was, not as it is when the change is applied.

    // W2: answered only from the commit queue's completion, back on this strand.
    const std::size_t count = m.changes.size();
    auto done = [self = shared_from_this(), slot, id = m.id,
                 count](store::result<store::push_outcome> r) {
        net::post(self->strand_, [self, slot, id, count, r = std::move(r)]() mutable {
            self->on_push_done(slot, id, count, std::move(r));
        });
    };
    // The log's JSON form of each change is made here, on an I/O thread, not on the
    // single writer thread that every session waits for.
    std::vector<std::string> bodies;
    bodies.reserve(m.changes.size());
    for (const auto& c : m.changes) bodies.push_back(sync::change_to_json(c));
    // Likewise the schema check of the values and their NFC normalisation (after the
    // bodies: the log keeps what the device sent). The writer thread is left with the
    // one rule that needs the record: the required fields of a create.
    // And the natural key of the record a change would create (R2): case folding is the
    // costly part of duplicate detection, so it too is done here.
    std::vector<std::optional<sync::error_info>> checked;
    std::vector<std::optional<std::string>> keys;
    if (const auto& s = services_.config.schema) {
        checked.reserve(m.changes.size());
        keys.reserve(m.changes.size());
        for (auto& c : m.changes) {
            const auto bad = schema::validate(*s, {c.type, c.org_unit, &c.set, c.del}, false);
            if (bad.empty()) {
                schema::normalize(c.set);
                checked.emplace_back(std::nullopt);
            } else {
                checked.emplace_back(schema::to_error(bad.front()));
            }
            const schema::type_def* t = bad.empty() && !c.del ? s->find(c.type) : nullptr;
            keys.push_back(t != nullptr ? schema::natural_key(*t, c.org_unit, c.set)
                                        : std::nullopt);
        }
    }
    services_.commits.submit(store::push_request{device_id_, clock_offset_ms_,
                                                 std::move(m.changes), std::move(bodies),
                                                 std::move(checked), std::move(keys)},
                             std::move(done));
}

void ws_session::on_push_done(std::uint64_t slot, std::int64_t id, std::size_t changes,
                              store::result<store::push_outcome> r) {
    try {
        if (!r) {
            spdlog::debug("{}: push {} of {} changes failed: {}", remote_, id, changes,
                          sync::to_code(r.error().code));
            return answer_push(slot, sync::error_msg{id, r.error()});
        }
        if (r->refused) {
            spdlog::debug("{}: push {} of {} changes refused: {}", remote_, id, changes,
                          sync::to_code(r->refused->code));
            return answer_push(slot, sync::error_msg{id, *r->refused});
        }
        if (spdlog::default_logger_raw()->should_log(spdlog::level::debug)) {
            std::size_t counts[3] = {0, 0, 0};
            for (const auto& c : r->results) {
                const auto s = static_cast<std::size_t>(c.status);
                if (s < 3) ++counts[s];
            }
            spdlog::debug("{}: push {} from {}: {} applied, {} duplicate, {} rejected, "
                          "last_seq {}",
                          remote_, id, device_id_, counts[0], counts[1], counts[2], r->last_seq);
        }
        answer_push(slot, sync::push_result_msg{id, r->last_seq, std::move(r->results)});
    } catch (const std::exception& e) {
        spdlog::error("{}: answering push {} failed: {}", remote_, id, e.what());
        answer_push(slot, sync::error_msg{id, {sync::errc::internal, "the server failed; "
                                                                     "retry later",
                                               std::nullopt}});
    }
}

std::optional<std::uint64_t> ws_session::take_push_slot() {
    // W3: each push in flight will produce one answer; refuse to hold more of them.
    if (push_answers_.size() >= services_.config.max_outgoing_queue) {
        spdlog::info("{}: {} pushes in flight, closing", remote_, push_answers_.size());
        close(websocket::close_code::policy_error, "too many pushes in flight", true);
        return std::nullopt;
    }
    push_answers_.emplace_back();
    return push_base_ + push_answers_.size() - 1;
}

void ws_session::answer_push(std::uint64_t slot, sync::message m) {
    if (slot < push_base_ || slot - push_base_ >= push_answers_.size()) return;  // closed
    push_answers_[slot - push_base_] = std::move(m);
    // W1: send from the front while the oldest pushes have their answers.
    while (!push_answers_.empty() && push_answers_.front()) {
        send(*push_answers_.front());
        push_answers_.pop_front();
        ++push_base_;
    }
    maybe_end();
}

// Pulls --------------------------------------------------------------------------------
//
// A cursor names the scope it was issued in (cursor.hpp). When that is this session's
// scope, or an older tree version or root whose subtree is the same, the pull goes on
// from the cursor's position. Otherwise the device holds records of a scope it no longer
// has: it is first sent the evictions (store::scope_exits, pages of `evict` only), then
// a cursor at 0 in the new scope, so that its next pulls are a full catch-up of it.

void ws_session::handle_pull(const sync::pull_msg& m) {
    ++pulls_;
    if (state_ != state::ready) return send_error(m.id, sync::errc::not_ready, "send hello first");
    // A new pull replaces any live subscription.
    stop_live();
    if (ending_) return send_error(m.id, ending_->code, ending_->message);
    if (!access::allowed(role_, access::permission::read_records)) {
        return send_error(m.id, sync::errc::forbidden,
                          "the role " + std::string(access::role_name(role_)) +
                              " may not read records; use a device of an officer, reviewer or "
                              "auditor");
    }

    std::optional<pull_cursor> cursor;
    if (m.cursor) {
        const auto text = open_cursor(*m.cursor, services_.cursor_key, device_id_);
        if (text) cursor = parse_cursor(*text);
        if (!cursor) {
            return send_error(m.id, sync::errc::bad_message,
                              "cursor is not one this server issued");
        }
    }
    std::uint64_t after = cursor ? cursor->after : 0;
    // A cursor past the head was issued before this database was restored from an
    // older copy: the changes since were lost here and will come back with resends,
    // so the client is sent everything again rather than skipping them.
    if (after > services_.db.head()) {
        spdlog::info("{}: cursor {} is past the head; pulling from the beginning", remote_,
                     *m.cursor);
        after = 0;
    }
    // A limit of 0 would page forever without progress; above the cap is capped.
    const std::uint32_t limit = std::clamp<std::uint32_t>(m.limit, 1,
                                                          services_.config.max_pull_limit);

    // A legacy cursor (no scope named) is read in the current scope.
    const bool names_other_scope = cursor && cursor->kind != pull_cursor::layout::legacy &&
                                   (cursor->tree_version != tree_version_ ||
                                    cursor->root != root_);
    if (names_other_scope) {
        const auto old_tree = services_.db.org_tree_at(cursor->tree_version);
        if (!old_tree) {
            return send_error(m.id, sync::errc::bad_message,
                              "cursor is not one this server issued");
        }
        const store::scope_filter old_scope = scope_of(*old_tree, cursor->root);
        if (!same_scope(old_scope, scope_)) {
            return pull_exits(m, *cursor, old_scope, after, limit);
        }
        // Another tree version with the same subtree: nothing to evict, the page below
        // carries a cursor re-issued in the current version.
    }
    pull_scope(m, after, limit);
}

void ws_session::pull_scope(const sync::pull_msg& m, std::uint64_t after, std::uint32_t limit) {
    // The device holds everything of this scope up to `after` (list_devices' pending).
    if (after > 0) services_.commits.submit(store::pull_mark{device_id_, after});

    auto page = services_.db.pull(scope_, after, limit);
    if (!page) {
        spdlog::error("{}: pull failed: {}", remote_, page.error().message);
        return send_error(m.id, sync::errc::internal, "the server could not read; retry later");
    }
    const std::uint64_t next = std::max(after, page->next);
    send(sync::changes_msg{m.id, cursor_at(next), page->more, std::move(page->records),
                           std::move(page->evict)});

    if (m.live && !page->more) {
        live_id_ = m.id;
        live_cursor_ = next;
        live_limit_ = limit;
        services_.fanout.subscribe(this);
        // A commit that landed between the read and the subscription sent its
        // notification to nobody: catch up on it now.
        if (services_.db.head() > live_cursor_) live_step();
    }
}

void ws_session::pull_exits(const sync::pull_msg& m, const pull_cursor& from,
                            const store::scope_filter& old_scope, std::uint64_t after,
                            std::uint32_t limit) {
    auto page = services_.db.scope_exits(old_scope, scope_, after, from.last_evicted, limit);
    if (!page) {
        spdlog::error("{}: scope exits failed: {}", remote_, page.error().message);
        return send_error(m.id, sync::errc::internal, "the server could not read; retry later");
    }
    pull_cursor next;
    if (page->more && !page->records.empty()) {
        // More to evict: the same old scope and position, after the last id sent.
        next = from;
        next.kind = pull_cursor::layout::evicting;
        next.after = after;
        next.last_evicted = page->records.back();
    } else {
        // Evictions done: the whole new scope follows, from the beginning.
        next = pull_cursor{pull_cursor::layout::normal, 0, tree_version_, root_, {}};
    }
    spdlog::info("{}: device {} pulls with a cursor of another scope (tree {}): {} evictions",
                 remote_, device_id_, from.tree_version, page->records.size());
    // more stays true either way: the catch-up of the new scope is still to come.
    send(sync::changes_msg{m.id, seal_cursor(format_cursor(next), services_.cursor_key, device_id_),
                           true, {}, std::move(page->records)});
}

std::string ws_session::cursor_at(std::uint64_t after) const {
    return seal_cursor(
        format_cursor({pull_cursor::layout::normal, after, tree_version_, root_, {}}),
        services_.cursor_key, device_id_);
}

// Live pulls ---------------------------------------------------------------------------

void ws_session::on_head(std::uint64_t) {
    // W4: coalesce; one catch-up posted at a time reads up to whatever head it meets.
    if (head_posted_.exchange(true)) return;
    net::post(strand_, [self = shared_from_this()] {
        self->head_posted_ = false;
        self->live_step();
    });
}

void ws_session::live_step() {
    if (!live_id_ || closing_ || done_ || ending_) return;
    try {
        while (queue_.size() < live_high_water()) {
            auto page = services_.db.pull(scope_, live_cursor_, live_limit_);
            if (!page) {
                spdlog::error("{}: live pull failed: {}", remote_, page.error().message);
                send_error(live_id_, sync::errc::internal, "the server could not read");
                return stop_live();
            }
            live_cursor_ = std::max(live_cursor_, page->next);
            // A page of evictions alone is news too: a record left the scope.
            if (!page->records.empty() || !page->evict.empty()) {
                send(sync::changes_msg{*live_id_, cursor_at(live_cursor_), page->more,
                                       std::move(page->records), std::move(page->evict)});
            }
            if (!page->more) {
                live_more_ = false;
                return;
            }
        }
        // W4: queue half full; on_write resumes once it drains.
        live_more_ = true;
    } catch (const std::exception& e) {
        spdlog::error("{}: live pull threw: {}", remote_, e.what());
        send_error(live_id_, sync::errc::internal, "the server could not read");
        stop_live();
    }
}

std::size_t ws_session::live_high_water() const {
    // Half the queue: room is left for push answers while a live catch-up streams.
    return std::max<std::size_t>(1, services_.config.max_outgoing_queue / 2);
}

void ws_session::stop_live() {
    if (live_id_) services_.fanout.unsubscribe(this);
    live_id_.reset();
    live_more_ = false;
}

// Ending on the server's initiative ----------------------------------------------------

void ws_session::on_shutdown() {
    net::post(strand_, [self = shared_from_this()] {
        self->end({sync::errc::shutting_down, "the server is shutting down; reconnect", false,
                   websocket::close_code::going_away, "server shutting down"});
    });
}

void ws_session::on_security_change() {
    net::post(strand_, [self = shared_from_this()] {
        try {
            self->check_access();
        } catch (const std::exception& e) {
            // Unable to tell whether the device may go on: it may not (W7).
            spdlog::error("{}: access check failed: {}", self->remote_, e.what());
            self->end({sync::errc::internal, "the server failed; reconnect later", true,
                       websocket::close_code::internal_error, "internal error"});
        }
    });
}

void ws_session::check_access() {
    // Before hello there is nothing to re-check: the hello reads the new state.
    if (state_ != state::ready || ending_ || closing_ || done_) return;

    auto device = services_.db.device_access(device_id_);
    if (!device && device.error().code != sync::errc::not_found) {
        throw std::runtime_error("device_access: " + device.error().message);
    }
    if (!device || device->revoked || device->user_disabled) {
        spdlog::info("{}: device {} revoked or its user disabled: closing", remote_, device_id_);
        return end({sync::errc::device_revoked,
                    "this device was revoked or its user disabled; ask an administrator", true,
                    websocket::close_code::policy_error, "device revoked"});
    }

    const store::org_snapshot tree = services_.db.org_tree();
    const store::scope_filter scope = scope_of(tree, device->org_unit);
    if (device->role != role_ || device->org_unit != root_ || !same_scope(scope, scope_)) {
        spdlog::info("{}: device {}: scope changed ({} at {} -> {} at {}, {} -> {} units): "
                     "closing",
                     remote_, device_id_, access::role_name(role_), root_,
                     access::role_name(device->role), device->org_unit, scope_.codes.size(),
                     scope.codes.size());
        return end({sync::errc::scope_changed,
                    "your org unit or role changed; reconnect and pull from your last cursor",
                    true, websocket::close_code::policy_error, "scope changed"});
    }
    // The same subtree in a newer tree: cursors name the newer version from now on.
    tree_version_ = tree.version;
}

void ws_session::end(ending why) {
    if (ending_ || closing_ || done_) return;
    ending_ = std::move(why);
    // W7: not one more live page once the session is ending.
    stop_live();
    stop_review_live();
    // During the handshake on_accept calls it once the stream is open.
    maybe_end();
}

void ws_session::maybe_end() {
    // W5: the pushes already submitted are answered first.
    if (!ending_ || state_ == state::accepting || !push_answers_.empty()) return;
    if (ending_->error_first) send_error(std::nullopt, ending_->code, ending_->message);
    close(ending_->close_code, ending_->close_reason, false);
}

// Output -------------------------------------------------------------------------------

void ws_session::send(const sync::message& m) {
    if (closing_ || done_) return;
    // W3: a client this far behind is not reading; it resumes from its cursor.
    if (queue_.size() >= services_.config.max_outgoing_queue) {
        spdlog::info("{}: outgoing queue full ({} messages), closing", remote_, queue_.size());
        return close(websocket::close_code::policy_error, "client too slow", true);
    }
    queue_.push_back({sync::encode(format_, m), std::nullopt});
    do_write();
}

void ws_session::send_error(std::optional<std::int64_t> id, sync::errc code,
                            std::string message) {
    send(sync::error_msg{id, {code, std::move(message), std::nullopt}});
}

void ws_session::close(websocket::close_code code, std::string reason, bool discard_queued) {
    if (closing_ || done_) return;
    closing_ = true;
    end_reason_ = "closed by server (" + std::to_string(static_cast<int>(code)) + " " + reason +
                  ")";
    stop_live();
    stop_review_live();
    if (discard_queued) {
        // Keep only the frame being written: Beast cannot take it back.
        queue_.erase(writing_ && !queue_.empty() ? queue_.begin() + 1 : queue_.begin(),
                     queue_.end());
    }
    // Close reasons are at most 123 bytes (RFC 6455 5.5); ours are short sentences.
    reason.resize(std::min<std::size_t>(reason.size(), 123));
    queue_.push_back({{}, websocket::close_reason(code, reason)});
    // A client that reads nothing never lets the close frame out; the socket goes after
    // twice the handshake timeout (the close handshake itself has one timeout).
    close_timer_.expires_after(2 * services_.config.handshake_timeout);
    close_timer_.async_wait([self = shared_from_this()](error_code ec) {
        if (ec == net::error::operation_aborted) return;
        if (self->done_) return;
        spdlog::info("{}: close did not complete, dropping the connection", self->remote_);
        self->drop();
    });
    do_write();
}

// The transport ------------------------------------------------------------------------

template <class Stream>
basic_ws_session<Stream>::basic_ws_session(Stream&& stream, const session_services& services,
                                           sync::wire_format format, std::string remote)
    : ws_session(stream.get_executor(), services, format, std::move(remote)),
      ws_(std::move(stream)) {}

template <class Stream>
std::shared_ptr<basic_ws_session<Stream>> basic_ws_session<Stream>::self() {
    return std::static_pointer_cast<basic_ws_session>(shared_from_this());
}

template <class Stream>
void basic_ws_session<Stream>::start_accept(const http::request<http::string_body>& req) {
    // The HTTP read timeout no longer applies: the websocket stream has its own.
    beast::get_lowest_layer(ws_).expires_never();
    const auto& cfg = services_.config;
    ws_.set_option(websocket::stream_base::timeout{
        cfg.handshake_timeout, cfg.idle_timeout, /*keep_alive_pings=*/true});
    ws_.read_message_max(cfg.max_message_bytes);
    const std::string_view proto = format_ == sync::wire_format::binary
                                       ? sync::subprotocol_binary
                                       : sync::subprotocol_json;
    ws_.set_option(websocket::stream_base::decorator([proto](websocket::response_type& res) {
        res.set(http::field::server, "sotay");
        res.set(http::field::sec_websocket_protocol, proto);
    }));
    // The contract says one message per frame: no fragmentation of what we send.
    ws_.auto_fragment(false);
    // Frames carry text for JSON, bytes for the binary subprotocol.
    if (format_ == sync::wire_format::binary) {
        ws_.binary(true);
    } else {
        ws_.text(true);
    }
    ws_.async_accept(req, [self = self()](error_code ec) { self->on_accept(ec); });
}

template <class Stream>
void basic_ws_session<Stream>::start_read(beast::flat_buffer& buffer) {
    ws_.async_read(buffer,
                   [self = self()](error_code ec, std::size_t n) { self->on_read(ec, n); });
}

template <class Stream>
void basic_ws_session<Stream>::start_write(net::const_buffer bytes) {
    ws_.async_write(bytes,
                    [self = self()](error_code ec, std::size_t n) { self->on_write(ec, n); });
}

template <class Stream>
void basic_ws_session<Stream>::start_close(const websocket::close_reason& reason) {
    // For TLS, Beast's teardown also sends the TLS close_notify.
    ws_.async_close(reason, [self = self()](error_code ec) { self->on_close(ec); });
}

template <class Stream>
bool basic_ws_session<Stream>::got_text() const {
    return ws_.got_text();
}

template <class Stream>
void basic_ws_session<Stream>::drop() {
    beast::get_lowest_layer(ws_).close();
}

template class basic_ws_session<plain_stream>;
template class basic_ws_session<tls_stream>;

}  // namespace sotay::server
