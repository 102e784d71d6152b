// A sliding-window limiter for login and enrollment attempts, in memory.
//
// Keyed by a string the caller chooses (the server uses "login:<username>",
// "ip:<address>" and "enroll:<address>"). Only failures count: a user who types the
// password right is never slowed down by their own success.
//
// Thread safety: every member may be called from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sotay::access {

class rate_limiter {
public:
    using clock = std::chrono::steady_clock;

    // At most `max_failures` failures per key in any `window`.
    rate_limiter(std::size_t max_failures, std::chrono::seconds window);

    // How long the caller must wait before trying again under this key; zero = go ahead.
    std::chrono::seconds retry_after(std::string_view key, clock::time_point now = clock::now());
    void record_failure(std::string_view key, clock::time_point now = clock::now());
    // Forgets a key's failures (after a successful login).
    void reset(std::string_view key);
    // How many keys hold failures now (tests: memory stays bounded).
    std::size_t tracked_keys();

private:
    void prune(std::deque<clock::time_point>& q, clock::time_point now) const;

    const std::size_t max_failures_;
    const std::chrono::seconds window_;
    std::mutex mu_;
    std::unordered_map<std::string, std::deque<clock::time_point>> failures_;
    std::uint64_t calls_ = 0;  // every so often, keys with no recent failure are dropped
};

}  // namespace sotay::access
