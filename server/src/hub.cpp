#include "hub.hpp"

#include <algorithm>
#include <vector>

namespace sotay::server {

bool hub::join(const std::shared_ptr<hub_member>& m) {
    std::lock_guard lock(mu_);
    members_.emplace(m.get(), m);
    return !shutting_down_;
}

void hub::leave(const hub_member* m) {
    std::lock_guard lock(mu_);
    members_.erase(m);
    live_.erase(m);
    review_.erase(m);
}

void hub::subscribe_to(member_map& list, const hub_member* m) {
    std::lock_guard lock(mu_);
    // Only a joined session may subscribe: this keeps a late subscribe from a session
    // that already left (it cannot, but a bug would) from leaving a dangling entry.
    if (auto it = members_.find(m); it != members_.end()) list.insert(*it);
}

void hub::subscribe(const hub_member* m) {
    subscribe_to(live_, m);
}

void hub::unsubscribe(const hub_member* m) {
    std::lock_guard lock(mu_);
    live_.erase(m);
}

void hub::subscribe_review(const hub_member* m) {
    subscribe_to(review_, m);
}

void hub::unsubscribe_review(const hub_member* m) {
    std::lock_guard lock(mu_);
    review_.erase(m);
}

void hub::notify(std::uint64_t head) {
    {
        std::lock_guard lock(mu_);
        notified_head_ = std::max(notified_head_, head);
    }
    // Outside the lock: each call only posts to the member's strand.
    for (const auto& weak : copy_of(live_)) {
        if (auto m = weak.lock()) m->on_head(head);
    }
}

void hub::notify_review(std::uint64_t seq) {
    {
        std::lock_guard lock(mu_);
        notified_review_ = std::max(notified_review_, seq);
    }
    for (const auto& weak : copy_of(review_)) {
        if (auto m = weak.lock()) m->on_review(seq);
    }
}

std::uint64_t hub::notified_head() const {
    std::lock_guard lock(mu_);
    return notified_head_;
}

std::uint64_t hub::notified_review() const {
    std::lock_guard lock(mu_);
    return notified_review_;
}

void hub::shutdown() {
    {
        std::lock_guard lock(mu_);
        shutting_down_ = true;
    }
    for (const auto& weak : members()) {
        if (auto m = weak.lock()) m->on_shutdown();
    }
}

void hub::security_changed() {
    for (const auto& weak : members()) {
        if (auto m = weak.lock()) m->on_security_change();
    }
}

std::vector<std::weak_ptr<hub_member>> hub::members() const {
    return copy_of(members_);
}

std::vector<std::weak_ptr<hub_member>> hub::copy_of(const member_map& list) const {
    std::vector<std::weak_ptr<hub_member>> targets;
    std::lock_guard lock(mu_);
    targets.reserve(list.size());
    for (const auto& [key, weak] : list) targets.push_back(weak);
    return targets;
}

std::size_t hub::size() const {
    std::lock_guard lock(mu_);
    return members_.size();
}

std::size_t hub::live_count() const {
    std::lock_guard lock(mu_);
    return live_.size();
}

std::size_t hub::review_count() const {
    std::lock_guard lock(mu_);
    return review_.size();
}

}  // namespace sotay::server
