// Vietnamese and plain number formatting (rules in format.hpp and docs/reports.md).
// Integer arithmetic throughout: a figure printed in a provincial review must not depend
// on binary floating point (0,5 rounding of 94,25% would be at its mercy).
#include <sotay/reports/format.hpp>

namespace sotay::reports {

namespace {

__extension__ typedef __int128 wide;

// a / b rounded half away from zero; b > 0.
wide div_round(wide a, wide b) {
    const wide q = ((a < 0 ? -a : a) * 2 + b) / (2 * b);
    return a < 0 ? -q : q;
}

// Digits of a non-negative number, grouped by `sep` every three from the right.
std::string grouped(wide n, const char* sep) {
    std::string digits;
    do {
        digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(n % 10)));
        n /= 10;
    } while (n > 0);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += sep;
        out += digits[i];
    }
    return out;
}

// `scaled` hundredths (or tenths, `places` = 1) as text: Vietnamese groups with '.' and
// uses a decimal comma; `trim` drops trailing zeros of the decimals (and the comma).
std::string decimal(wide scaled, int places, style s, bool trim) {
    const bool neg = scaled < 0;
    if (neg) scaled = -scaled;
    const wide unit = places == 1 ? 10 : 100;
    std::string out = neg ? "-" : "";
    out += s == style::vietnamese ? grouped(scaled / unit, ".") : grouped(scaled / unit, "");
    std::string frac = std::to_string(static_cast<int>(scaled % unit));
    frac.insert(0, static_cast<std::size_t>(places) - frac.size(), '0');
    if (trim)
        while (!frac.empty() && frac.back() == '0') frac.pop_back();
    if (!frac.empty()) out += (s == style::vietnamese ? "," : ".") + frac;
    return out;
}

std::string integer(wide n, style s) {
    const bool neg = n < 0;
    return (neg ? "-" : "") + grouped(neg ? -n : n, s == style::vietnamese ? "." : "");
}

}  // namespace

std::string format_count(std::int64_t n, style s) {
    return integer(n, s);
}

std::optional<std::string> format_percent(std::int64_t numerator, std::int64_t denominator,
                                          style s) {
    if (denominator == 0) return std::nullopt;
    wide num = numerator, den = denominator;
    if (den < 0) num = -num, den = -den;
    const wide tenths = div_round(num * 1000, den);  // percent to one decimal
    if (s == style::plain) return decimal(tenths, 1, s, false);
    return decimal(tenths, 1, s, true) + "%";
}

std::string format_money(std::int64_t dong, style s, bool exact) {
    if (s == style::plain) return integer(dong, s);
    const wide d = dong;
    const wide abs = d < 0 ? -d : d;
    if (exact || abs < 1'000'000) return integer(d, s) + " đồng";
    // Hundredths of a triệu; once that rounds to 1.000 triệu the amount is shown in tỷ.
    const wide trieu = div_round(d, 10'000);
    if ((trieu < 0 ? -trieu : trieu) < 100'000) return decimal(trieu, 2, s, true) + " triệu đồng";
    return decimal(div_round(d, 10'000'000), 2, s, true) + " tỷ đồng";
}

}  // namespace sotay::reports
