// Hybrid logical clock (Kulkarni, Demirbas et al., "Logical Physical Clocks", 2014).
//
// Layout, as it travels and as it is stored:
//   wire / text : "<wall_ms>:<counter>", both unsigned decimal, no sign, no leading '+'.
//   wall_ms     : 48 bits used (milliseconds since the Unix epoch; enough until year 10889).
//   counter     : 16 bits, bounded by hlc_clock::max_counter; see below.
// Total order of two changes: (wall_ms, counter, device_id), compared in that order.
//
// Why bounded: the counter only grows while the physical clock stands still relative to
// the largest time seen. If something (a remote clock far ahead) pushed wall_ms far into
// the future, the counter would grow without limit; instead tick() refuses to run past
// max_counter and the caller must treat the remote time as untrustworthy (clock rule in
// clock_rule.hpp and docs/merge.md).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sotay::sync {

struct hlc {
    std::uint64_t wall_ms = 0;
    std::uint32_t counter = 0;
    friend constexpr auto operator<=>(const hlc&, const hlc&) = default;
};

// Parses "<wall_ms>:<counter>". Refuses empty parts, signs, non-digits, overflow, a
// wall_ms beyond 48 bits and a counter beyond hlc_clock::max_counter.
std::optional<hlc> parse_hlc(std::string_view text);
std::string format_hlc(const hlc& h);

// One device's clock. Not thread-safe: one owner.
class hlc_clock {
public:
    static constexpr std::uint32_t max_counter = 0xFFFF;
    static constexpr std::uint64_t max_wall_ms = (std::uint64_t{1} << 48) - 1;

    explicit hlc_clock(hlc last = {}) : last_(last) {}

    // Send / local event rule: l' = max(l, pt); c' = (l' == l) ? c + 1 : 0.
    // Returns nullopt when the counter would exceed max_counter (the clock is stuck
    // behind a far-future timestamp); the state is left unchanged.
    std::optional<hlc> tick(std::uint64_t physical_ms);

    // Receive rule: l' = max(l, m.l, pt); counter per the paper. Same overflow contract.
    std::optional<hlc> receive(const hlc& remote, std::uint64_t physical_ms);

    const hlc& last() const { return last_; }

private:
    hlc last_;
};

}  // namespace sotay::sync
