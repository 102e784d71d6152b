// What the review files share (sqlite_review*.cpp, sqlite_keys.cpp): the stored form of
// an item's sides and values, key hashes, and reading an item row back as the wire's
// message.
#pragma once

#include "sqlite_store_impl.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sotay::store::detail {

// review_items.sides: a JSON array of two objects {record, value, device, seq,
// device_hlc, received_ms}; chosen: one JSON value.
std::string sides_json(const side_row (&sides)[2]);
// Throw std::runtime_error on text that is not what sides_json/value_json wrote (a
// corrupt row).
std::vector<side_row> parse_sides(std::string_view text);
std::string value_json(const sync::value& v);
sync::value parse_value(std::string_view text);

// records.key_hash of a natural key (sqlite_keys.cpp).
std::int64_t key_hash(std::string_view key);

// The columns read_item() expects, in its order; `i` is review_items, `u` the decider.
inline constexpr const char* item_columns =
    "SELECT i.id, i.kind, i.state, i.type, i.record, i.org_unit, i.field, i.other_record, "
    "i.other_org_unit, i.natural_key, i.version, i.sides, i.created_ms, i.seq, "
    "coalesce(u.username, ''), i.decided_ms, i.decision, i.chosen, i.survivor, i.reason, "
    "i.settled_by, i.incoming_won FROM review_items i LEFT JOIN users u ON u.id = i.decided_by";
inline constexpr int item_incoming_won_column = 21;

// The row as a message; sides without usernames, superseded false (see below).
sync::review_item_msg read_item(SQLite::Statement& q);

// The username of each side's device, looked up once per device per read.
class username_cache {
  public:
    explicit username_cache(SQLite::Database& db);
    void fill(sync::review_item_msg& item);

  private:
    SQLite::Statement q_;
    std::map<std::string, std::string, std::less<>> known_;
};

// R3: the item's record, and a duplicate's other record, in scope (as they were when
// the item opened).
bool item_visible(const scope_filter& scope, const sync::review_item_msg& item);

// R5: why an open item is superseded (a sentence), or nullopt. Reads the records and
// keys as `db`'s transaction sees them.
std::optional<std::string> superseded_reason(SQLite::Database& db,
                                             const sync::review_item_msg& item);

}  // namespace sotay::store::detail
