// Numbers as officers write them, and plainly for scripts (docs/reports.md, "Formatting").
//
//   vietnamese: 4.662 (dot groups thousands), 94,3% (decimal comma), money in triệu / tỷ
//               đồng: 719,69 triệu đồng, 6 tỷ đồng, or exactly 6.000.000.000 đồng.
//   plain:      4662, 94.3, 6000000000: no grouping, a decimal point, no unit.
//
// Rounding: half away from zero. Percents to one decimal; Vietnamese drops a ",0"
// (88%, as the provincial reviews print it), plain always keeps it (88.0). Money in triệu
// or tỷ to two decimals, trailing zeros dropped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace sotay::reports {

enum class style { vietnamese, plain };

// 4662 -> "4.662" / "4662"; negatives keep their sign ("-1.000").
std::string format_count(std::int64_t n, style s);

// numerator / denominator as a percent, one decimal, half away from zero:
// (149, 158) -> "94,3%" / "94.3". nullopt when denominator is 0.
std::optional<std::string> format_percent(std::int64_t numerator, std::int64_t denominator,
                                          style s);

// An amount of đồng. vietnamese, not exact: under 1 triệu the exact figure ("950.000
// đồng"); under 1 tỷ in triệu ("719,69 triệu đồng"); else in tỷ ("6 tỷ đồng", "1.250,5
// tỷ đồng"). exact: "6.000.000.000 đồng". plain: the integer, always exact.
std::string format_money(std::int64_t dong, style s, bool exact = false);

}  // namespace sotay::reports
