// The commit queue: the one thread that writes to the store, with group commit.
//
// Sessions submit pushes (with a completion), hellos and pull marks (fire and forget,
// store::pull_mark: what a device holds, for list_devices' pending counts). The writer
// thread takes everything queued, up to commit_batch_max work items, builds one
// store::write_batch and calls store.write() once: one transaction and one fsync for
// all of them. While that write runs, new submissions accumulate for the next one.
//
// Invariants:
//   Q1. Submission order is kept: items are written, and completions invoked, in the
//       order submit() was called (across all sessions).
//   Q2. A completion runs only after store.write() returned, i.e. after the batch is
//       durable (store.hpp S1). If write() failed, every push of that batch completes
//       with errc::internal and nothing of it was acknowledged.
//   Q3. Every submitted push completes exactly once: with its outcome, with internal,
//       or (submitted after stop() began) with errc::shutting_down.
//   Q4. After a write that advanced the head, head_listener(head) is called once.
//   Q5. After a write that advanced store::review_seq() (it opened review items, R1/R2),
//       review_listener(review_seq) is called once, after the head listener.
//
// Thread safety: submit() and stop() may be called from any thread. Completions and the
// listeners run on the writer thread; they must not block (post elsewhere).
#pragma once

#include <sotay/store/store.hpp>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <variant>

namespace sotay::server {

class commit_queue {
public:
    using push_completion = std::function<void(store::result<store::push_outcome>)>;
    using head_listener = std::function<void(std::uint64_t head)>;
    using review_listener = std::function<void(std::uint64_t review_seq)>;

    // Starts the writer thread. `s` must outlive the queue. batch_max >= 1 caps the
    // work items (changes, plus one per hello) in one write; a single push larger than
    // the cap still goes alone in its own write. Either listener may be empty.
    commit_queue(store::store& s, std::size_t batch_max, head_listener on_head,
                 review_listener on_review = nullptr);
    // Calls stop().
    ~commit_queue();

    commit_queue(const commit_queue&) = delete;
    commit_queue& operator=(const commit_queue&) = delete;

    void submit(store::push_request req, push_completion done);
    // Fire and forget; dropped (with a log line) once stop() began.
    void submit(store::hello_record hello);
    // Fire and forget, like a hello: written with the next batch (write_batch.pulls).
    void submit(store::pull_mark pulled);

    // Refuses new submissions, writes everything already queued, joins the writer.
    // Idempotent; must not be called from a completion (it would join itself).
    void stop();

    // Calls to store.write() so far (for logs and tests).
    std::uint64_t writes() const;

private:
    struct push_item {
        store::push_request req;
        push_completion done;
    };
    using item = std::variant<push_item, store::hello_record, store::pull_mark>;

    // Queues a fire-and-forget item; false once stop() began.
    bool enqueue(item it);
    void run();
    void write_batch(std::deque<item>& taken);

    store::store& store_;
    const std::size_t batch_max_;
    head_listener on_head_;
    review_listener on_review_;

    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<item> items_;
    bool stopping_ = false;
    std::uint64_t writes_ = 0;
    std::uint64_t last_head_ = 0;    // writer thread only
    std::uint64_t last_review_ = 0;  // writer thread only
    std::thread writer_;           // last member: started once the rest exists
};

}  // namespace sotay::server
