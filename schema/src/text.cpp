// UTF-8 checks, code point counts, NFC (ICU) and calendar dates.
#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include <sotay/schema/schema.hpp>

namespace sotay::schema {

bool is_valid_utf8(std::string_view s) {
    // Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
    std::size_t i = 0;
    const std::size_t n = s.size();
    while (i < n) {
        const auto b = static_cast<unsigned char>(s[i]);
        if (b < 0x80) {
            ++i;
            continue;
        }
        std::size_t len = 0;
        unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
        if (b >= 0xC2 && b <= 0xDF) {
            len = 2;
        } else if (b >= 0xE0 && b <= 0xEF) {
            len = 3;
            if (b == 0xE0) lo = 0xA0;  // overlong below U+0800
            if (b == 0xED) hi = 0x9F;  // surrogates U+D800..DFFF
        } else if (b >= 0xF0 && b <= 0xF4) {
            len = 4;
            if (b == 0xF0) lo = 0x90;  // overlong below U+10000
            if (b == 0xF4) hi = 0x8F;  // above U+10FFFF
        } else {
            return false;
        }
        if (n - i < len) return false;
        const auto b1 = static_cast<unsigned char>(s[i + 1]);
        if (b1 < lo || b1 > hi) return false;
        for (std::size_t k = 2; k < len; ++k) {
            const auto bk = static_cast<unsigned char>(s[i + k]);
            if (bk < 0x80 || bk > 0xBF) return false;
        }
        i += len;
    }
    return true;
}

std::size_t code_points(std::string_view s) {
    std::size_t count = 0;
    for (const char c : s) {
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;  // not a continuation
    }
    return count;
}

std::string to_nfc(std::string_view s) {
    // ASCII is NFC already: most codes and numbers skip ICU entirely.
    bool ascii = true;
    for (const char c : s) {
        if (static_cast<unsigned char>(c) >= 0x80) {
            ascii = false;
            break;
        }
    }
    if (ascii) return std::string(s);
    UErrorCode err = U_ZERO_ERROR;
    const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(err);
    if (U_FAILURE(err) || nfc == nullptr) return std::string(s);
    const auto text = icu::UnicodeString::fromUTF8(
        icu::StringPiece(s.data(), static_cast<std::int32_t>(s.size())));
    if (nfc->isNormalized(text, err) && U_SUCCESS(err)) return std::string(s);
    err = U_ZERO_ERROR;
    const icu::UnicodeString normal = nfc->normalize(text, err);
    if (U_FAILURE(err)) return std::string(s);
    std::string out;
    normal.toUTF8String(out);
    return out;
}

void normalize(sync::field_map& fields) {
    for (auto& [name, v] : fields) {
        if (auto* s = std::get_if<std::string>(&v); s != nullptr && is_valid_utf8(*s)) {
            *s = to_nfc(*s);
        }
    }
}

bool is_date(std::string_view s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
    int parts[3] = {0, 0, 0};
    const std::size_t starts[3] = {0, 5, 8}, lens[3] = {4, 2, 2};
    for (int p = 0; p < 3; ++p) {
        for (std::size_t k = 0; k < lens[p]; ++k) {
            const char c = s[starts[p] + k];
            if (c < '0' || c > '9') return false;
            parts[p] = parts[p] * 10 + (c - '0');
        }
    }
    const int y = parts[0], m = parts[1], d = parts[2];
    if (y < 1 || m < 1 || m > 12 || d < 1) return false;
    static constexpr int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days[m - 1] + ((m == 2 && leap) ? 1 : 0);
}

}  // namespace sotay::schema
