#include <sotay/sync/hlc.hpp>

#include <algorithm>
#include <charconv>

namespace sotay::sync {
namespace {

// Strict unsigned decimal: digits only, no sign, no spaces, no overflow.
bool parse_u64(std::string_view s, std::uint64_t& out) {
    if (s.empty() || s.size() > 20) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && end == s.data() + s.size();
}

}  // namespace

std::optional<hlc> parse_hlc(std::string_view text) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::uint64_t wall = 0;
    std::uint64_t counter = 0;
    if (!parse_u64(text.substr(0, colon), wall) || !parse_u64(text.substr(colon + 1), counter))
        return std::nullopt;
    if (wall > hlc_clock::max_wall_ms || counter > hlc_clock::max_counter) return std::nullopt;
    return hlc{wall, static_cast<std::uint32_t>(counter)};
}

std::string format_hlc(const hlc& h) {
    return std::to_string(h.wall_ms) + ":" + std::to_string(h.counter);
}

std::optional<hlc> hlc_clock::tick(std::uint64_t physical_ms) {
    physical_ms = std::min(physical_ms, max_wall_ms);
    hlc next;
    if (physical_ms > last_.wall_ms) {
        next = {physical_ms, 0};
    } else {
        if (last_.counter >= max_counter) return std::nullopt;
        next = {last_.wall_ms, last_.counter + 1};
    }
    last_ = next;
    return next;
}

std::optional<hlc> hlc_clock::receive(const hlc& remote, std::uint64_t physical_ms) {
    physical_ms = std::min(physical_ms, max_wall_ms);
    const std::uint64_t wall = std::max({last_.wall_ms, remote.wall_ms, physical_ms});
    std::uint64_t counter = 0;
    if (wall == last_.wall_ms && wall == remote.wall_ms) {
        counter = std::uint64_t{std::max(last_.counter, remote.counter)} + 1;
    } else if (wall == last_.wall_ms) {
        counter = std::uint64_t{last_.counter} + 1;
    } else if (wall == remote.wall_ms) {
        counter = std::uint64_t{remote.counter} + 1;
    }
    if (counter > max_counter) return std::nullopt;
    last_ = {wall, static_cast<std::uint32_t>(counter)};
    return last_;
}

}  // namespace sotay::sync
