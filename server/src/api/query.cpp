#include "query.hpp"

#include "response.hpp"

#include <charconv>
#include <chrono>

namespace sotay::server::api {

std::optional<std::uint64_t> parse_count(std::string_view text) {
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return n;
}

std::optional<std::uint64_t> page_limit(const api_call& call, std::uint64_t fallback) {
    const auto it = call.query.find("limit");
    if (it == call.query.end()) return fallback;
    const auto n = parse_count(it->second);
    if (!n || *n == 0 || *n > max_page) return std::nullopt;
    return n;
}

response bad_limit() {
    return error_response(sync::errc::validation,
                          "limit must be a whole number from 1 to " + std::to_string(max_page),
                          "limit");
}

std::optional<std::int64_t> parse_day_ms(std::string_view text) {
    // Exactly ten characters with the dashes in place: "2024-2-3" and "+2024-..." are not
    // dates here, whatever a lenient parser would make of them.
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    const auto y = parse_count(text.substr(0, 4));
    const auto m = parse_count(text.substr(5, 2));
    const auto d = parse_count(text.substr(8, 2));
    if (!y || !m || !d) return std::nullopt;
    const std::chrono::year_month_day day{std::chrono::year{static_cast<int>(*y)},
                                          std::chrono::month{static_cast<unsigned>(*m)},
                                          std::chrono::day{static_cast<unsigned>(*d)}};
    if (!day.ok()) return std::nullopt;  // 2023-02-29, month 13, day 0
    const auto since_epoch = std::chrono::sys_days{day}.time_since_epoch();
    return std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count();
}

}  // namespace sotay::server::api
