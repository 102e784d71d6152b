// The pull cursor: the one format the server hands out in `changes` and reads back in
// `pull`. Opaque to clients (docs/protocol.md section 6); pure, no I/O.
//
// Three layouts, told apart by their prefix:
//
//   c2.<after>.<tree>.<root>           normal: the device holds every record of the scope
//                                      rooted at org unit <root> under org tree version
//                                      <tree>, as of server_seq <after>
//   c2x.<after>.<tree>.<root>.<last>   evict phase: the device is dropping the records of
//                                      that (old) scope which its new scope lacks; <last>
//                                      is the last record id evicted so far, "-" for none
//   c1.<after>                         issued before scopes existed (issue 2 to 4): read
//                                      as a normal cursor in the session's current scope
//
// <after> and <tree> are unsigned decimal without sign or leading zeros, at most 2^64-1;
// <root> is the org unit code in lowercase hex, because codes may contain '.'; <last> is
// the rest of the text: 1 to 128 printable ASCII bytes (record ids are UUIDs). Anything
// else is not a cursor this server issued. The c2 layouts are canonical:
// format_cursor(*parse_cursor(t)) == t.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sotay::server {

struct pull_cursor {
    enum class layout { legacy, normal, evicting };

    layout kind = layout::normal;
    std::uint64_t after = 0;         // server_seq the device holds everything up to
    std::uint64_t tree_version = 0;  // normal, evicting: the org tree the scope was read in
    std::string root;                // normal, evicting: the scope's root org unit
    std::string last_evicted;        // evicting: record id to resume after; empty = none

    bool operator==(const pull_cursor&) const = default;
};

// Cursors travel sealed: the text above, then "." and 32 hex digits of a BLAKE2b MAC,
// keyed with the server's cursor key (store::server_secret), over the device id and the
// text. So a device can present only a cursor the server issued to it: a forged cursor,
// or one borrowed from a device with a wider scope, would otherwise make the server list
// the record ids of another scope as evictions.
std::string seal_cursor(std::string_view text, std::string_view key, std::string_view device_id);
// The text inside a sealed cursor when its MAC is right for this key and device; legacy
// "c1." cursors, which name no scope, pass unsealed. nullopt for anything else.
std::optional<std::string> open_cursor(std::string_view sealed, std::string_view key,
                                       std::string_view device_id);

// The text of a cursor (a legacy one only for tests: the server no longer issues them).
std::string format_cursor(const pull_cursor& c);
// Parses any of the three layouts; nullopt for anything else.
std::optional<pull_cursor> parse_cursor(std::string_view text);

}  // namespace sotay::server
