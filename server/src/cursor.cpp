#include "cursor.hpp"

#include <sotay/access/secrets.hpp>

#include <sodium.h>

#include <algorithm>
#include <charconv>

namespace sotay::server {

namespace {

constexpr std::string_view legacy_prefix = "c1.";
constexpr std::string_view normal_prefix = "c2.";
constexpr std::string_view evicting_prefix = "c2x.";
constexpr std::string_view no_record = "-";
// Org unit codes are at most 64 bytes (access::valid_org_code); record ids are 36.
constexpr std::size_t max_root_bytes = 64;
constexpr std::size_t max_record_bytes = 128;

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// Unsigned decimal; `canonical` also refuses leading zeros ("007"), so that a cursor has
// exactly one spelling.
std::optional<std::uint64_t> parse_number(std::string_view text, bool canonical) {
    if (text.empty() || !std::all_of(text.begin(), text.end(), is_digit)) return std::nullopt;
    if (canonical && text.size() > 1 && text.front() == '0') return std::nullopt;
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return v;
}

std::string to_hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const char c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 0x0F]);
    }
    return out;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;  // upper case is not canonical
}

std::optional<std::string> from_hex(std::string_view hex) {
    // Checked before anything is allocated: the text came from a client.
    if (hex.size() % 2 != 0 || hex.size() > 2 * max_root_bytes) return std::nullopt;
    std::string out;
    out.reserve(hex.size() / 2);
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        const int hi = hex_value(hex[i]);
        const int lo = hex_value(hex[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<char>(hi * 16 + lo));
    }
    return out;
}

// Splits off the text up to the next '.'; nullopt when there is none.
std::optional<std::string_view> take_field(std::string_view& text) {
    const auto dot = text.find('.');
    if (dot == std::string_view::npos) return std::nullopt;
    const std::string_view field = text.substr(0, dot);
    text.remove_prefix(dot + 1);
    return field;
}

bool valid_record_text(std::string_view id) {
    return !id.empty() && id.size() <= max_record_bytes &&
           std::all_of(id.begin(), id.end(), [](char c) { return c > ' ' && c < 0x7F; });
}

constexpr std::size_t mac_bytes = 16;

std::string cursor_mac(std::string_view text, std::string_view key, std::string_view device_id) {
    // The device id first, with its length, so that no (device, text) pair can be read as
    // another one.
    std::string message = std::to_string(device_id.size()) + ":";
    message.append(device_id);
    message.append(text);
    return to_hex(access::keyed_digest(key, message, mac_bytes));
}

}  // namespace

std::string seal_cursor(std::string_view text, std::string_view key, std::string_view device_id) {
    return std::string(text) + "." + cursor_mac(text, key, device_id);
}

std::optional<std::string> open_cursor(std::string_view sealed, std::string_view key,
                                       std::string_view device_id) {
    if (sealed.starts_with(legacy_prefix)) return std::string(sealed);
    constexpr std::size_t tail = 1 + 2 * mac_bytes;
    if (sealed.size() <= tail || sealed[sealed.size() - tail] != '.') return std::nullopt;
    const std::string_view text = sealed.substr(0, sealed.size() - tail);
    const std::string_view mac = sealed.substr(sealed.size() - tail + 1);
    const std::string expected = cursor_mac(text, key, device_id);
    // Constant time: the comparison must not tell a forger how many digits were right.
    if (sodium_memcmp(expected.data(), mac.data(), expected.size()) != 0) return std::nullopt;
    return std::string(text);
}

std::string format_cursor(const pull_cursor& c) {
    switch (c.kind) {
        case pull_cursor::layout::legacy:
            return std::string(legacy_prefix) + std::to_string(c.after);
        case pull_cursor::layout::normal:
            return std::string(normal_prefix) + std::to_string(c.after) + "." +
                   std::to_string(c.tree_version) + "." + to_hex(c.root);
        case pull_cursor::layout::evicting:
            return std::string(evicting_prefix) + std::to_string(c.after) + "." +
                   std::to_string(c.tree_version) + "." + to_hex(c.root) + "." +
                   (c.last_evicted.empty() ? std::string(no_record) : c.last_evicted);
    }
    return {};
}

std::optional<pull_cursor> parse_cursor(std::string_view text) {
    pull_cursor c;
    if (text.starts_with(legacy_prefix)) {
        // As issue 2 parsed it: digits only (leading zeros were accepted then).
        text.remove_prefix(legacy_prefix.size());
        const auto after = parse_number(text, false);
        if (!after) return std::nullopt;
        c.kind = pull_cursor::layout::legacy;
        c.after = *after;
        return c;
    }

    if (text.starts_with(evicting_prefix)) {
        c.kind = pull_cursor::layout::evicting;
        text.remove_prefix(evicting_prefix.size());
    } else if (text.starts_with(normal_prefix)) {
        c.kind = pull_cursor::layout::normal;
        text.remove_prefix(normal_prefix.size());
    } else {
        return std::nullopt;
    }

    const auto after_text = take_field(text);
    const auto tree_text = take_field(text);
    if (!after_text || !tree_text) return std::nullopt;
    const auto after = parse_number(*after_text, true);
    const auto tree = parse_number(*tree_text, true);
    if (!after || !tree) return std::nullopt;
    c.after = *after;
    c.tree_version = *tree;

    std::string_view root_hex = text;
    if (c.kind == pull_cursor::layout::evicting) {
        const auto field = take_field(text);
        if (!field) return std::nullopt;
        root_hex = *field;
        // The record id is the rest: the last field, so a '.' in it would not confuse us.
        if (!valid_record_text(text)) return std::nullopt;
        if (text != no_record) c.last_evicted = std::string(text);
    }
    auto root = from_hex(root_hex);
    if (!root) return std::nullopt;
    c.root = std::move(*root);
    return c;
}

}  // namespace sotay::server
