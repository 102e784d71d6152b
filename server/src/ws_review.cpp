// get_review and the live review feed of a WebSocket session (ws_session.hpp W8).
//
// The feed mirrors live pulls: the catch-up is paged from the client's cursor; with live,
// once a page says more=false the session subscribes to the hub's review feed, and every
// notice (coalesced) reads on from its own cursor in its own scope, so only items in
// scope are ever sent and each change of state arrives once, in review_seq order.
#include "ws_session.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <utility>

namespace sotay::server {

void ws_session::handle_get_review(const sync::get_review_msg& m) {
    if (state_ != state::ready) {
        return send_error(m.id, sync::errc::not_ready, "send hello before get_review");
    }
    // A new get_review replaces any live one (a live pull is another matter).
    stop_review_live();
    if (ending_) return send_error(m.id, ending_->code, ending_->message);
    if (!access::allowed(role_, access::permission::read_records)) {
        return send_error(m.id, sync::errc::forbidden,
                          "the role " + std::string(access::role_name(role_)) +
                              " may not read records, nor the review items about them");
    }

    store::review_query q;
    q.scope = scope_;
    q.after = m.after;
    // A cursor past the feed's end was issued before this database was restored from an
    // older copy: the items since may have other numbers now, so start again.
    if (q.after > services_.db.review_seq()) {
        spdlog::info("{}: review cursor {} is past the end; reading from the beginning", remote_,
                     m.after);
        q.after = 0;
    }
    // A limit of 0 would page forever without progress; above the cap is capped.
    q.limit = std::clamp<std::uint32_t>(m.limit, 1, services_.config.max_review_limit);

    auto page = services_.db.review_items(q);
    if (!page) {
        spdlog::error("{}: review read failed: {}", remote_, page.error().message);
        return send_error(m.id, sync::errc::internal, "the server could not read; retry later");
    }
    const std::uint64_t next = std::max(q.after, page->next);
    const bool more = page->more;
    send(sync::review_msg{m.id, next, more, std::move(page->items)});

    if (m.live && !more) {
        review_id_ = m.id;
        review_cursor_ = next;
        review_limit_ = static_cast<std::uint32_t>(q.limit);
        services_.fanout.subscribe_review(this);
        // An item that changed between the read and the subscription sent its notice
        // to nobody: catch up on it now.
        if (services_.db.review_seq() > review_cursor_) review_step();
    }
}

void ws_session::on_review(std::uint64_t) {
    // W4 as for live pulls: one catch-up posted at a time reads whatever it meets.
    if (review_posted_.exchange(true)) return;
    net::post(strand_, [self = shared_from_this()] {
        self->review_posted_ = false;
        self->review_step();
    });
}

void ws_session::review_step() {
    if (!review_id_ || closing_ || done_ || ending_) return;
    try {
        while (queue_.size() < live_high_water()) {
            store::review_query q;
            q.scope = scope_;
            q.after = review_cursor_;
            q.limit = review_limit_;
            auto page = services_.db.review_items(q);
            if (!page) {
                spdlog::error("{}: live review read failed: {}", remote_, page.error().message);
                send_error(review_id_, sync::errc::internal, "the server could not read");
                return stop_review_live();
            }
            review_cursor_ = std::max(review_cursor_, page->next);
            // Items out of scope moved the feed but are nobody's news here.
            if (!page->items.empty()) {
                send(sync::review_msg{*review_id_, review_cursor_, page->more,
                                      std::move(page->items)});
            }
            if (!page->more) {
                review_more_ = false;
                return;
            }
        }
        // W4: queue half full; on_write resumes once it drains.
        review_more_ = true;
    } catch (const std::exception& e) {
        spdlog::error("{}: live review read threw: {}", remote_, e.what());
        send_error(review_id_, sync::errc::internal, "the server could not read");
        stop_review_live();
    }
}

void ws_session::stop_review_live() {
    if (review_id_) services_.fanout.unsubscribe_review(this);
    review_id_.reset();
    review_more_ = false;
}

}  // namespace sotay::server
