// Where a decoder is in a message, for error sentences such as
// "push.changes[3].seq must be a non-negative integer". Shared by both codecs so that
// the same mistake gets the same sentence in either subprotocol. Paths live on the stack
// as a decoder descends and become text only when something fails. Below them, the
// review message checks both decoders make.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
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

// Checks both codecs share, so a message refused by one is refused by the other with the
// same sentence (codec_binary.cpp rule B3).

// get_review.limit: a page of review items is at most this many (docs/protocol.md 4.9).
inline constexpr std::uint64_t min_review_limit = 1;
inline constexpr std::uint64_t max_review_limit = 1000;
inline constexpr std::string_view review_limit_sentence = "must be between 1 and 1000";

// An item has two sides today; eight leaves room without letting a frame claim millions.
inline constexpr std::size_t max_review_sides = 8;

inline constexpr std::array<std::string_view, 3> review_kinds = {"field", "delete_edit",
                                                                 "duplicate"};
inline constexpr std::string_view review_kind_sentence =
    "must be \"field\", \"delete_edit\" or \"duplicate\"";
inline constexpr std::array<std::string_view, 3> review_states = {"open", "resolved",
                                                                  "dismissed"};
inline constexpr std::string_view review_state_sentence =
    "must be \"open\", \"resolved\" or \"dismissed\"";

template <std::size_t N>
bool one_of(std::string_view s, const std::array<std::string_view, N>& names) {
    for (const std::string_view n : names) {
        if (s == n) return true;
    }
    return false;
}

}  // namespace sotay::sync::detail
