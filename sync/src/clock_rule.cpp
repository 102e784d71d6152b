#include <sotay/sync/clock_rule.hpp>

#include <algorithm>
#include <cstdlib>

namespace sotay::sync {

hlc effective_clock(const hlc& device_clock, std::int64_t offset_ms, std::uint64_t server_now_ms,
                    const hlc& previous, const clock_policy& policy) {
    hlc out = device_clock;
    // C2/C3: trust a sane clock as is; read a wrong one on the server's clock.
    if (std::llabs(offset_ms) > policy.trusted_skew_ms) {
        const std::int64_t shifted = static_cast<std::int64_t>(device_clock.wall_ms) + offset_ms;
        out.wall_ms = shifted < 0 ? 0 : static_cast<std::uint64_t>(shifted);
    }
    // C4: nothing from the future.
    const std::uint64_t horizon = server_now_ms + static_cast<std::uint64_t>(policy.trusted_skew_ms);
    if (out.wall_ms > horizon) out = {server_now_ms, 0};
    // C5: strictly increasing per device.
    if (out <= previous) {
        if (previous.counter < hlc_clock::max_counter) {
            out = {previous.wall_ms, previous.counter + 1};
        } else {
            out = {previous.wall_ms + 1, 0};
        }
    }
    out.wall_ms = std::min(out.wall_ms, hlc_clock::max_wall_ms);
    return out;
}

}  // namespace sotay::sync
