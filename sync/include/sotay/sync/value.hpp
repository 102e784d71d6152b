// A field value as it appears in `set` and in a record's `fields`.
//
// JSON null clears a field; dates travel as "YYYY-MM-DD" strings and money as an integer
// number of đồng, so no type beyond these five is needed on the wire.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>

namespace sotay::sync {

// Index order is part of the binary wire format (it is the tag byte): never reorder.
using value = std::variant<std::monostate,  // 0: null
                           bool,            // 1
                           std::int64_t,    // 2
                           double,          // 3
                           std::string>;    // 4

inline bool is_null(const value& v) { return std::holds_alternative<std::monostate>(v); }

// Ordered map: iteration order is the canonical order used for hashing and encoding.
using field_map = std::map<std::string, value, std::less<>>;

}  // namespace sotay::sync
