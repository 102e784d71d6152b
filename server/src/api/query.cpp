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

std::optional<std::string> query_value(const api_call& call, std::string_view name) {
    const auto it = call.query.find(name);
    if (it == call.query.end() || it->second.empty()) return std::nullopt;
    return it->second;
}

response no_such_unit(const std::string& code) {
    return error_response(
        sync::errc::not_found,
        "there is no org unit \"" + code.substr(0, 64) + "\" in your part of the tree", "org_unit");
}

std::optional<response> read_unit_and_days(const api_call& call, store::scope_filter& scope,
                                           std::optional<std::int64_t>& from_ms,
                                           std::optional<std::int64_t>& to_ms) {
    if (const auto unit = query_value(call, "org_unit")) {
        if (!call.scope.contains(*unit)) return no_such_unit(*unit);
        scope = store::scope_filter::of(call.ctx.db.org_tree().tree->subtree(*unit));
    }
    for (const char* name : {"from", "to"}) {
        const auto text = query_value(call, name);
        if (!text) continue;
        const auto ms = parse_day_ms(*text);
        if (!ms) {
            return error_response(sync::errc::validation,
                                  std::string(name) + " must be a date written YYYY-MM-DD", name);
        }
        if (std::string_view(name) == "from") {
            from_ms = *ms;
        } else {
            to_ms = *ms + day_ms;
        }
    }
    if (from_ms && to_ms && *from_ms >= *to_ms) {
        return error_response(sync::errc::validation, "to must be the same day as from or later",
                              "to");
    }
    return std::nullopt;
}

}  // namespace sotay::server::api
