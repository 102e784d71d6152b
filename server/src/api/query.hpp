// Reading query parameters: whole numbers, page sizes and calendar dates, each refused
// with a sentence naming the parameter (H3) rather than read loosely.
#pragma once

#include "call.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sotay::server::api {

// Pages as in the sync protocol: 1000 records, changes or review items of a few hundred
// bytes each are one short SQLite read and a response of a few hundred KiB.
inline constexpr std::uint64_t max_page = 1000;

// A decimal integer without sign, spaces or leading "+"; nullopt otherwise.
std::optional<std::uint64_t> parse_count(std::string_view text);

// ?limit=N: 1..max_page, `fallback` when absent; nullopt when wrong (answer bad_limit()).
std::optional<std::uint64_t> page_limit(const api_call& call, std::uint64_t fallback);
response bad_limit();

// "YYYY-MM-DD", a real day of the proleptic Gregorian calendar: the milliseconds since
// the epoch at its midnight, UTC (the server's time zone for dates). nullopt otherwise.
std::optional<std::int64_t> parse_day_ms(std::string_view text);

inline constexpr std::int64_t day_ms = 24LL * 3600 * 1000;

// Longer than any username, device id, record id (a UUID is 36), kind, state, type name or
// unit code: a filter value past it is refused rather than sent to the store, where it
// could only match nothing.
inline constexpr std::size_t max_filter_length = 64;

// A query parameter; absent and empty (a form's blank input) both read as "no filter".
std::optional<std::string> query_value(const api_call& call, std::string_view name);

// not_found for an org unit outside the caller's subtree: answered as missing.
response no_such_unit(const std::string& code);

// The filters the review list and the history share, read into the caller's store query:
//   org_unit  narrows `scope` to that unit's subtree, which must lie in the caller's;
//   from, to  days of the server's calendar (UTC), to inclusive: the store's bound is not,
//             so [from 00:00, the day after to 00:00).
// The answer to give when one is wrong, else nullopt.
std::optional<response> read_unit_and_days(const api_call& call, store::scope_filter& scope,
                                           std::optional<std::int64_t>& from_ms,
                                           std::optional<std::int64_t>& to_ms);

}  // namespace sotay::server::api
