// sync(): push the outbox, then pull (device.hpp D3-D5; docs/protocol.md section 11).
//
// The steps, each ending in at most one local transaction:
//   1. connect, hello with the device clock; welcome says L = the server's last_seq.
//   2. L >= next_seq: the local file is older than the server's view; never reuse a
//      seq, continue after L (protocol.md section 11).
//      L < acked_seq: the server was restored from an older backup; forget the pull
//      cursor (its server_seq space moved back) and resend what it lost.
//   3. push from min(L, acked_seq) + 1: every change the server does not hold, and every
//      change whose answer was lost (resent, it is answered `duplicate` with its first
//      answer, conflicts included), in pushes of at most max_changes_per_push changes
//      and max_message_bytes bytes; each answer is stored in one transaction.
//   4. if the server's clock differs from the device clock by more than the trusted
//      skew, add the difference to the device clock's offset. Done only after the push,
//      so every change pushed on this connection was stamped on the clock its hello
//      announced (which is what the server's clock rule C3 corrects by).
//   5. pull from the saved cursor until more = false; each page and its cursor in one
//      transaction.
//   5b. fetch review items from the saved review cursor until more = false; each page
//      and the cursor after it in one transaction (fetch_review below). Review cursor 0
//      fetches every item in scope again and replaces the table: it is set, durably,
//      whenever what the device may see could have changed (a restored server, a pull
//      from no cursor, evictions, scope_changed), because items that came into scope
//      keep their old review seqs, below the cursor.
//   6. drop acknowledged changes past their retention.
#include "device_impl.hpp"

#include <sotay/client/sync_client.hpp>
#include <sotay/sync/clock_rule.hpp>
#include <sotay/sync/codec.hpp>
#include <sotay/sync/hlc.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <system_error>

namespace sotay::sdk {
namespace {

using detail::local_store;

// The protocol's default, used if a server announces no push limit.
constexpr std::size_t default_max_changes_per_push = 1000;
// get_review's limit range (docs/protocol.md 4.9).
constexpr std::uint32_t max_review_limit = 1000;
// seq_gap restarts in one sync before giving up: one is normal (another process pushed
// between our hello and our push), three in a row means the two sides disagree.
constexpr int max_gap_restarts = 3;

// The server answered a request with `error`: map its code to what the caller can do.
[[noreturn]] void throw_server_error(const sync::error_info& e, const std::string& during) {
    error_kind kind = error_kind::protocol;
    switch (e.code) {
        case sync::errc::auth_failed:
        case sync::errc::device_revoked:
        case sync::errc::protocol_unsupported:
        case sync::errc::forbidden:
            kind = error_kind::refused;
            break;
        case sync::errc::rate_limited:
        case sync::errc::internal:
        case sync::errc::shutting_down:
        case sync::errc::scope_changed:  // device::sync reconnects once by itself
            kind = error_kind::unreachable;  // temporary: try again later
            break;
        default:
            break;
    }
    error err(kind, "the server answered " + during + " with " +
                        std::string(sync::to_code(e.code)) + ": " + e.message);
    err.server_code = e.code;
    throw err;
}

// Only one sync of a replica at a time, across processes: a second one would push the
// same changes (harmless) but could store an older pulled page over a newer one. flock
// is released by the kernel if the process dies, so a killed sync never leaves it held.
class sync_lock {
public:
    explicit sync_lock(const std::filesystem::path& replica) {
        const std::string path = replica.string() + ".sync-lock";
        fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd_ < 0) {
            throw std::system_error(errno, std::generic_category(), "open " + path);
        }
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            ::close(fd_);
            throw error(error_kind::busy, "another sync of this device is running");
        }
    }
    ~sync_lock() { ::close(fd_); }  // closing releases the lock
    sync_lock(const sync_lock&) = delete;
    sync_lock& operator=(const sync_lock&) = delete;

private:
    int fd_ = -1;
};

// Errors the server sends, whatever was asked, just before it closes the connection
// (docs/protocol.md section 7).
bool ends_the_connection(sync::errc code) {
    return code == sync::errc::scope_changed || code == sync::errc::device_revoked ||
           code == sync::errc::shutting_down || code == sync::errc::auth_failed;
}

[[noreturn]] void throw_protocol(const std::string& what) {
    throw error(error_kind::protocol, "unexpected answer from the server: " + what);
}

// The answer to request `id`, or the server's error for it.
template <typename T>
T answer_of(sync::message m, std::int64_t id, const std::string& during) {
    if (auto* e = std::get_if<sync::error_msg>(&m)) {
        throw_server_error(e->error, during);
    }
    auto* a = std::get_if<T>(&m);
    if (a == nullptr) {
        throw_protocol(during + " was answered by message type #" + std::to_string(m.index()));
    }
    if (a->id != id) {
        throw_protocol(during + " " + std::to_string(id) + " was answered with id " +
                       std::to_string(a->id));
    }
    return std::move(*a);
}

sync::hlc shifted(sync::hlc h, std::int64_t delta_ms) {
    constexpr auto max_wall = static_cast<std::int64_t>(sync::hlc_clock::max_wall_ms);
    const auto wall = static_cast<std::int64_t>(h.wall_ms) + delta_ms;
    h.wall_ms = static_cast<std::uint64_t>(std::clamp<std::int64_t>(wall, 0, max_wall));
    return h;
}

}  // namespace

void device::impl::run_sync(const progress_callback& progress, bool& connected,
                            sync_report& report) {
    sync_progress p;
    const auto tell = [&](sync_phase phase) {
        p.phase = phase;
        if (progress) {
            progress(p);
        }
    };

    // 1. Connect and say hello on the device clock.
    auto m = store.meta();
    const device_settings settings = *m.settings;
    tell(sync_phase::connecting);
    const link_target target{settings.url, settings.format, settings.ca_file, opts.timeout};
    std::unique_ptr<link> line = opts.connect ? opts.connect(target) : make_ws_link(target);
    sync::hello_msg hello;
    hello.device_id = settings.device_id;
    hello.token = settings.token;
    hello.client_time = device_now(m);
    const auto welcome = line->open(hello);
    connected = true;
    const std::int64_t residual = welcome.server_time - hello.client_time;
    const std::uint64_t held = welcome.last_seq;

    // 1b. The record schema, when the server announces a version this device has not
    // cached. Best effort: a server that answers with an error (one without schemas)
    // leaves the device as it was; the server validates every change anyway.
    if (welcome.schema_version > 0) {
        const auto cached = store.cached_schema();
        if (!cached || cached->first != welcome.schema_version) {
            // Id 0: the push and pull requests below number themselves from 1.
            const auto answer = line->request(sync::get_schema_msg{0});
            if (const auto* got = std::get_if<sync::schema_msg>(&answer)) {
                try {
                    schema::parse_schema(got->schema, "the server's schema");
                    local_store::write_tx tx(store);
                    store.save_schema(got->version, got->schema);
                    tx.commit();
                } catch (const schema::load_error&) {
                    // Unreadable by this SDK: keep the old one (or none).
                }
            } else if (const auto* e = std::get_if<sync::error_msg>(&answer)) {
                // What the server says before closing the connection is not about the
                // schema: the device must hear it.
                if (ends_the_connection(e->error.code)) {
                    throw_server_error(e->error, "get_schema");
                }
            } else {
                throw error(error_kind::protocol, "the server answered get_schema with "
                                                  "another message");
            }
        }
    }

    // 2. Reconcile the local numbering and cursor with what the server holds.
    {
        local_store::write_tx tx(store);
        m = store.meta();
        if (held >= m.next_seq) {
            store.save_clock(m.clock, held + 1);
        }
        if (held < m.acked_seq) {
            report.server_restored = true;
            store.save_cursor(std::nullopt);
            store.save_review_cursor(0);  // its review seqs moved back too
        }
        tx.commit();
        m = store.meta();
    }

    // 3. Push.
    const std::size_t max_changes =
        welcome.limits.max_changes_per_push > 0
            ? static_cast<std::size_t>(welcome.limits.max_changes_per_push)
            : default_max_changes_per_push;
    std::uint64_t from = std::min(held, m.acked_seq) + 1;
    p.to_send = m.next_seq > from ? static_cast<std::size_t>(m.next_seq - from) : 0;
    tell(sync_phase::pushing);
    std::int64_t next_id = 1;
    int gap_restarts = 0;
    std::uint64_t server_has = held;  // the server's last_seq as last heard
    for (;;) {
        auto rows = store.outbox_from(from, max_changes);
        if (rows.empty() || rows.front().seq > from) {
            // Seqs from..lacking are not kept here: fine if the server holds them (their
            // answers were lost or purged), fatal if it needs them.
            const std::uint64_t lacking = rows.empty() ? store.meta().next_seq - 1
                                                       : rows.front().seq - 1;
            if (lacking >= from && lacking > server_has) {
                const auto needed = std::max(from, server_has + 1);
                const auto lowest = store.lowest_kept_seq();
                throw error(error_kind::missing_changes,
                            "the server needs this device's change " + std::to_string(needed) +
                                ", which was dropped after its retention time" +
                                (lowest ? " (changes from " + std::to_string(*lowest) +
                                              " are kept)"
                                        : "") +
                                "; the server's administrator must restore it from a backup");
            }
            if (rows.empty()) {
                break;  // everything sent
            }
            from = rows.front().seq;
        }
        // Only consecutive seqs may travel together (admission A3).
        for (std::size_t i = 1; i < rows.size(); ++i) {
            if (rows[i].seq != rows[i - 1].seq + 1) {
                rows.resize(i);
                break;
            }
        }
        sync::push_msg push;
        push.id = next_id++;
        for (const auto& r : rows) {
            push.changes.push_back(r.to_change());
        }
        // Halve until the encoded push fits the server's message limit.
        while (welcome.limits.max_message_bytes > 0 &&
               sync::encode(settings.format, push).size() > welcome.limits.max_message_bytes) {
            if (push.changes.size() == 1) {
                throw error(error_kind::invalid_argument,
                            "change " + std::to_string(push.changes.front().seq) +
                                " is larger than the server accepts (" +
                                std::to_string(welcome.limits.max_message_bytes) + " bytes)");
            }
            push.changes.resize(push.changes.size() / 2);
            rows.resize(push.changes.size());
        }

        auto answer = line->request(push);
        if (auto* e = std::get_if<sync::error_msg>(&answer);
            e != nullptr && e->error.code == sync::errc::seq_gap) {
            // The server holds fewer changes than this sync assumed: restart from the
            // seq it names if this device still keeps it (the loop checks that).
            const auto expected = detail::expected_seq_of(e->error.message);
            if (!expected || ++gap_restarts > max_gap_restarts || *expected == from) {
                throw_server_error(e->error, "push");
            }
            from = *expected;
            server_has = *expected - 1;
            continue;
        }
        const auto result = answer_of<sync::push_result_msg>(std::move(answer), push.id, "push");
        if (result.results.size() != push.changes.size()) {
            throw_protocol("push of " + std::to_string(push.changes.size()) + " changes got " +
                           std::to_string(result.results.size()) + " results");
        }
        {
            local_store::write_tx tx(store);
            const auto now = device_now(store.meta());
            for (std::size_t i = 0; i < rows.size(); ++i) {
                const auto& r = result.results[i];
                if (r.seq != rows[i].seq) {
                    throw_protocol("result " + std::to_string(i) + " answers seq " +
                                   std::to_string(r.seq) + ", not " +
                                   std::to_string(rows[i].seq));
                }
                store.store_answer(r.seq, r, now);
                switch (r.status) {
                    case sync::change_status::applied:
                        ++report.applied;
                        break;
                    case sync::change_status::duplicate:
                        ++report.duplicate;
                        break;
                    case sync::change_status::rejected:
                        ++report.rejected;
                        break;
                }
                for (const auto& c : r.conflicts) {
                    report.conflicts += store.add_conflict(r.seq, rows[i].record, c, now) ? 1 : 0;
                }
            }
            store.save_acked_seq(rows.back().seq);
            tx.commit();
        }
        server_has = std::max(server_has, result.last_seq);
        report.sent += rows.size();
        p.sent = report.sent;
        p.to_send = std::max(p.to_send, p.sent);
        from = rows.back().seq + 1;
        tell(sync_phase::pushing);
    }

    // 4. Correct the device clock by the server's, now that nothing stamped on the old
    //    clock waits to be pushed on this connection.
    if (std::llabs(residual) > sync::clock_policy{}.trusted_skew_ms) {
        local_store::write_tx tx(store);
        m = store.meta();
        store.save_offset(m.clock_offset_ms + residual);
        store.save_clock(shifted(m.clock, residual), m.next_seq);
        // Changes made meanwhile (another process) are moved onto the corrected clock,
        // which the next hello will announce.
        store.shift_unacked_clocks(residual);
        tx.commit();
        report.clock_correction_ms += residual;
    }

    // 5. Pull.
    tell(sync_phase::pulling);
    std::optional<std::string> cursor = store.meta().cursor;
    bool cursor_refused = false;
    bool from_start = !cursor;
    for (;;) {
        sync::pull_msg pull;
        pull.id = next_id++;
        pull.cursor = cursor;
        pull.limit = opts.pull_limit;
        pull.live = false;
        auto answer = line->request(pull);
        // A cursor this server cannot read (its database was replaced, not restored: the
        // key that seals cursors changed) is refused with bad_message; the device then
        // pulls its whole scope again, once, rather than being stuck.
        if (const auto* e = std::get_if<sync::error_msg>(&answer);
            e != nullptr && e->error.code == sync::errc::bad_message && cursor && !cursor_refused) {
            cursor_refused = true;
            cursor.reset();
            from_start = true;
            continue;
        }
        const auto page = answer_of<sync::changes_msg>(std::move(answer), pull.id, "pull");
        {
            local_store::write_tx tx(store);
            for (const auto& r : page.records) {
                store.put_record(r);
            }
            for (const auto& id : page.evict) {
                store.evict(id);
            }
            // Always what the server gives, even if it looks older (a restored server).
            store.save_cursor(page.cursor);
            // The device's scope may have changed: fetch every review item again (5b).
            if (from_start || !page.evict.empty()) {
                store.save_review_cursor(0);
            }
            tx.commit();
        }
        report.received += page.records.size();
        report.evicted += page.evict.size();
        p.received = report.received;
        tell(sync_phase::pulling);
        if (!page.more) {
            break;
        }
        if (page.records.empty() && page.evict.empty() && cursor == page.cursor) {
            throw_protocol("a pull page said more=true without moving the cursor");
        }
        cursor = page.cursor;
    }

    // 5b. Review items.
    fetch_review(*line, next_id, report);
    line->close();

    // 6. Retention (D5).
    {
        local_store::write_tx tx(store);
        const auto now = device_now(store.meta());
        report.purged += store.purge_acked_before(now - opts.retention.count());
        tx.commit();
    }
    tell(sync_phase::done);
}

// 5b. An error answer other than the ones that end the connection (an older server
// answers bad_message: it does not know get_review) skips the review items for this
// sync and says why in the report: the records are in, and review items only inform.
void device::impl::fetch_review(link& line, std::int64_t& next_id, sync_report& report) {
    std::uint64_t after = store.meta().review_cursor;
    for (bool first = true;; first = false) {
        sync::get_review_msg ask;
        ask.id = next_id++;
        ask.after = after;
        ask.limit = std::clamp<std::uint32_t>(opts.review_limit, 1, max_review_limit);
        auto answer = line.request(ask);
        if (const auto* e = std::get_if<sync::error_msg>(&answer)) {
            if (ends_the_connection(e->error.code)) {
                throw_server_error(e->error, "get_review");
            }
            report.review_skipped = "the server answered get_review with " +
                                    std::string(sync::to_code(e->error.code)) + ": " +
                                    e->error.message;
            return;
        }
        const auto page = answer_of<sync::review_msg>(std::move(answer), ask.id, "get_review");
        for (const auto& item : page.items) {
            if (item.item <= 0 || item.record.empty()) {
                throw_protocol("get_review sent an item without an id or a record");
            }
        }
        if (page.more && page.next == after) {
            throw_protocol("a review page said more=true without moving the cursor");
        }
        // A cursor that moved back: the server was restored from an older copy and read
        // from its beginning (docs/protocol.md 4.9), so this is a full fetch too.
        const bool started_over = page.next < after;
        {
            local_store::write_tx tx(store);
            if ((first && after == 0) || started_over) {
                store.clear_review_items();  // a full fetch replaces what was held
            }
            for (const auto& item : page.items) {
                store.put_review_item(item);
            }
            store.save_review_cursor(page.next);
            tx.commit();
        }
        report.review_received += page.items.size();
        if (!page.more) {
            return;
        }
        after = page.next;
    }
}

// scope_changed (docs/protocol.md section 7): the user was moved to another org unit or
// the org tree changed while the device was connected, and the server closed the
// connection. Everything done so far is kept (D4), so sync again at once: the new
// connection gets the new scope, and its pull evicts the records that left it. Only
// once: a second scope_changed in a row is reported to the caller.
sync_report device::impl::run_reconnecting(const progress_callback& progress, bool& connected) {
    sync_report report;
    try {
        run_sync(progress, connected, report);
        return report;
    } catch (const error& e) {
        if (e.server_code != sync::errc::scope_changed) {
            throw;
        }
    } catch (const client::client_error& e) {
        if (e.code() != sync::errc::scope_changed) {
            throw;
        }
    }
    report.scope_changed = true;
    connected = false;
    {
        // The new scope may hold items opened before the review cursor (5b).
        local_store::write_tx tx(store);
        store.save_review_cursor(0);
        tx.commit();
    }
    run_sync(progress, connected, report);
    return report;
}

sync_report device::sync(const progress_callback& progress) {
    auto& s = impl_->store;
    const auto m = s.meta();
    if (!m.settings) {
        throw error(error_kind::not_configured,
                    "this device is not set up yet: configure it with the server URL, the "
                    "device id and the token");
    }
    const std::string url = m.settings->url;
    bool connected = false;
    const sync_lock lock(impl_->path);

    // Notes the failure in the replica (status shows it) and completes the error.
    const auto failed = [&](error e) {
        try {
            local_store::write_tx tx(s);
            s.save_attempt(impl_->device_now(s.meta()), std::string(e.what()), false);
            tx.commit();
            e.pending = s.count_pending();
        } catch (const std::exception&) {
            // The storage failure must not hide the sync failure being reported.
        }
        e.url = url;
        return e;
    };

    try {
        auto report = impl_->run_reconnecting(progress, connected);
        local_store::write_tx tx(s);
        s.save_attempt(impl_->device_now(s.meta()), std::nullopt, true);
        tx.commit();
        return report;
    } catch (const client::transport_error& e) {
        throw failed(error(error_kind::unreachable,
                           (connected ? "lost the connection to " : "cannot reach ") + url +
                               ": " + e.what()));
    } catch (const client::client_error& e) {
        // Only hello's refusal or undecodable bytes get here (link.hpp).
        try {
            throw_server_error(e.info(), connected ? "a request" : "hello");
        } catch (error& mapped) {
            throw failed(std::move(mapped));
        }
    } catch (const std::invalid_argument& e) {
        throw failed(error(error_kind::invalid_argument, e.what()));
    } catch (error& e) {
        throw failed(std::move(e));
    }
}

}  // namespace sotay::sdk
