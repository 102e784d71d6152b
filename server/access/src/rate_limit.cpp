// The failure counter behind login and enrollment limits.
#include <algorithm>
#include <sotay/access/rate_limit.hpp>
#include <stdexcept>

namespace sotay::access {
namespace {

// Every this many calls, keys whose failures have all expired are dropped, so that an
// attacker who tries many usernames once each cannot grow the map without bound.
constexpr std::uint64_t sweep_every = 1024;

// Prunes every key's failures and drops the keys left with none.
template <typename Map, typename Prune>
void drop_expired(Map& failures, Prune prune) {
    for (auto it = failures.begin(); it != failures.end();) {
        prune(it->second);
        it = it->second.empty() ? failures.erase(it) : std::next(it);
    }
}

}  // namespace

rate_limiter::rate_limiter(std::size_t max_failures, std::chrono::seconds window)
    : max_failures_(max_failures), window_(window) {
    // Zero would lock everyone out (or let everyone in): a configuration mistake.
    if (max_failures == 0 || window <= std::chrono::seconds::zero()) {
        throw std::invalid_argument(
            "rate_limiter needs at least one failure and a positive window");
    }
}

void rate_limiter::prune(std::deque<clock::time_point>& q, clock::time_point now) const {
    // A failure counts while now - t < window; failures are recorded in time order.
    while (!q.empty() && q.front() + window_ <= now) q.pop_front();
}

std::chrono::seconds rate_limiter::retry_after(std::string_view key, clock::time_point now) {
    const std::lock_guard lock(mu_);
    if (++calls_ % sweep_every == 0) drop_expired(failures_, [&](auto& q) { prune(q, now); });
    const auto it = failures_.find(std::string(key));
    if (it == failures_.end()) return std::chrono::seconds::zero();
    auto& q = it->second;
    prune(q, now);
    if (q.empty()) {
        failures_.erase(it);
        return std::chrono::seconds::zero();
    }
    if (q.size() < max_failures_) return std::chrono::seconds::zero();
    // Blocked until enough of the oldest failures leave the window for one more to fit:
    // the failure max_failures_ back from the newest must expire.
    const clock::time_point free_at = q[q.size() - max_failures_] + window_;
    const auto wait = std::chrono::ceil<std::chrono::seconds>(free_at - now);
    return std::max(wait, std::chrono::seconds(1));
}

void rate_limiter::record_failure(std::string_view key, clock::time_point now) {
    const std::lock_guard lock(mu_);
    if (++calls_ % sweep_every == 0) drop_expired(failures_, [&](auto& q) { prune(q, now); });
    auto& q = failures_[std::string(key)];
    prune(q, now);
    q.push_back(now);
    // Only the newest max_failures_ decide retry_after: older ones need not be kept.
    while (q.size() > max_failures_) q.pop_front();
}

void rate_limiter::reset(std::string_view key) {
    const std::lock_guard lock(mu_);
    failures_.erase(std::string(key));
}

std::size_t rate_limiter::tracked_keys() {
    const std::lock_guard lock(mu_);
    return failures_.size();
}

}  // namespace sotay::access
