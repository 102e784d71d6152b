// Identifiers that cross the wire or reach disk.
//
// Strong types keep numbers that must never be mixed apart: a device's own change
// number (device_seq), the server's global order (server_seq) and a record's version
// (record_version) are all 64-bit counters, and swapping two of them is a silent
// data-loss bug. Each is a distinct type; conversion is explicit through .value.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sotay::sync {

template <typename Tag>
struct counter {
    std::uint64_t value = 0;
    friend constexpr auto operator<=>(counter, counter) = default;
};

struct device_seq_tag {};
struct server_seq_tag {};
struct record_version_tag {};

// (device_id, device_seq) names a change everywhere, forever. Starts at 1, no gaps.
using device_seq = counter<device_seq_tag>;
// The server's global commit order; the pull cursor is built from it.
using server_seq = counter<server_seq_tag>;
// Grows by one each time a change to the record is applied; 0 = never seen.
using record_version = counter<record_version_tag>;

// A UUID as 16 bytes. Records and devices are named by UUIDs; the store keys its big
// tables by these bytes, and devices mint UUIDv7 (time-ordered) so inserts append.
using uuid_bytes = std::array<std::uint8_t, 16>;

// Parses the canonical lowercase form "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx".
// Uppercase hex is refused: the protocol says lowercase, and accepting both would let
// one record have two spellings.
std::optional<uuid_bytes> parse_uuid(std::string_view text);
std::string format_uuid(const uuid_bytes& id);
inline bool is_uuid(std::string_view text) { return parse_uuid(text).has_value(); }

}  // namespace sotay::sync

namespace sotay::sync {

// A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then version 7, then 74 random bits.
// Time-ordered, so ids minted later sort later and the store's B-trees append instead of
// splitting pages at random. The caller supplies the randomness (the engine does no I/O).
uuid_bytes make_uuid_v7(std::uint64_t unix_ms, const std::array<std::uint8_t, 10>& random);

}  // namespace sotay::sync
