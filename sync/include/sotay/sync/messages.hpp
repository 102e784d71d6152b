// The messages of protocol version 1 (../shared/spec/sync-protocol.md), as C++ values.
//
// These structs are what the codecs (codec.hpp) decode untrusted bytes into and encode
// from. They hold text exactly as received: semantic checks (UUID syntax, HLC syntax,
// schema) happen in the server after decoding, so that a change with a bad field can be
// kept in quarantine with its original text instead of being lost as a "bad message".
#pragma once

#include <sotay/sync/error.hpp>
#include <sotay/sync/value.hpp>

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

namespace sotay::sync {

inline constexpr int protocol_version = 1;

// Client -> server, first message of a connection.
struct hello_msg {
    int protocol = protocol_version;
    std::string device_id;
    std::string token;
    std::int64_t client_time = 0;  // device wall clock, ms since epoch

    bool operator==(const hello_msg&) const = default;
};

struct limits_info {
    std::uint64_t max_message_bytes = 0;
    std::uint64_t max_changes_per_push = 0;

    bool operator==(const limits_info&) const = default;
};

// Server -> client, answer to hello.
struct welcome_msg {
    int protocol = protocol_version;
    std::int64_t server_time = 0;
    std::uint64_t last_seq = 0;  // highest seq of this device held durably
    int schema_version = 0;
    limits_info limits;

    bool operator==(const welcome_msg&) const = default;
};

// One change inside a push. Exactly one of `set` (possibly empty) or `del` applies:
// when del is true, set must be empty.
struct change_msg {
    std::uint64_t seq = 0;
    std::string record;    // lowercase UUID
    std::string type;      // record type id
    std::string org_unit;  // org unit code
    std::string hlc;       // "<wall_ms>:<counter>"
    std::uint64_t base = 0;
    field_map set;
    bool del = false;  // "delete": true on the wire

    bool operator==(const change_msg&) const = default;
};

struct push_msg {
    std::int64_t id = 0;
    std::vector<change_msg> changes;

    bool operator==(const push_msg&) const = default;
};

enum class change_status : int { applied = 0, duplicate = 1, rejected = 2 };  // wire tags

struct conflict_info {
    std::string id;       // conflict id (server-assigned, opaque string)
    std::string field;    // field name; "_deleted" for delete-versus-edit
    std::string outcome;  // "won" or "lost": whether this change's value was kept
    value kept;           // the value the record holds now
    value yours;          // the value this change carried

    bool operator==(const conflict_info&) const = default;
};

struct change_result {
    std::uint64_t seq = 0;
    change_status status = change_status::applied;
    std::vector<conflict_info> conflicts;
    std::optional<error_info> error;  // set iff status == rejected

    bool operator==(const change_result&) const = default;
};

struct push_result_msg {
    std::int64_t id = 0;
    std::uint64_t last_seq = 0;
    std::vector<change_result> results;

    bool operator==(const push_result_msg&) const = default;
};

struct pull_msg {
    std::int64_t id = 0;
    std::optional<std::string> cursor;  // null = from the beginning
    std::uint32_t limit = 500;
    bool live = false;

    bool operator==(const pull_msg&) const = default;
};

// A record's current state, as sent in `changes`.
struct record_msg {
    std::string record;
    std::string type;
    std::string org_unit;
    std::uint64_t version = 0;
    bool deleted = false;
    field_map fields;

    bool operator==(const record_msg&) const = default;
};

struct changes_msg {
    std::int64_t id = 0;
    std::string cursor;
    bool more = false;
    std::vector<record_msg> records;
    std::vector<std::string> evict;

    bool operator==(const changes_msg&) const = default;
};

struct error_msg {
    std::optional<std::int64_t> id;
    error_info error;

    bool operator==(const error_msg&) const = default;
};

// Client -> server, after welcome: asks for the record schema (when the welcome's
// schema_version differs from the one the device has cached).
struct get_schema_msg {
    std::int64_t id = 0;

    bool operator==(const get_schema_msg&) const = default;
};

// Server -> client, answer to get_schema.
struct schema_msg {
    std::int64_t id = 0;
    int version = 0;
    // The schema document (docs/schema.md) as compact JSON text, exactly as Boost.JSON's
    // serialize() writes it: the JSON subprotocol carries it as an object and re-serialises
    // it on decode, so only that form round-trips byte for byte.
    std::string schema;

    bool operator==(const schema_msg&) const = default;
};

// Index order is the binary message tag: never reorder, append only.
using message = std::variant<hello_msg,        // 0
                             welcome_msg,      // 1
                             push_msg,         // 2
                             push_result_msg,  // 3
                             pull_msg,         // 4
                             changes_msg,      // 5
                             error_msg,        // 6
                             get_schema_msg,   // 7
                             schema_msg>;      // 8

std::string_view status_name(change_status s);  // "applied", "duplicate", "rejected"
inline std::ostream& operator<<(std::ostream& os, change_status s) { return os << status_name(s); }

}  // namespace sotay::sync
