#include "hub.hpp"

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
}

void hub::subscribe(const hub_member* m) {
    std::lock_guard lock(mu_);
    // Only a joined session may subscribe: this keeps a late subscribe from a session
    // that already left (it cannot, but a bug would) from leaving a dangling entry.
    if (auto it = members_.find(m); it != members_.end()) live_.insert(*it);
}

void hub::unsubscribe(const hub_member* m) {
    std::lock_guard lock(mu_);
    live_.erase(m);
}

void hub::notify(std::uint64_t head) {
    std::vector<std::weak_ptr<hub_member>> targets;
    {
        std::lock_guard lock(mu_);
        targets.reserve(live_.size());
        for (const auto& [key, weak] : live_) targets.push_back(weak);
    }
    // Outside the lock: each call only posts to the member's strand.
    for (const auto& weak : targets) {
        if (auto m = weak.lock()) m->on_head(head);
    }
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
    std::vector<std::weak_ptr<hub_member>> targets;
    std::lock_guard lock(mu_);
    targets.reserve(members_.size());
    for (const auto& [key, weak] : members_) targets.push_back(weak);
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

}  // namespace sotay::server
