#include "output.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <ctime>
#include <iostream>
#include <sotay/sync/json_values.hpp>

#include "invocation.hpp"

namespace sotay::admin {

namespace json = boost::json;

table::table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void table::add(std::vector<std::string> row) {
    row.resize(headers_.size());
    rows_.push_back(std::move(row));
}

void table::print(std::ostream& out) const {
    std::vector<std::size_t> widths;
    for (const auto& h : headers_) widths.push_back(display_width(h));
    for (const auto& row : rows_) {
        for (std::size_t i = 0; i < row.size(); ++i) {
            widths[i] = std::max(widths[i], display_width(row[i]));
        }
    }
    const auto line = [&](const std::vector<std::string>& cells) {
        std::string text;
        for (std::size_t i = 0; i < cells.size(); ++i) {
            text += cells[i];
            // No padding after the last column: no trailing spaces for `grep`/`diff`.
            if (i + 1 < cells.size()) text.append(widths[i] - display_width(cells[i]) + 2, ' ');
        }
        out << text << "\n";
    };
    line(headers_);
    for (const auto& row : rows_) line(row);
}

std::size_t display_width(const std::string& text) {
    std::size_t width = 0;
    for (std::size_t i = 0; i < text.size();) {
        const auto b = static_cast<unsigned char>(text[i]);
        // Decode just enough to recognise a code point and its combining marks.
        std::uint32_t cp = b;
        std::size_t len = 1;
        if (b >= 0xF0) {
            len = 4;
            cp = b & 0x07u;
        } else if (b >= 0xE0) {
            len = 3;
            cp = b & 0x0Fu;
        } else if (b >= 0xC0) {
            len = 2;
            cp = b & 0x1Fu;
        }
        for (std::size_t k = 1; k < len && i + k < text.size(); ++k) {
            cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3Fu);
        }
        i += len;
        const bool combining = (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x1DC0 && cp <= 0x1DFF) ||
                               (cp >= 0x20D0 && cp <= 0x20FF) || (cp >= 0xFE20 && cp <= 0xFE2F);
        if (!combining) ++width;
    }
    return width;
}

std::string format_time(std::int64_t ms_since_epoch, const char* never) {
    if (ms_since_epoch == 0) return never;
    const std::time_t t = static_cast<std::time_t>(ms_since_epoch / 1000);
    std::tm local{};
    if (::localtime_r(&t, &local) == nullptr) return std::to_string(ms_since_epoch) + " ms";
    char text[32];
    const auto n = std::strftime(text, sizeof text, "%Y-%m-%d %H:%M", &local);
    return std::string(text, n);
}

// Milliseconds since the epoch at the start (00:00 UTC) of a YYYY-MM-DD day; usage_error
// naming the option otherwise. UTC, as the HTTP API's from/to: the same dates select the
// same items whichever machine the command runs on.
std::int64_t day_start_ms(const std::string& text, const char* option) {
    const auto bad = [&] {
        return usage_error("--" + std::string(option) +
                           " must be a date YYYY-MM-DD (UTC), such as 2024-05-01, not \"" + text +
                           "\"");
    };
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') throw bad();
    const auto number = [&](std::size_t at, std::size_t len) {
        int v = 0;
        const auto [end, ec] = std::from_chars(text.data() + at, text.data() + at + len, v);
        if (ec != std::errc{} || end != text.data() + at + len) throw bad();
        return v;
    };
    const std::chrono::year_month_day day{std::chrono::year(number(0, 4)),
                                          std::chrono::month(static_cast<unsigned>(number(5, 2))),
                                          std::chrono::day(static_cast<unsigned>(number(8, 2)))};
    if (!day.ok()) throw bad();
    const std::chrono::sys_days start{day};
    return std::chrono::duration_cast<std::chrono::milliseconds>(start.time_since_epoch()).count();
}

store::scope_filter scope_of(const invocation& in) {
    const auto code = in.optional("org");
    if (!code) return store::scope_filter::all();
    const auto snapshot = in.db().org_tree();
    if (snapshot.tree->find(*code) == nullptr) {
        fail(sync::errc::not_found,
             "no org unit \"" + *code +
                 "\" in the org tree; `sotay-admin org list` shows the codes");
    }
    return store::scope_filter::of(snapshot.tree->subtree(*code));
}

json::value parse_or_string(const std::string& text) {
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    return ec ? json::value(text) : v;
}

json::object user_json(const store::user_info& u) {
    return json::object{{"id", u.id},
                        {"username", u.username},
                        {"display_name", u.display_name},
                        {"role", std::string(access::role_name(u.role))},
                        {"org_unit", u.org_unit},
                        {"disabled", u.disabled},
                        {"has_password", u.has_password},
                        {"created_ms", u.created_ms}};
}

json::object device_json(const store::device_info& d) {
    return json::object{{"device_id", d.device_id},
                        {"name", d.name},
                        {"user_id", d.user_id},
                        {"username", d.username},
                        {"role", std::string(access::role_name(d.role))},
                        {"org_unit", d.org_unit},
                        {"user_disabled", d.user_disabled},
                        {"revoked", d.revoked},
                        {"revoked_ms", d.revoked_ms},
                        {"created_ms", d.created_ms},
                        {"last_seen_ms", d.last_seen_ms},
                        {"clock_offset_ms", d.clock_offset_ms},
                        {"last_seq", d.last_seq},
                        {"pulled_seq", d.pulled_seq},
                        {"pending_pull", d.pending_pull},
                        {"rejected", d.rejected}};
}

json::object record_json(const sync::record_msg& r) {
    return json::object{{"record", r.record},     {"type", r.type},
                        {"org_unit", r.org_unit}, {"version", r.version},
                        {"deleted", r.deleted},   {"fields", sync::fields_to_json(r.fields)}};
}

void print_json(const json::value& v) {
    std::cout << json::serialize(v) << "\n";
}

}  // namespace sotay::admin
