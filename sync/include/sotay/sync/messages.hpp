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

// Review items (issue 6; docs/review.md) ------------------------------------------------

// Client -> server: the review items in the device user's scope that were opened or
// changed state after review cursor position `after` (0 = from the beginning), oldest
// change first. With live, once caught up the server keeps sending `review` messages
// (same id) as items open, are decided or dismissed, until the connection closes.
struct get_review_msg {
    std::int64_t id = 0;
    std::uint64_t after = 0;
    std::uint32_t limit = 100;  // 1..1000
    bool live = false;

    bool operator==(const get_review_msg&) const = default;
};

// One side of a review item: the change that wrote a value (field, delete_edit) or the
// change that created a record (duplicate).
struct review_side_msg {
    std::string record;      // the record this side wrote
    value val;               // field: the value written; delete_edit: `_deleted` as that
                             // side left it (true = deleted); duplicate: null
    std::string device_id;   // who, from which device
    std::string username;
    std::uint64_t seq = 0;   // the change: (device_id, seq)
    std::string device_hlc;  // the device's own clock when it made the change
    std::int64_t received_ms = 0;  // when the server received it

    bool operator==(const review_side_msg&) const = default;
};

struct review_item_msg {
    std::int64_t item = 0;   // the item's id
    std::string kind;        // "field", "delete_edit" or "duplicate"
    std::string state;       // "open", "resolved" or "dismissed"
    std::string type;        // record type
    std::string record;      // the record (duplicate: the one whose create or key change
                             // found the other)
    std::string org_unit;    // its org unit when the item opened
    std::string field;       // field: the field (or "org_unit"); delete_edit: "_deleted";
                             // duplicate: ""
    std::string other_record;    // duplicate: the record with the same natural key
    std::string other_org_unit;  // duplicate: its org unit
    std::string natural_key;     // duplicate: the normalised key both share
    std::vector<review_side_msg> sides;  // two
    std::uint64_t version = 0;     // the record's version when the item opened
    std::int64_t created_ms = 0;
    bool superseded = false;       // open, and a newer edit overtook what it would settle
    std::uint64_t seq = 0;         // review cursor position of its last change of state
    // Once decided:
    std::string decided_by;    // username
    std::int64_t decided_ms = 0;
    std::string decision;      // resolved: "side", "value", "restore", "delete", "merge"
                               // or "settled" (another item's decision settled it);
                               // dismissed: "dismiss"
    value chosen;              // field: the value the record keeps; else null
    std::string survivor;      // merge: the record that survives
    std::string reason;        // dismissed: why (as typed by the reviewer)
    std::int64_t settled_by = 0;  // decision "settled": the item whose decision did it

    bool operator==(const review_item_msg&) const = default;
};

// Server -> client, answer to get_review (and, when live, later news).
struct review_msg {
    std::int64_t id = 0;
    std::uint64_t next = 0;  // the cursor position to send as `after` next time
    bool more = false;       // more items are waiting: ask again from `next`
    std::vector<review_item_msg> items;

    bool operator==(const review_msg&) const = default;
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
                             schema_msg,       // 8
                             get_review_msg,   // 9
                             review_msg>;      // 10

std::string_view status_name(change_status s);  // "applied", "duplicate", "rejected"
inline std::ostream& operator<<(std::ostream& os, change_status s) { return os << status_name(s); }

}  // namespace sotay::sync
