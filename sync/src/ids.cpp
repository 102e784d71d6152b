#include <sotay/sync/ids.hpp>

namespace sotay::sync {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;  // uppercase refused on purpose: one spelling per id
}

// Dashes of the canonical 8-4-4-4-12 form.
constexpr bool is_dash_position(std::size_t i) { return i == 8 || i == 13 || i == 18 || i == 23; }

}  // namespace

std::optional<uuid_bytes> parse_uuid(std::string_view text) {
    if (text.size() != 36) return std::nullopt;
    uuid_bytes out{};
    std::size_t byte = 0;
    for (std::size_t i = 0; i < text.size();) {
        if (is_dash_position(i)) {
            if (text[i] != '-') return std::nullopt;
            ++i;
            continue;
        }
        const int hi = hex_value(text[i]);
        const int lo = hex_value(text[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out[byte++] = static_cast<std::uint8_t>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

std::string format_uuid(const uuid_bytes& id) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    s.reserve(36);
    for (std::size_t i = 0; i < id.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
        s.push_back(digits[id[i] >> 4]);
        s.push_back(digits[id[i] & 0xF]);
    }
    return s;
}

}  // namespace sotay::sync

namespace sotay::sync {

uuid_bytes make_uuid_v7(std::uint64_t unix_ms, const std::array<std::uint8_t, 10>& random) {
    uuid_bytes u{};
    for (int i = 0; i < 6; ++i) u[i] = static_cast<std::uint8_t>(unix_ms >> (8 * (5 - i)));
    u[6] = static_cast<std::uint8_t>(0x70 | (random[0] & 0x0F));  // version 7
    u[7] = random[1];
    u[8] = static_cast<std::uint8_t>(0x80 | (random[2] & 0x3F));  // RFC 4122 variant
    for (int i = 9; i < 16; ++i) u[i] = random[i - 6];
    return u;
}

}  // namespace sotay::sync
