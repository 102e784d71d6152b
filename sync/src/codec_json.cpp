// The JSON subprotocol, sotay.v1.json: one JSON object per WebSocket text frame.
//
// Every message is an object whose string member "type" names it: hello, welcome, push,
// push_result, pull, changes, error, get_schema, schema, get_review, review. The members
// of each are listed in docs/protocol.md and mirror messages.hpp one to one, with these
// wire spellings:
//   change_msg.del           -> "delete" (omitted when false; "set" omitted when true)
//   change_result.conflicts  -> omitted when empty;  .error -> present iff rejected
//   error_msg                -> flat: "id"?, "code", "message", "field"?
//   schema_msg.schema        -> a JSON object (the text is parsed on encode and
//                               serialised compactly on decode)
//   value                    -> null | true/false | integer (int64) | number | string
//   review_side_msg.val      -> "value"
//   review_item_msg          -> review_item_to_json (json_values.hpp): empty strings,
//                               zero decided_ms / settled_by and a null chosen omitted
//
// Decoding rules (codec.hpp states the contract):
//   J1. Input that is not one valid JSON text, or not valid UTF-8, is bad_message
//       (Boost.JSON validates UTF-8 and surrogate escapes while parsing).
//   J2. A known member of the wrong type is bad_message, with a sentence naming it by its
//       path: "push.changes[3].seq must be a non-negative integer".
//   J3. Unknown members are ignored; an unknown "type" is bad_message.
//   J4. Array and object sizes are checked against decode_limits before the C++ vectors
//       are built; exceeding one is too_large.
//   J5. An error code string this build does not know decodes as errc::internal, so an
//       older client still understands that a newer server failed.
//   J6. decode_error.id carries the root's integer "id" whenever there is one, so the
//       server can answer the request that failed.
//   J7. Numbers with a fraction or exponent are converted from their text with
//       std::from_chars, correctly rounded. Boost 1.81's own conversion is one ulp off
//       for about 30% of doubles that need 17 digits (a computed 2/3, say; short
//       decimals such as 94.3 come out right), which would break decode(encode(m)) == m
//       and let the same value differ between a JSON and a binary client.
#include "decode_path.hpp"

#include <sotay/sync/codec.hpp>
#include <sotay/sync/json_values.hpp>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_stack.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace sotay::sync {
namespace {

namespace json = boost::json;

// Bounds of pull.limit: the server caps a page lower (docs/protocol.md); this only
// refuses numbers that cannot be meant.
constexpr std::uint64_t min_pull_limit = 1;
constexpr std::uint64_t max_pull_limit = 100000;

// The DOM builder behind json::parser (boost/json/detail/handler.hpp), except for
// doubles (rule J7). basic_parser calls these in document order.
class dom_handler {
public:
    static constexpr std::size_t max_object_size = json::object::max_size();
    static constexpr std::size_t max_array_size = json::array::max_size();
    static constexpr std::size_t max_key_size = json::string::max_size();
    static constexpr std::size_t max_string_size = json::string::max_size();

    dom_handler(unsigned char* temp, std::size_t size) : stack_(json::storage_ptr(), temp, size) {}

    json::value_stack& stack() { return stack_; }

    bool on_document_begin(json::error_code&) { return true; }
    bool on_document_end(json::error_code&) { return true; }
    bool on_object_begin(json::error_code&) { return true; }
    bool on_object_end(std::size_t n, json::error_code&) {
        stack_.push_object(n);
        return true;
    }
    bool on_array_begin(json::error_code&) { return true; }
    bool on_array_end(std::size_t n, json::error_code&) {
        stack_.push_array(n);
        return true;
    }
    bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
        stack_.push_chars(s);
        return true;
    }
    bool on_key(json::string_view s, std::size_t, json::error_code&) {
        stack_.push_key(s);
        return true;
    }
    bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
        stack_.push_chars(s);
        return true;
    }
    bool on_string(json::string_view s, std::size_t, json::error_code&) {
        stack_.push_string(s);
        return true;
    }
    // A number split across input buffers; ours is one buffer, but stay correct anyway.
    bool on_number_part(json::string_view s, json::error_code&) {
        number_.append(s.data(), s.size());
        return true;
    }
    bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
        number_.clear();
        stack_.push_int64(i);
        return true;
    }
    bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
        number_.clear();
        stack_.push_uint64(u);
        return true;
    }
    bool on_double(double d, json::string_view s, json::error_code&) {
        std::string_view text(s.data(), s.size());
        if (!number_.empty()) {
            number_.append(s.data(), s.size());
            text = number_;
        }
        // JSON's number grammar is a subset of from_chars' general format. Out of range
        // leaves d as Boost computed it (infinity or zero); infinity is refused later.
        double exact = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), exact);
        if (ec == std::errc() && end == text.data() + text.size()) {
            d = exact;
        }
        number_.clear();
        stack_.push_double(d);
        return true;
    }
    bool on_bool(bool b, json::error_code&) {
        stack_.push_bool(b);
        return true;
    }
    bool on_null(json::error_code&) {
        stack_.push_null();
        return true;
    }
    bool on_comment_part(json::string_view, json::error_code&) { return true; }
    bool on_comment(json::string_view, json::error_code&) { return true; }

private:
    json::value_stack stack_;
    std::string number_;
};

using detail::append_path;
using detail::path;
using detail::max_review_limit;
using detail::max_review_sides;
using detail::min_review_limit;

// Walks a parsed document into the message structs. Every read returns false after
// recording the first failure in error(); callers return at once.
class json_reader {
public:
    explicit json_reader(const decode_limits& limits) : limits_(limits) {}

    decode_error& error() { return error_; }

    bool fail(const path& p, std::string_view what, errc code = errc::bad_message) {
        error_.code = code;
        error_.message.clear();
        append_path(error_.message, p);
        error_.message += ' ';
        error_.message += what;
        return false;
    }

    // A member that must be present.
    template <typename T>
    bool required(const json::object& o, const path& p, std::string_view key, T& out) {
        const path at = p.member(key);
        const auto it = o.find(key);
        if (it == o.end()) {
            return fail(at, "is missing");
        }
        return read(it->value(), at, out);
    }

    // A member that may be absent; `out` keeps its default then.
    template <typename T>
    bool optional(const json::object& o, const path& p, std::string_view key, T& out) {
        const auto it = o.find(key);
        return it == o.end() || read(it->value(), p.member(key), out);
    }

    const json::object* object(const json::value& v, const path& p) {
        if (!v.is_object()) {
            fail(p, "must be an object");
            return nullptr;
        }
        return &v.get_object();
    }

    // An array member whose size is checked against `limit` before `out` is reserved;
    // `each(element, path, slot)` decodes one element into a fresh slot of `out`.
    template <typename T, typename Each>
    bool array(const json::object& o, const path& p, std::string_view key, bool is_required,
               std::size_t limit, std::vector<T>& out, Each&& each) {
        const path at = p.member(key);
        const auto it = o.find(key);
        if (it == o.end()) {
            return is_required ? fail(at, "is missing") : true;
        }
        if (!it->value().is_array()) {
            return fail(at, "must be an array");
        }
        const json::array& a = it->value().get_array();
        if (a.size() > limit) {
            return fail(at, "has " + std::to_string(a.size()) + " elements, more than the " +
                                std::to_string(limit) + " allowed",
                        errc::too_large);
        }
        out.clear();
        out.reserve(a.size());
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (!each(a[i], at.element(i), out.emplace_back())) {
                return false;
            }
        }
        return true;
    }

    bool read(const json::value& v, const path& p, std::string& out) {
        if (!v.is_string()) {
            return fail(p, "must be a string");
        }
        return text(v.get_string(), p, out);
    }

    // An optional member: null is absent, anything else must read as T.
    template <typename T>
    bool read(const json::value& v, const path& p, std::optional<T>& out) {
        if (v.is_null()) {
            out.reset();
            return true;
        }
        return read(v, p, out.emplace());
    }

    // Ids and times: any signed 64-bit integer. Boost.JSON yields int64 for every integer
    // that fits, so a uint64 kind is always out of range here.
    bool read(const json::value& v, const path& p, std::int64_t& out) {
        if (!v.is_int64()) {
            return fail(p, "must be a signed 64-bit integer");
        }
        out = v.get_int64();
        return true;
    }


    // Counters (seq, base, last_seq, version, limits): non-negative integers.
    bool read(const json::value& v, const path& p, std::uint64_t& out) {
        if (v.is_int64() && v.get_int64() >= 0) {
            out = static_cast<std::uint64_t>(v.get_int64());
            return true;
        }
        if (v.is_uint64()) {
            out = v.get_uint64();
            return true;
        }
        return fail(p, "must be a non-negative integer");
    }

    // protocol, schema_version: 32-bit signed integers.
    bool read(const json::value& v, const path& p, int& out) {
        if (!v.is_int64() || v.get_int64() < std::numeric_limits<int>::min() ||
            v.get_int64() > std::numeric_limits<int>::max()) {
            return fail(p, "must be a 32-bit integer");
        }
        out = static_cast<int>(v.get_int64());
        return true;
    }

    bool read(const json::value& v, const path& p, bool& out) {
        if (!v.is_bool()) {
            return fail(p, "must be true or false");
        }
        out = v.get_bool();
        return true;
    }

    bool read(const json::value& v, const path& p, value& out) {
        switch (v.kind()) {
            case json::kind::null:
                out = std::monostate{};
                return true;
            case json::kind::bool_:
                out = v.get_bool();
                return true;
            case json::kind::int64:
                out = v.get_int64();
                return true;
            case json::kind::uint64:
                return fail(p, "is above the largest signed 64-bit integer");
            case json::kind::double_:
                // 1e400 parses as infinity; no encoding of ours can carry it back.
                if (!std::isfinite(v.get_double())) {
                    return fail(p, "must be a finite number");
                }
                out = v.get_double();
                return true;
            case json::kind::string:
                return text(v.get_string(), p, out.emplace<std::string>());
            case json::kind::array:
            case json::kind::object:
                break;
        }
        return fail(p, "must be null, a boolean, a number or a string");
    }

    bool read(const json::value& v, const path& p, field_map& out) {
        const json::object* o = object(v, p);
        if (o == nullptr) {
            return false;
        }
        if (o->size() > limits_.max_fields) {
            return fail(p, "has " + std::to_string(o->size()) + " fields, more than the " +
                               std::to_string(limits_.max_fields) + " allowed",
                        errc::too_large);
        }
        out.clear();
        for (const auto& kv : *o) {
            const path at = p.member(kv.key());
            std::string name;
            value val;
            if (!text(kv.key(), at, name) || !read(kv.value(), at, val)) {
                return false;
            }
            // Boost.JSON keeps only the last of duplicate keys, so names are unique here.
            out.emplace(std::move(name), std::move(val));
        }
        return true;
    }

    bool read(const json::value& v, const path& p, change_status& out) {
        if (!v.is_string()) {
            return fail(p, "must be \"applied\", \"duplicate\" or \"rejected\"");
        }
        const json::string_view s = v.get_string();
        for (const auto st : {change_status::applied, change_status::duplicate,
                              change_status::rejected}) {
            if (s == status_name(st)) {
                out = st;
                return true;
            }
        }
        return fail(p, "must be \"applied\", \"duplicate\" or \"rejected\"");
    }

    // An error's machine code; unknown strings are internal (rule J5).
    bool read(const json::value& v, const path& p, errc& out) {
        if (!v.is_string()) {
            return fail(p, "must be a string");
        }
        out = from_code(v.get_string()).value_or(errc::internal);
        return true;
    }

    const decode_limits& limits() const { return limits_; }

private:
    bool text(json::string_view s, const path& p, std::string& out) {
        if (s.size() > limits_.max_string_bytes) {
            return fail(p, "is longer than " + std::to_string(limits_.max_string_bytes) +
                               " bytes",
                        errc::too_large);
        }
        out.assign(s.data(), s.size());
        return true;
    }

    const decode_limits& limits_;
    decode_error error_;
};

// Members shared by the flat error message and a result's nested error object.
bool read_error_info(json_reader& r, const json::object& o, const path& p, error_info& out) {
    return r.required(o, p, "code", out.code) && r.required(o, p, "message", out.message) &&
           r.optional(o, p, "field", out.field);
}

bool read_hello(json_reader& r, const json::object& o, const path& p, hello_msg& m) {
    return r.required(o, p, "protocol", m.protocol) &&
           r.required(o, p, "device_id", m.device_id) && r.required(o, p, "token", m.token) &&
           r.required(o, p, "client_time", m.client_time);
}

bool read_welcome(json_reader& r, const json::object& o, const path& p, welcome_msg& m) {
    if (!r.required(o, p, "protocol", m.protocol) ||
        !r.required(o, p, "server_time", m.server_time) ||
        !r.required(o, p, "last_seq", m.last_seq) ||
        !r.required(o, p, "schema_version", m.schema_version)) {
        return false;
    }
    const path at = p.member("limits");
    const auto it = o.find("limits");
    if (it == o.end()) {
        return r.fail(at, "is missing");
    }
    const json::object* l = r.object(it->value(), at);
    return l != nullptr && r.required(*l, at, "max_message_bytes", m.limits.max_message_bytes) &&
           r.required(*l, at, "max_changes_per_push", m.limits.max_changes_per_push);
}

bool read_change(json_reader& r, const json::value& v, const path& p, change_msg& c) {
    const json::object* o = r.object(v, p);
    if (o == nullptr || !r.required(*o, p, "seq", c.seq) ||
        !r.required(*o, p, "record", c.record) || !r.required(*o, p, "type", c.type) ||
        !r.required(*o, p, "org_unit", c.org_unit) || !r.required(*o, p, "hlc", c.hlc) ||
        !r.required(*o, p, "base", c.base) || !r.optional(*o, p, "set", c.set) ||
        !r.optional(*o, p, "delete", c.del)) {
        return false;
    }
    if (c.del && !c.set.empty()) {
        return r.fail(p, "has \"delete\":true and a non-empty \"set\"");
    }
    return true;
}

bool read_push(json_reader& r, const json::object& o, const path& p, push_msg& m) {
    return r.required(o, p, "id", m.id) &&
           r.array(o, p, "changes", true, r.limits().max_changes, m.changes,
                   [&](const json::value& v, const path& at, change_msg& c) {
                       return read_change(r, v, at, c);
                   });
}

bool read_conflict(json_reader& r, const json::value& v, const path& p, conflict_info& c) {
    const json::object* o = r.object(v, p);
    return o != nullptr && r.required(*o, p, "id", c.id) &&
           r.required(*o, p, "field", c.field) && r.required(*o, p, "outcome", c.outcome) &&
           r.required(*o, p, "kept", c.kept) && r.required(*o, p, "yours", c.yours);
}

bool read_result(json_reader& r, const json::value& v, const path& p, change_result& c) {
    const json::object* o = r.object(v, p);
    if (o == nullptr || !r.required(*o, p, "seq", c.seq) ||
        !r.required(*o, p, "status", c.status)) {
        return false;
    }
    // One conflict per register at most: the fields plus org_unit and _deleted.
    if (!r.array(*o, p, "conflicts", false, r.limits().max_fields + 2, c.conflicts,
                 [&](const json::value& e, const path& at, conflict_info& k) {
                     return read_conflict(r, e, at, k);
                 })) {
        return false;
    }
    const path at = p.member("error");
    const auto it = o->find("error");
    const bool rejected = c.status == change_status::rejected;
    if (it == o->end()) {
        return rejected ? r.fail(at, "is missing from a rejected result") : true;
    }
    if (!rejected) {
        return r.fail(at, "is only allowed when status is \"rejected\"");
    }
    const json::object* e = r.object(it->value(), at);
    return e != nullptr && read_error_info(r, *e, at, c.error.emplace());
}

bool read_push_result(json_reader& r, const json::object& o, const path& p,
                      push_result_msg& m) {
    return r.required(o, p, "id", m.id) && r.required(o, p, "last_seq", m.last_seq) &&
           r.array(o, p, "results", true, r.limits().max_changes, m.results,
                   [&](const json::value& v, const path& at, change_result& c) {
                       return read_result(r, v, at, c);
                   });
}

bool read_pull(json_reader& r, const json::object& o, const path& p, pull_msg& m) {
    std::uint64_t limit = m.limit;
    if (!r.required(o, p, "id", m.id) || !r.optional(o, p, "cursor", m.cursor) ||
        !r.optional(o, p, "limit", limit) || !r.optional(o, p, "live", m.live)) {
        return false;
    }
    if (limit < min_pull_limit || limit > max_pull_limit) {
        return r.fail(p.member("limit"), "must be between 1 and 100000");
    }
    m.limit = static_cast<std::uint32_t>(limit);
    return true;
}

bool read_record(json_reader& r, const json::value& v, const path& p, record_msg& m) {
    const json::object* o = r.object(v, p);
    return o != nullptr && r.required(*o, p, "record", m.record) &&
           r.required(*o, p, "type", m.type) && r.required(*o, p, "org_unit", m.org_unit) &&
           r.required(*o, p, "version", m.version) && r.required(*o, p, "deleted", m.deleted) &&
           r.required(*o, p, "fields", m.fields);
}

bool read_changes(json_reader& r, const json::object& o, const path& p, changes_msg& m) {
    return r.required(o, p, "id", m.id) && r.required(o, p, "cursor", m.cursor) &&
           r.required(o, p, "more", m.more) &&
           r.array(o, p, "records", true, r.limits().max_records, m.records,
                   [&](const json::value& v, const path& at, record_msg& rec) {
                       return read_record(r, v, at, rec);
                   }) &&
           r.array(o, p, "evict", false, r.limits().max_records, m.evict,
                   [&](const json::value& v, const path& at, std::string& e) {
                       return r.read(v, at, e);
                   });
}

bool read_error(json_reader& r, const json::object& o, const path& p, error_msg& m) {
    return r.optional(o, p, "id", m.id) && read_error_info(r, o, p, m.error);
}

bool read_get_schema(json_reader& r, const json::object& o, const path& p, get_schema_msg& m) {
    return r.required(o, p, "id", m.id);
}

bool read_schema(json_reader& r, const json::object& o, const path& p, schema_msg& m) {
    if (!r.required(o, p, "id", m.id) || !r.required(o, p, "version", m.version)) return false;
    const path at = p.member("schema");
    const auto it = o.find("schema");
    if (it == o.end()) return r.fail(at, "is missing");
    if (r.object(it->value(), at) == nullptr) return false;
    m.schema = json::serialize(it->value());
    // The same bound as the binary form, where the schema travels as one string.
    if (m.schema.size() > r.limits().max_string_bytes) {
        return r.fail(at, "is longer than " + std::to_string(r.limits().max_string_bytes) +
                              " bytes", errc::too_large);
    }
    return true;
}

bool read_get_review(json_reader& r, const json::object& o, const path& p, get_review_msg& m) {
    std::uint64_t limit = m.limit;
    if (!r.required(o, p, "id", m.id) || !r.optional(o, p, "after", m.after) ||
        !r.optional(o, p, "limit", limit) || !r.optional(o, p, "live", m.live)) {
        return false;
    }
    if (limit < min_review_limit || limit > max_review_limit) {
        return r.fail(p.member("limit"), detail::review_limit_sentence);
    }
    m.limit = static_cast<std::uint32_t>(limit);
    return true;
}

bool read_review_side(json_reader& r, const json::value& v, const path& p, review_side_msg& s) {
    const json::object* o = r.object(v, p);
    return o != nullptr && r.required(*o, p, "record", s.record) &&
           r.required(*o, p, "value", s.val) && r.required(*o, p, "device_id", s.device_id) &&
           r.required(*o, p, "username", s.username) && r.required(*o, p, "seq", s.seq) &&
           r.required(*o, p, "device_hlc", s.device_hlc) &&
           r.required(*o, p, "received_ms", s.received_ms);
}

// The members review_item_to_json may leave out are optional here, with the same defaults.
bool read_review_item(json_reader& r, const json::value& v, const path& p, review_item_msg& m) {
    const json::object* o = r.object(v, p);
    if (o == nullptr || !r.required(*o, p, "item", m.item) ||
        !r.required(*o, p, "kind", m.kind) || !r.required(*o, p, "state", m.state)) {
        return false;
    }
    if (!detail::one_of(m.kind, detail::review_kinds)) {
        return r.fail(p.member("kind"), detail::review_kind_sentence);
    }
    if (!detail::one_of(m.state, detail::review_states)) {
        return r.fail(p.member("state"), detail::review_state_sentence);
    }
    return r.required(*o, p, "type", m.type) && r.required(*o, p, "record", m.record) &&
           r.required(*o, p, "org_unit", m.org_unit) && r.optional(*o, p, "field", m.field) &&
           r.optional(*o, p, "other_record", m.other_record) &&
           r.optional(*o, p, "other_org_unit", m.other_org_unit) &&
           r.optional(*o, p, "natural_key", m.natural_key) &&
           r.array(*o, p, "sides", true, max_review_sides, m.sides,
                   [&](const json::value& e, const path& at, review_side_msg& s) {
                       return read_review_side(r, e, at, s);
                   }) &&
           r.required(*o, p, "version", m.version) &&
           r.required(*o, p, "created_ms", m.created_ms) &&
           r.required(*o, p, "superseded", m.superseded) && r.required(*o, p, "seq", m.seq) &&
           r.optional(*o, p, "decided_by", m.decided_by) &&
           r.optional(*o, p, "decided_ms", m.decided_ms) &&
           r.optional(*o, p, "decision", m.decision) && r.optional(*o, p, "chosen", m.chosen) &&
           r.optional(*o, p, "survivor", m.survivor) && r.optional(*o, p, "reason", m.reason) &&
           r.optional(*o, p, "settled_by", m.settled_by);
}

bool read_review(json_reader& r, const json::object& o, const path& p, review_msg& m) {
    return r.required(o, p, "id", m.id) && r.required(o, p, "next", m.next) &&
           r.required(o, p, "more", m.more) &&
           r.array(o, p, "items", true, r.limits().max_records, m.items,
                   [&](const json::value& v, const path& at, review_item_msg& item) {
                       return read_review_item(r, v, at, item);
                   });
}

// Decodes the body of a message whose "type" is `name` into the alternative T.
template <typename T, typename Read>
decode_result body(json_reader& r, const json::object& o, std::string_view name, Read read) {
    T m;
    const path root{nullptr, name, 0};
    if (!read(r, o, root, m)) {
        return std::move(r.error());
    }
    return message{std::move(m)};
}

decode_result decode_document(const json::value& doc, const decode_limits& limits,
                              std::optional<std::int64_t>& id) {
    json_reader r(limits);
    const path root{nullptr, "message", 0};
    const json::object* o = r.object(doc, root);
    if (o == nullptr) {
        return std::move(r.error());
    }
    // Rule J6: remember the request id before anything else can fail.
    if (const auto it = o->find("id"); it != o->end() && it->value().is_int64()) {
        id = it->value().get_int64();
    }
    std::string type;
    if (!r.required(*o, root, "type", type)) {
        return std::move(r.error());
    }
    if (type == "hello") return body<hello_msg>(r, *o, "hello", read_hello);
    if (type == "welcome") return body<welcome_msg>(r, *o, "welcome", read_welcome);
    if (type == "push") return body<push_msg>(r, *o, "push", read_push);
    if (type == "push_result") {
        return body<push_result_msg>(r, *o, "push_result", read_push_result);
    }
    if (type == "pull") return body<pull_msg>(r, *o, "pull", read_pull);
    if (type == "changes") return body<changes_msg>(r, *o, "changes", read_changes);
    if (type == "error") return body<error_msg>(r, *o, "error", read_error);
    if (type == "get_schema") return body<get_schema_msg>(r, *o, "get_schema", read_get_schema);
    if (type == "schema") return body<schema_msg>(r, *o, "schema", read_schema);
    if (type == "get_review") return body<get_review_msg>(r, *o, "get_review", read_get_review);
    if (type == "review") return body<review_msg>(r, *o, "review", read_review);
    r.fail(root.member("type"), "\"" + type.substr(0, 64) + "\" is not a message type");
    return std::move(r.error());
}

// ---- encoding ---------------------------------------------------------------------

json::value to_json(const value& v, const json::storage_ptr& sp) {
    struct visitor {
        const json::storage_ptr& sp;
        json::value operator()(std::monostate) const { return json::value(nullptr, sp); }
        json::value operator()(bool b) const { return json::value(b, sp); }
        json::value operator()(std::int64_t i) const { return json::value(i, sp); }
        // JSON has no infinity or NaN; the decoders never produce them, so only a
        // hand-built value reaches this, and null is the one honest spelling.
        json::value operator()(double d) const {
            return std::isfinite(d) ? json::value(d, sp) : json::value(nullptr, sp);
        }
        json::value operator()(const std::string& s) const { return json::value(s, sp); }
    };
    return std::visit(visitor{sp}, v);
}

json::object to_json(const field_map& fields, const json::storage_ptr& sp) {
    json::object o(sp);
    o.reserve(fields.size());
    for (const auto& [name, v] : fields) {
        o.emplace(name, to_json(v, sp));
    }
    return o;
}

void put_error_info(json::object& o, const error_info& e) {
    o.emplace("code", to_code(e.code));
    o.emplace("message", e.message);
    if (e.field) {
        o.emplace("field", *e.field);
    }
}

struct encoder {
    json::object& o;
    const json::storage_ptr& sp;

    void operator()(const hello_msg& m) const {
        o.emplace("type", "hello");
        o.emplace("protocol", m.protocol);
        o.emplace("device_id", m.device_id);
        o.emplace("token", m.token);
        o.emplace("client_time", m.client_time);
    }

    void operator()(const welcome_msg& m) const {
        o.emplace("type", "welcome");
        o.emplace("protocol", m.protocol);
        o.emplace("server_time", m.server_time);
        o.emplace("last_seq", m.last_seq);
        o.emplace("schema_version", m.schema_version);
        json::object l(sp);
        l.emplace("max_message_bytes", m.limits.max_message_bytes);
        l.emplace("max_changes_per_push", m.limits.max_changes_per_push);
        o.emplace("limits", std::move(l));
    }

    void operator()(const push_msg& m) const {
        o.emplace("type", "push");
        o.emplace("id", m.id);
        json::array changes(sp);
        changes.reserve(m.changes.size());
        for (const change_msg& c : m.changes) {
            json::object j(sp);
            j.emplace("seq", c.seq);
            j.emplace("record", c.record);
            j.emplace("type", c.type);
            j.emplace("org_unit", c.org_unit);
            j.emplace("hlc", c.hlc);
            j.emplace("base", c.base);
            if (c.del) {
                j.emplace("delete", true);
            } else {
                j.emplace("set", to_json(c.set, sp));
            }
            changes.emplace_back(std::move(j));
        }
        o.emplace("changes", std::move(changes));
    }

    void operator()(const push_result_msg& m) const {
        o.emplace("type", "push_result");
        o.emplace("id", m.id);
        o.emplace("last_seq", m.last_seq);
        json::array results(sp);
        results.reserve(m.results.size());
        for (const change_result& c : m.results) {
            json::object j(sp);
            j.emplace("seq", c.seq);
            j.emplace("status", status_name(c.status));
            if (!c.conflicts.empty()) {
                json::array conflicts(sp);
                for (const conflict_info& k : c.conflicts) {
                    json::object cj(sp);
                    cj.emplace("id", k.id);
                    cj.emplace("field", k.field);
                    cj.emplace("outcome", k.outcome);
                    cj.emplace("kept", to_json(k.kept, sp));
                    cj.emplace("yours", to_json(k.yours, sp));
                    conflicts.emplace_back(std::move(cj));
                }
                j.emplace("conflicts", std::move(conflicts));
            }
            // The error travels only with a rejection (and a rejection always has one).
            if (c.status == change_status::rejected) {
                json::object e(sp);
                put_error_info(e, c.error.value_or(error_info{}));
                j.emplace("error", std::move(e));
            }
            results.emplace_back(std::move(j));
        }
        o.emplace("results", std::move(results));
    }

    void operator()(const pull_msg& m) const {
        o.emplace("type", "pull");
        o.emplace("id", m.id);
        if (m.cursor) {
            o.emplace("cursor", *m.cursor);
        } else {
            o.emplace("cursor", nullptr);
        }
        o.emplace("limit", m.limit);
        o.emplace("live", m.live);
    }

    void operator()(const changes_msg& m) const {
        o.emplace("type", "changes");
        o.emplace("id", m.id);
        o.emplace("cursor", m.cursor);
        o.emplace("more", m.more);
        json::array records(sp);
        records.reserve(m.records.size());
        for (const record_msg& rec : m.records) {
            json::object j(sp);
            j.emplace("record", rec.record);
            j.emplace("type", rec.type);
            j.emplace("org_unit", rec.org_unit);
            j.emplace("version", rec.version);
            j.emplace("deleted", rec.deleted);
            j.emplace("fields", to_json(rec.fields, sp));
            records.emplace_back(std::move(j));
        }
        o.emplace("records", std::move(records));
        json::array evict(sp);
        evict.reserve(m.evict.size());
        for (const std::string& e : m.evict) {
            evict.emplace_back(e);
        }
        o.emplace("evict", std::move(evict));
    }

    void operator()(const get_schema_msg& m) const {
        o.emplace("type", "get_schema");
        o.emplace("id", m.id);
    }

    void operator()(const schema_msg& m) const {
        o.emplace("type", "schema");
        o.emplace("id", m.id);
        o.emplace("version", m.version);
        // Text that is not a JSON object (only a hand-built message) goes out as null,
        // which the decoder refuses: the receiver sees a bad schema, not a wrong one.
        boost::system::error_code ec;
        json::value doc = json::parse(m.schema, ec, sp);
        o.emplace("schema", !ec && doc.is_object() ? std::move(doc) : json::value(nullptr, sp));
    }

    void operator()(const get_review_msg& m) const {
        o.emplace("type", "get_review");
        o.emplace("id", m.id);
        o.emplace("after", m.after);
        o.emplace("limit", m.limit);
        o.emplace("live", m.live);
    }

    void operator()(const review_msg& m) const {
        o.emplace("type", "review");
        o.emplace("id", m.id);
        o.emplace("next", m.next);
        o.emplace("more", m.more);
        json::array items(sp);
        items.reserve(m.items.size());
        for (const review_item_msg& item : m.items) {
            items.emplace_back(review_item_to_json(item, sp));
        }
        o.emplace("items", std::move(items));
    }

    void operator()(const error_msg& m) const {
        o.emplace("type", "error");
        if (m.id) {
            o.emplace("id", *m.id);
        }
        put_error_info(o, m.error);
    }
};

}  // namespace

decode_result decode_json(std::string_view text, const decode_limits& limits) {
    std::optional<std::int64_t> id;
    try {
        // Why these sizes: a hello, a pull or a push of a few changes parses without
        // touching the heap (the DOM of a 3-change push is about 3 KiB); bigger messages
        // spill to the default resource, freed when the resource goes out of scope.
        unsigned char dom_buffer[8192];
        unsigned char temp_buffer[1024];
        json::monotonic_resource dom(dom_buffer, sizeof dom_buffer);
        json::parse_options options;
        options.max_depth = limits.max_depth;
        json::basic_parser<dom_handler> parser(options, temp_buffer, sizeof temp_buffer);
        parser.handler().stack().reset(&dom);

        boost::system::error_code ec;
        const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
        if (!ec && used < text.size()) {
            ec = json::error::extra_data;
        }
        if (ec == json::error::too_deep) {
            return decode_error{errc::bad_message,
                                "message nests deeper than " + std::to_string(limits.max_depth) +
                                    " levels",
                                std::nullopt};
        }
        if (ec) {
            return decode_error{errc::bad_message,
                                "message is not valid JSON in UTF-8: " + ec.message(),
                                std::nullopt};
        }
        const json::value doc = parser.handler().stack().release();
        decode_result result = decode_document(doc, limits, id);
        if (result.has_error()) {
            decode_error e = result.error();  // result::error() returns a copy
            e.id = id;
            return e;
        }
        return result;
    } catch (const std::exception& e) {
        // Only allocation can throw here; the message still gets a clean refusal.
        return decode_error{errc::bad_message,
                            std::string("message could not be decoded: ") + e.what(), id};
    }
}

std::string encode_json(const message& m) {
    // Why 8 KiB: the DOM of every message but a large `changes` page fits, so encoding
    // allocates only the output string.
    unsigned char buffer[8192];
    json::monotonic_resource mr(buffer, sizeof buffer);
    const json::storage_ptr sp(&mr);
    json::object o(sp);
    std::visit(encoder{o, sp}, m);
    return json::serialize(o);
}

}  // namespace sotay::sync
