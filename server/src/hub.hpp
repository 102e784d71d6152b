// The hub: fan-out from the commit queue to the WebSocket sessions.
//
// Three lists, all of weak pointers keyed by the member's address:
//   - members: every open WebSocket session; shutdown() tells each one to finish, and
//              security_changed() to re-check its device's access (store.hpp S7).
//   - live:    the sessions with a live pull; notify(head) tells each one that new
//              changes were committed up to server_seq `head`.
//   - review:  the sessions with a live get_review; notify_review(seq) tells each one
//              that review items opened or changed state up to review_seq `seq` (R7).
// The lists are copied under the mutex and the members are called outside it, so a
// member's callback may call back into the hub (leave, unsubscribe) without deadlock.
//
// Thread safety: every member function may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace sotay::server {

// What the hub calls. Implementations must not block: they post to their own strand.
class hub_member {
public:
    virtual ~hub_member() = default;
    // New changes were committed; `head` is the highest server_seq now durable.
    virtual void on_head(std::uint64_t head) = 0;
    // The server is stopping: finish what was submitted, then close (going away).
    virtual void on_shutdown() = 0;
    // store::security_epoch() moved: a device may have been revoked, a user disabled or
    // moved, the org tree changed. Re-read this session's access and scope.
    virtual void on_security_change() = 0;
    // Review items opened, were decided or dismissed; `seq` is store::review_seq() now.
    // Empty by default: only sessions that serve get_review care.
    virtual void on_review(std::uint64_t /*seq*/) {}
};

class hub {
public:
    // Adds a session. Returns false when shutdown() has already begun: the session is
    // still listed (so the server waits for it) but must close at once.
    bool join(const std::shared_ptr<hub_member>& m);
    // Removes a session from every list; called from its destructor.
    void leave(const hub_member* m);

    // Adds or removes a session's live subscription (a joined session only).
    void subscribe(const hub_member* m);
    void unsubscribe(const hub_member* m);

    // Adds or removes a session's live review subscription (a joined session only).
    void subscribe_review(const hub_member* m);
    void unsubscribe_review(const hub_member* m);

    // Calls on_head(head) on every live subscriber, outside the lock.
    void notify(std::uint64_t head);
    // Calls on_review(seq) on every live review subscriber, outside the lock.
    void notify_review(std::uint64_t seq);
    // The highest head and review_seq notified so far: the server's store watcher
    // notifies only what nobody has announced (a write by another process).
    std::uint64_t notified_head() const;
    std::uint64_t notified_review() const;

    // Marks the hub as shutting down and calls on_shutdown() on every member.
    void shutdown();

    // Calls on_security_change() on every member, outside the lock.
    void security_changed();

    // Open sessions (joined and not yet left).
    std::size_t size() const;
    std::size_t live_count() const;
    std::size_t review_count() const;

private:
    using member_map = std::unordered_map<const hub_member*, std::weak_ptr<hub_member>>;

    // A copy of the members list, taken under the lock.
    std::vector<std::weak_ptr<hub_member>> members() const;
    // A copy of `list`, taken under the lock.
    std::vector<std::weak_ptr<hub_member>> copy_of(const member_map& list) const;
    // Adds m to `list` if it is a joined member.
    void subscribe_to(member_map& list, const hub_member* m);

    mutable std::mutex mu_;
    member_map members_;
    member_map live_;
    member_map review_;
    bool shutting_down_ = false;
    std::uint64_t notified_head_ = 0;
    std::uint64_t notified_review_ = 0;
};

}  // namespace sotay::server
