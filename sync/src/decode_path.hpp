// Where a decoder is in a message, for error sentences such as
// "push.changes[3].seq must be a non-negative integer". Shared by both codecs so that
// the same mistake gets the same sentence in either subprotocol. Paths live on the stack
// as a decoder descends and become text only when something fails.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sotay::sync::detail {

struct path {
    const path* parent = nullptr;
    std::string_view key;  // member name; empty for an array element
    std::size_t index = 0;

    path member(std::string_view k) const { return {this, k, 0}; }
    path element(std::size_t i) const { return {this, {}, i}; }
};

inline void append_path(std::string& out, const path& p) {
    if (p.parent != nullptr) append_path(out, *p.parent);
    if (p.key.empty()) {
        out += '[';
        out += std::to_string(p.index);
        out += ']';
        return;
    }
    if (p.parent != nullptr) out += '.';
    out += p.key;
}

}  // namespace sotay::sync::detail
