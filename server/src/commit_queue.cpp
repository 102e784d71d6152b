#include "commit_queue.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <utility>

namespace sotay::server {

namespace {

sync::error_info internal_error(std::string message) {
    return {sync::errc::internal, std::move(message), std::nullopt};
}

// An error result, spelled out: push_outcome's first member is an optional<error_info>,
// so C++20 aggregate construction would make the implicit conversion ambiguous.
store::result<store::push_outcome> push_error(sync::error_info e) {
    return store::result<store::push_outcome>(boost::system::in_place_error, std::move(e));
}

}  // namespace

commit_queue::commit_queue(store::store& s, std::size_t batch_max, head_listener on_head,
                           review_listener on_review)
    : store_(s),
      batch_max_(batch_max == 0 ? 1 : batch_max),
      on_head_(std::move(on_head)),
      on_review_(std::move(on_review)) {
    last_head_ = store_.head();
    last_review_ = store_.review_seq();
    writer_ = std::thread([this] { run(); });
}

commit_queue::~commit_queue() { stop(); }

void commit_queue::submit(store::push_request req, push_completion done) {
    {
        std::lock_guard lock(mu_);
        if (!stopping_) {
            items_.emplace_back(push_item{std::move(req), std::move(done)});
            cv_.notify_one();
            return;
        }
    }
    // Q3: refused after stop(), outside the lock so the completion may do anything.
    done(push_error({sync::errc::shutting_down, "the server is shutting down", std::nullopt}));
}

void commit_queue::submit(store::hello_record hello) {
    const std::string device = hello.device_id;
    if (!enqueue(std::move(hello)))
        spdlog::debug("commit queue stopped: hello of {} not recorded", device);
}

void commit_queue::submit(store::pull_mark pulled) {
    const std::string device = pulled.device_id;
    if (!enqueue(std::move(pulled)))
        spdlog::debug("commit queue stopped: pull mark of {} not recorded", device);
}

bool commit_queue::enqueue(item it) {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    items_.emplace_back(std::move(it));
    cv_.notify_one();
    return true;
}

void commit_queue::stop() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
        cv_.notify_one();
    }
    if (writer_.joinable()) writer_.join();
}

std::uint64_t commit_queue::writes() const {
    std::lock_guard lock(mu_);
    return writes_;
}

void commit_queue::run() {
    std::unique_lock lock(mu_);
    for (;;) {
        cv_.wait(lock, [this] { return stopping_ || !items_.empty(); });
        if (items_.empty()) return;  // stopping and drained

        // Take items from the front, in order (Q1), until the next would pass the cap;
        // the first item is always taken so an oversized push still gets written.
        std::deque<item> taken;
        std::size_t work = 0;
        while (!items_.empty()) {
            // Weight: a push's changes, or 1 for a hello, a pull mark or an empty push, so
            // the cap bounds the transaction however it is made up.
            const auto* p = std::get_if<push_item>(&items_.front());
            const std::size_t w = p != nullptr ? std::max<std::size_t>(1, p->req.changes.size())
                                               : 1;
            if (!taken.empty() && work + w > batch_max_) break;
            work += w;
            taken.push_back(std::move(items_.front()));
            items_.pop_front();
        }
        ++writes_;

        // Write outside the lock: sessions keep submitting for the next batch meanwhile.
        lock.unlock();
        write_batch(taken);
        lock.lock();
    }
}

void commit_queue::write_batch(std::deque<item>& taken) {
    store::write_batch batch;
    std::vector<push_completion> completions;
    for (auto& it : taken) {
        if (auto* p = std::get_if<push_item>(&it)) {
            batch.pushes.push_back(std::move(p->req));
            completions.push_back(std::move(p->done));
        } else if (auto* h = std::get_if<store::hello_record>(&it)) {
            batch.hellos.push_back(std::move(*h));
        } else {
            batch.pulls.push_back(std::move(std::get<store::pull_mark>(it)));
        }
    }

    // One transaction for the whole batch (group commit). A throwing store is treated
    // like a failing one: nothing may escape the writer thread.
    store::result<store::write_outcome> outcome{boost::system::in_place_error,
                                                internal_error("store write failed")};
    try {
        outcome = store_.write(batch);
    } catch (const std::exception& e) {
        outcome = {boost::system::in_place_error,
                   internal_error(std::string("store write threw: ") + e.what())};
    } catch (...) {
        outcome = {boost::system::in_place_error,
                   internal_error("store write threw an unknown exception")};
    }

    if (outcome && outcome->pushes.size() != completions.size()) {
        // A store bug; refusing to guess which answer belongs to whom.
        spdlog::error("store returned {} push outcomes for {} pushes", outcome->pushes.size(),
                      completions.size());
        outcome = {boost::system::in_place_error,
                   internal_error("store returned a wrong number of push outcomes")};
    }

    if (!outcome) {
        spdlog::error("commit of {} pushes, {} hellos and {} pull marks failed: {}",
                      batch.pushes.size(), batch.hellos.size(), batch.pulls.size(),
                      outcome.error().message);
    } else {
        spdlog::debug("committed {} pushes, {} hellos and {} pull marks, head {}",
                      batch.pushes.size(), batch.hellos.size(), batch.pulls.size(), outcome->head);
    }

    // Q2: completions in submission order, each with its own outcome or the error.
    for (std::size_t i = 0; i < completions.size(); ++i) {
        try {
            if (outcome) {
                completions[i](std::move(outcome->pushes[i]));
            } else {
                completions[i](push_error(internal_error("the server could not store the "
                                                         "changes; retry later")));
            }
        } catch (const std::exception& e) {
            spdlog::error("push completion threw: {}", e.what());
        } catch (...) {
            spdlog::error("push completion threw an unknown exception");
        }
    }

    // Q4: tell the live subscribers, once, when the head moved.
    if (outcome && outcome->head > last_head_) {
        last_head_ = outcome->head;
        if (on_head_) {
            try {
                on_head_(last_head_);
            } catch (const std::exception& e) {
                spdlog::error("head listener threw: {}", e.what());
            }
        }
    }
    // Q5: likewise the review feed, when the write opened review items.
    if (outcome && outcome->review_seq > last_review_) {
        last_review_ = outcome->review_seq;
        if (on_review_) {
            try {
                on_review_(last_review_);
            } catch (const std::exception& e) {
                spdlog::error("review listener threw: {}", e.what());
            }
        }
    }
}

}  // namespace sotay::server
