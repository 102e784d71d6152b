// The binary subprotocol, sotay.v1.bin: one message per WebSocket binary frame, written
// with cereal's PortableBinaryOutputArchive in little-endian mode.
//
// Frame layout (every integer little endian; docs/protocol.md has a worked example):
//   u8   endianness flag, always 1 (cereal's portable archive writes it first)
//   u8   message tag = index in the `message` variant:
//          0 hello  1 welcome  2 push  3 push_result  4 pull  5 changes  6 error
//          7 get_schema  8 schema  9 get_review  10 review
//   ...  body: the struct's members in declaration order, encoded as
//          int -> i32      int64 -> i64     uint64 -> u64     uint32 -> u32
//          bool -> u8 (0 or 1 only)         double -> f64 (IEEE 754 binary64)
//          string        -> u64 byte length, then the bytes (UTF-8)
//          optional<T>   -> u8 present (0 or 1), then T when present
//          vector<T>     -> u64 count, then the items
//          field_map     -> u64 count, then (string name, value) pairs, names in strictly
//                           ascending byte order
//          value         -> u8 tag (0 null, 1 bool, 2 i64, 3 f64, 4 string) + payload
//          change_status -> u8 (0 applied, 1 duplicate, 2 rejected)
//          error_info    -> string code (the JSON code strings), string message,
//                           optional<string> field
//          error_msg     -> optional<i64> id, then error_info
//          get_schema    -> i64 id
//          schema_msg    -> i64 id, i32 version, string schema (the JSON text)
//          get_review    -> i64 id, u64 after, u32 limit, bool live
//          review_msg    -> i64 id, u64 next, bool more, vector<review_item_msg> items;
//                           an item and its sides: every member in declaration order
//                           (messages.hpp), with no defaults left out
//
// Decoding rules (codec.hpp states the contract):
//   B1. Every length and count is read as u64 and checked against the bytes left in the
//       frame (a count against the bytes left divided by the item's smallest encoding)
//       and against decode_limits before anything is allocated. cereal's own string and
//       vector loaders are never used on input: they allocate from the unchecked length.
//   B2. Every fixed-size read is checked against the bytes left, so cereal never runs
//       out of input; any exception that escapes anyway becomes bad_message.
//   B3. Bytes after the message, a first byte other than 1, an unknown tag, a bool byte
//       other than 0 or 1, unsorted or duplicate field names, invalid UTF-8 and a
//       non-finite double are bad_message. The JSON decoder refuses the same things, so
//       a message decoded from either format re-encodes in both.
//   B4. An error code string this build does not know decodes as errc::internal.
#include "decode_path.hpp"

#include <sotay/sync/codec.hpp>

#include <cereal/archives/portable_binary.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <istream>
#include <optional>
#include <ostream>
#include <span>
#include <streambuf>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace sotay::sync {
namespace {

// Bounds of pull.limit, the same as the JSON decoder's.
constexpr std::uint64_t min_pull_limit = 1;
constexpr std::uint64_t max_pull_limit = 100000;

// Smallest encodings of repeated items, for rule B1's count check: every string and
// vector costs at least its 8-byte length, every value at least its tag byte.
constexpr std::size_t min_string = 8;
constexpr std::size_t min_value = 1;
constexpr std::size_t min_field = min_string + min_value;
// seq, record, type, org_unit, hlc, base, set count, del.
constexpr std::size_t min_change = 8 + 4 * min_string + 8 + 8 + 1;
// id, field, outcome, kept, yours.
constexpr std::size_t min_conflict = 3 * min_string + 2 * min_value;
// seq, status, conflicts count, error present flag.
constexpr std::size_t min_result = 8 + 1 + 8 + 1;
// record, type, org_unit, version, deleted, fields count.
constexpr std::size_t min_record = 3 * min_string + 8 + 1 + 8;

// item, kind, state, type, record, org_unit, field, other_record, other_org_unit,
// natural_key, sides count, version, created_ms, superseded, seq, decided_by, decided_ms,
// decision, chosen, survivor, reason, settled_by.
constexpr std::size_t min_review_item =
    8 + 9 * min_string + 8 + 8 + 8 + 1 + 8 + min_string + 8 + min_string + min_value +
    2 * min_string + 8;
// record, val, device_id, username, seq, device_hlc, received_ms.
constexpr std::size_t min_review_side = min_string + min_value + 2 * min_string + 8 +
                                        min_string + 8;

using detail::append_path;
using detail::max_review_limit;
using detail::max_review_sides;
using detail::min_review_limit;
using detail::path;

// RFC 3629 UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. The same set
// Boost.JSON accepts, so binary-decoded text always re-encodes as valid JSON.
bool valid_utf8(std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = p + s.size();
    while (p < end) {
        const unsigned char c = *p;
        if (c < 0x80) {
            ++p;
            continue;
        }
        std::size_t n = 0;
        unsigned char lo = 0x80;  // bounds of the second byte, per RFC 3629's table
        unsigned char hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            lo = c == 0xE0 ? 0xA0 : 0x80;  // E0: refuse overlong
            hi = c == 0xED ? 0x9F : 0xBF;  // ED: refuse surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            lo = c == 0xF0 ? 0x90 : 0x80;  // F0: refuse overlong
            hi = c == 0xF4 ? 0x8F : 0xBF;  // F4: refuse above U+10FFFF
        } else {
            return false;
        }
        if (static_cast<std::size_t>(end - p) <= n || p[1] < lo || p[1] > hi) {
            return false;
        }
        for (std::size_t i = 2; i <= n; ++i) {
            if (p[i] < 0x80 || p[i] > 0xBF) {
                return false;
            }
        }
        p += n + 1;
    }
    return true;
}

// ---- encoding ---------------------------------------------------------------------

// A streambuf that appends to a std::string: the frame is built in place, no copy.
class string_sink final : public std::streambuf {
public:
    explicit string_sink(std::string& out) : out_(out) {}

protected:
    int_type overflow(int_type c) override {
        if (!traits_type::eq_int_type(c, traits_type::eof())) {
            out_.push_back(traits_type::to_char_type(c));
        }
        return traits_type::not_eof(c);
    }
    std::streamsize xsputn(const char* s, std::streamsize n) override {
        out_.append(s, static_cast<std::size_t>(n));
        return n;
    }

private:
    std::string& out_;
};

class binary_writer {
public:
    explicit binary_writer(std::ostream& os)
        : ar_(os, cereal::PortableBinaryOutputArchive::Options::LittleEndian()) {}

    void u8(std::uint8_t v) { ar_(v); }
    void boolean(bool v) { u8(v ? 1 : 0); }
    void i32(int v) { ar_(static_cast<std::int32_t>(v)); }
    void u32(std::uint32_t v) { ar_(v); }
    void i64(std::int64_t v) { ar_(v); }
    void u64(std::uint64_t v) { ar_(v); }
    void f64(double v) { ar_(v); }

    void str(std::string_view s) {
        u64(s.size());
        ar_(cereal::binary_data(s.data(), s.size()));
    }

    void val(const value& v) {
        u8(static_cast<std::uint8_t>(v.index()));
        std::visit(
            [this](const auto& x) {
                using T = std::decay_t<decltype(x)>;
                if constexpr (std::is_same_v<T, bool>) {
                    boolean(x);
                } else if constexpr (std::is_same_v<T, std::int64_t>) {
                    i64(x);
                } else if constexpr (std::is_same_v<T, double>) {
                    f64(x);
                } else if constexpr (std::is_same_v<T, std::string>) {
                    str(x);
                }
            },
            v);
    }

    void fields(const field_map& m) {
        // std::map<std::string> iterates in byte order (char_traits compares as unsigned
        // char), which is the order the decoder demands.
        u64(m.size());
        for (const auto& [name, v] : m) {
            str(name);
            val(v);
        }
    }

    template <typename T, typename Each>
    void items(const std::vector<T>& v, Each&& each) {
        u64(v.size());
        for (const T& x : v) {
            each(x);
        }
    }

    void error(const error_info& e) {
        str(to_code(e.code));
        str(e.message);
        boolean(e.field.has_value());
        if (e.field) {
            str(*e.field);
        }
    }

    void operator()(const hello_msg& m) {
        i32(m.protocol);
        str(m.device_id);
        str(m.token);
        i64(m.client_time);
    }

    void operator()(const welcome_msg& m) {
        i32(m.protocol);
        i64(m.server_time);
        u64(m.last_seq);
        i32(m.schema_version);
        u64(m.limits.max_message_bytes);
        u64(m.limits.max_changes_per_push);
    }

    void operator()(const push_msg& m) {
        i64(m.id);
        items(m.changes, [this](const change_msg& c) {
            u64(c.seq);
            str(c.record);
            str(c.type);
            str(c.org_unit);
            str(c.hlc);
            u64(c.base);
            fields(c.set);
            boolean(c.del);
        });
    }

    void operator()(const push_result_msg& m) {
        i64(m.id);
        u64(m.last_seq);
        items(m.results, [this](const change_result& c) {
            u64(c.seq);
            u8(static_cast<std::uint8_t>(c.status));
            items(c.conflicts, [this](const conflict_info& k) {
                str(k.id);
                str(k.field);
                str(k.outcome);
                val(k.kept);
                val(k.yours);
            });
            boolean(c.error.has_value());
            if (c.error) {
                error(*c.error);
            }
        });
    }

    void operator()(const pull_msg& m) {
        i64(m.id);
        boolean(m.cursor.has_value());
        if (m.cursor) {
            str(*m.cursor);
        }
        u32(m.limit);
        boolean(m.live);
    }

    void operator()(const changes_msg& m) {
        i64(m.id);
        str(m.cursor);
        boolean(m.more);
        items(m.records, [this](const record_msg& r) {
            str(r.record);
            str(r.type);
            str(r.org_unit);
            u64(r.version);
            boolean(r.deleted);
            fields(r.fields);
        });
        items(m.evict, [this](const std::string& e) { str(e); });
    }

    void operator()(const get_schema_msg& m) { i64(m.id); }

    void operator()(const schema_msg& m) {
        i64(m.id);
        i32(m.version);
        str(m.schema);
    }

    void operator()(const get_review_msg& m) {
        i64(m.id);
        u64(m.after);
        u32(m.limit);
        boolean(m.live);
    }

    void operator()(const review_msg& m) {
        i64(m.id);
        u64(m.next);
        boolean(m.more);
        items(m.items, [this](const review_item_msg& item) {
            i64(item.item);
            str(item.kind);
            str(item.state);
            str(item.type);
            str(item.record);
            str(item.org_unit);
            str(item.field);
            str(item.other_record);
            str(item.other_org_unit);
            str(item.natural_key);
            items(item.sides, [this](const review_side_msg& s) {
                str(s.record);
                val(s.val);
                str(s.device_id);
                str(s.username);
                u64(s.seq);
                str(s.device_hlc);
                i64(s.received_ms);
            });
            u64(item.version);
            i64(item.created_ms);
            boolean(item.superseded);
            u64(item.seq);
            str(item.decided_by);
            i64(item.decided_ms);
            str(item.decision);
            val(item.chosen);
            str(item.survivor);
            str(item.reason);
            i64(item.settled_by);
        });
    }

    void operator()(const error_msg& m) {
        boolean(m.id.has_value());
        if (m.id) {
            i64(*m.id);
        }
        error(m.error);
    }

private:
    cereal::PortableBinaryOutputArchive ar_;
};

// ---- decoding ---------------------------------------------------------------------

// A read-only streambuf over the frame; it also tells how many bytes remain (rule B1).
class span_source final : public std::streambuf {
public:
    explicit span_source(std::span<const std::byte> bytes) {
        // std::streambuf wants char*; the get area is only ever read.
        char* begin = const_cast<char*>(reinterpret_cast<const char*>(bytes.data()));
        setg(begin, begin, begin + bytes.size());
    }
    std::size_t remaining() const { return static_cast<std::size_t>(egptr() - gptr()); }
};

// Reads one frame. Every read returns false after recording the first failure; callers
// return at once. The archive is built after the endianness byte has been checked.
class binary_reader {
public:
    binary_reader(std::span<const std::byte> bytes, const decode_limits& limits,
                  std::optional<std::int64_t>& id)
        : source_(bytes), stream_(&source_), ar_(stream_), limits_(limits), id_(id) {}

    decode_error& error() { return error_; }
    std::size_t remaining() const { return source_.remaining(); }

    bool fail(const path& p, std::string_view what, errc code = errc::bad_message) {
        error_.code = code;
        error_.message.clear();
        append_path(error_.message, p);
        error_.message += ' ';
        error_.message += what;
        return false;
    }

    // Rule B2: the fixed-size read happens only when its bytes are there.
    template <typename T>
    bool fixed(const path& p, T& out) {
        if (remaining() < sizeof(T)) {
            return fail(p, "is cut off by the end of the frame");
        }
        ar_(out);
        return true;
    }

    bool u8(const path& p, std::uint8_t& out) { return fixed(p, out); }
    bool u32(const path& p, std::uint32_t& out) { return fixed(p, out); }
    bool u64(const path& p, std::uint64_t& out) { return fixed(p, out); }
    bool i64(const path& p, std::int64_t& out) { return fixed(p, out); }

    bool i32(const path& p, int& out) {
        std::int32_t v = 0;
        if (!fixed(p, v)) {
            return false;
        }
        out = v;
        return true;
    }

    bool boolean(const path& p, bool& out) {
        std::uint8_t b = 0;
        if (!u8(p, b)) {
            return false;
        }
        if (b > 1) {
            return fail(p, "must be a bool byte 0 or 1, not " + std::to_string(b));
        }
        out = b == 1;
        return true;
    }

    // The request id: also kept for the decode_error, so the server can answer it.
    bool request_id(const path& p, std::int64_t& out) {
        if (!i64(p, out)) {
            return false;
        }
        id_ = out;
        return true;
    }

    // Rule B1 for a string: the length is checked before the buffer is sized.
    bool str(const path& p, std::string& out) {
        std::uint64_t n = 0;
        if (!u64(p, n)) {
            return false;
        }
        if (n > remaining()) {
            return fail(p, "has length " + std::to_string(n) + " but only " +
                               std::to_string(remaining()) + " bytes remain in the frame");
        }
        if (n > limits_.max_string_bytes) {
            return fail(p, "is longer than " + std::to_string(limits_.max_string_bytes) +
                               " bytes",
                        errc::too_large);
        }
        out.resize(static_cast<std::size_t>(n));
        ar_(cereal::binary_data(out.data(), out.size()));
        if (!valid_utf8(out)) {
            return fail(p, "is not valid UTF-8");
        }
        return true;
    }

    bool opt_str(const path& p, std::optional<std::string>& out) {
        bool present = false;
        if (!boolean(p, present)) {
            return false;
        }
        if (!present) {
            out.reset();
            return true;
        }
        return str(p, out.emplace());
    }

    // Rule B1 for a count of items each at least `min_item` bytes long.
    bool count(const path& p, std::size_t min_item, std::size_t limit, std::size_t& out) {
        std::uint64_t n = 0;
        if (!u64(p, n)) {
            return false;
        }
        if (n > remaining() / min_item) {
            return fail(p, "claims " + std::to_string(n) +
                               " items, more than the frame can hold");
        }
        if (n > limit) {
            return fail(p, "has " + std::to_string(n) + " items, more than the " +
                               std::to_string(limit) + " allowed",
                        errc::too_large);
        }
        out = static_cast<std::size_t>(n);
        return true;
    }

    template <typename T, typename Each>
    bool items(const path& p, std::size_t min_item, std::size_t limit, std::vector<T>& out,
               Each&& each) {
        std::size_t n = 0;
        if (!count(p, min_item, limit, n)) {
            return false;
        }
        out.clear();
        out.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            if (!each(p.element(i), out.emplace_back())) {
                return false;
            }
        }
        return true;
    }

    bool val(const path& p, value& out) {
        std::uint8_t tag = 0;
        if (!u8(p, tag)) {
            return false;
        }
        switch (tag) {
            case 0:
                out = std::monostate{};
                return true;
            case 1:
                return boolean(p, out.emplace<bool>());
            case 2:
                return i64(p, out.emplace<std::int64_t>());
            case 3: {
                double d = 0;
                if (!fixed(p, d)) {
                    return false;
                }
                if (!std::isfinite(d)) {
                    return fail(p, "must be a finite number");
                }
                out = d;
                return true;
            }
            case 4:
                return str(p, out.emplace<std::string>());
            default:
                return fail(p, "has unknown value tag " + std::to_string(tag));
        }
    }

    bool fields(const path& p, field_map& out) {
        std::size_t n = 0;
        if (!count(p, min_field, limits_.max_fields, n)) {
            return false;
        }
        out.clear();
        for (std::size_t i = 0; i < n; ++i) {
            const path at = p.element(i);
            std::string name;
            value v;
            if (!str(at, name)) {
                return false;
            }
            // Sorted input makes the encoding canonical and each insert O(1) at the end.
            if (!out.empty() && !(out.rbegin()->first < name)) {
                return fail(at, "name \"" + name.substr(0, 64) +
                                    "\" is not above the previous one (names must be "
                                    "sorted and unique)");
            }
            if (!val(at, v)) {
                return false;
            }
            out.emplace_hint(out.end(), std::move(name), std::move(v));
        }
        return true;
    }

    bool status(const path& p, change_status& out) {
        std::uint8_t tag = 0;
        if (!u8(p, tag)) {
            return false;
        }
        if (tag > static_cast<std::uint8_t>(change_status::rejected)) {
            return fail(p, "has unknown status tag " + std::to_string(tag));
        }
        out = static_cast<change_status>(tag);
        return true;
    }

    bool error(const path& p, error_info& out) {
        std::string code;
        if (!str(p.member("code"), code) || !str(p.member("message"), out.message) ||
            !opt_str(p.member("field"), out.field)) {
            return false;
        }
        out.code = from_code(code).value_or(errc::internal);  // rule B4
        return true;
    }

    const decode_limits& limits() const { return limits_; }

private:
    span_source source_;
    std::istream stream_;
    cereal::PortableBinaryInputArchive ar_;
    const decode_limits& limits_;
    std::optional<std::int64_t>& id_;
    decode_error error_;
};

bool read_hello(binary_reader& r, const path& p, hello_msg& m) {
    return r.i32(p.member("protocol"), m.protocol) &&
           r.str(p.member("device_id"), m.device_id) && r.str(p.member("token"), m.token) &&
           r.i64(p.member("client_time"), m.client_time);
}

bool read_welcome(binary_reader& r, const path& p, welcome_msg& m) {
    const path limits = p.member("limits");
    return r.i32(p.member("protocol"), m.protocol) &&
           r.i64(p.member("server_time"), m.server_time) &&
           r.u64(p.member("last_seq"), m.last_seq) &&
           r.i32(p.member("schema_version"), m.schema_version) &&
           r.u64(limits.member("max_message_bytes"), m.limits.max_message_bytes) &&
           r.u64(limits.member("max_changes_per_push"), m.limits.max_changes_per_push);
}

bool read_change(binary_reader& r, const path& p, change_msg& c) {
    if (!r.u64(p.member("seq"), c.seq) || !r.str(p.member("record"), c.record) ||
        !r.str(p.member("type"), c.type) || !r.str(p.member("org_unit"), c.org_unit) ||
        !r.str(p.member("hlc"), c.hlc) || !r.u64(p.member("base"), c.base) ||
        !r.fields(p.member("set"), c.set) || !r.boolean(p.member("delete"), c.del)) {
        return false;
    }
    if (c.del && !c.set.empty()) {
        return r.fail(p, "has delete set and a non-empty set");
    }
    return true;
}

bool read_push(binary_reader& r, const path& p, push_msg& m) {
    return r.request_id(p.member("id"), m.id) &&
           r.items(p.member("changes"), min_change, r.limits().max_changes, m.changes,
                   [&](const path& at, change_msg& c) { return read_change(r, at, c); });
}

bool read_conflict(binary_reader& r, const path& p, conflict_info& c) {
    return r.str(p.member("id"), c.id) && r.str(p.member("field"), c.field) &&
           r.str(p.member("outcome"), c.outcome) && r.val(p.member("kept"), c.kept) &&
           r.val(p.member("yours"), c.yours);
}

bool read_result(binary_reader& r, const path& p, change_result& c) {
    const path error = p.member("error");
    bool has_error = false;
    // One conflict per register at most: the fields plus org_unit and _deleted.
    if (!r.u64(p.member("seq"), c.seq) || !r.status(p.member("status"), c.status) ||
        !r.items(p.member("conflicts"), min_conflict, r.limits().max_fields + 2, c.conflicts,
                 [&](const path& at, conflict_info& k) { return read_conflict(r, at, k); }) ||
        !r.boolean(error, has_error)) {
        return false;
    }
    if (has_error != (c.status == change_status::rejected)) {
        return r.fail(error, "must be present exactly when status is rejected");
    }
    return !has_error || r.error(error, c.error.emplace());
}

bool read_push_result(binary_reader& r, const path& p, push_result_msg& m) {
    return r.request_id(p.member("id"), m.id) && r.u64(p.member("last_seq"), m.last_seq) &&
           r.items(p.member("results"), min_result, r.limits().max_changes, m.results,
                   [&](const path& at, change_result& c) { return read_result(r, at, c); });
}

bool read_pull(binary_reader& r, const path& p, pull_msg& m) {
    if (!r.request_id(p.member("id"), m.id) || !r.opt_str(p.member("cursor"), m.cursor) ||
        !r.u32(p.member("limit"), m.limit) || !r.boolean(p.member("live"), m.live)) {
        return false;
    }
    if (m.limit < min_pull_limit || m.limit > max_pull_limit) {
        return r.fail(p.member("limit"), "must be between 1 and 100000");
    }
    return true;
}

bool read_record(binary_reader& r, const path& p, record_msg& m) {
    return r.str(p.member("record"), m.record) && r.str(p.member("type"), m.type) &&
           r.str(p.member("org_unit"), m.org_unit) &&
           r.u64(p.member("version"), m.version) &&
           r.boolean(p.member("deleted"), m.deleted) &&
           r.fields(p.member("fields"), m.fields);
}

bool read_changes(binary_reader& r, const path& p, changes_msg& m) {
    return r.request_id(p.member("id"), m.id) && r.str(p.member("cursor"), m.cursor) &&
           r.boolean(p.member("more"), m.more) &&
           r.items(p.member("records"), min_record, r.limits().max_records, m.records,
                   [&](const path& at, record_msg& rec) { return read_record(r, at, rec); }) &&
           r.items(p.member("evict"), min_string, r.limits().max_records, m.evict,
                   [&](const path& at, std::string& e) { return r.str(at, e); });
}

bool read_error(binary_reader& r, const path& p, error_msg& m) {
    const path id = p.member("id");
    bool has_id = false;
    if (!r.boolean(id, has_id)) {
        return false;
    }
    if (has_id && !r.request_id(id, m.id.emplace())) {
        return false;
    }
    return r.error(p, m.error);
}

bool read_get_schema(binary_reader& r, const path& p, get_schema_msg& m) {
    return r.request_id(p.member("id"), m.id);
}

bool read_schema(binary_reader& r, const path& p, schema_msg& m) {
    return r.request_id(p.member("id"), m.id) && r.i32(p.member("version"), m.version) &&
           r.str(p.member("schema"), m.schema);
}

bool read_get_review(binary_reader& r, const path& p, get_review_msg& m) {
    if (!r.request_id(p.member("id"), m.id) || !r.u64(p.member("after"), m.after) ||
        !r.u32(p.member("limit"), m.limit) || !r.boolean(p.member("live"), m.live)) {
        return false;
    }
    if (m.limit < min_review_limit || m.limit > max_review_limit) {
        return r.fail(p.member("limit"), detail::review_limit_sentence);
    }
    return true;
}

bool read_review_side(binary_reader& r, const path& p, review_side_msg& s) {
    return r.str(p.member("record"), s.record) && r.val(p.member("value"), s.val) &&
           r.str(p.member("device_id"), s.device_id) &&
           r.str(p.member("username"), s.username) && r.u64(p.member("seq"), s.seq) &&
           r.str(p.member("device_hlc"), s.device_hlc) &&
           r.i64(p.member("received_ms"), s.received_ms);
}

bool read_review_item(binary_reader& r, const path& p, review_item_msg& m) {
    if (!r.i64(p.member("item"), m.item) || !r.str(p.member("kind"), m.kind) ||
        !r.str(p.member("state"), m.state)) {
        return false;
    }
    if (!detail::one_of(m.kind, detail::review_kinds)) {
        return r.fail(p.member("kind"), detail::review_kind_sentence);
    }
    if (!detail::one_of(m.state, detail::review_states)) {
        return r.fail(p.member("state"), detail::review_state_sentence);
    }
    return r.str(p.member("type"), m.type) && r.str(p.member("record"), m.record) &&
           r.str(p.member("org_unit"), m.org_unit) && r.str(p.member("field"), m.field) &&
           r.str(p.member("other_record"), m.other_record) &&
           r.str(p.member("other_org_unit"), m.other_org_unit) &&
           r.str(p.member("natural_key"), m.natural_key) &&
           r.items(p.member("sides"), min_review_side, max_review_sides, m.sides,
                   [&](const path& at, review_side_msg& s) {
                       return read_review_side(r, at, s);
                   }) &&
           r.u64(p.member("version"), m.version) &&
           r.i64(p.member("created_ms"), m.created_ms) &&
           r.boolean(p.member("superseded"), m.superseded) && r.u64(p.member("seq"), m.seq) &&
           r.str(p.member("decided_by"), m.decided_by) &&
           r.i64(p.member("decided_ms"), m.decided_ms) &&
           r.str(p.member("decision"), m.decision) && r.val(p.member("chosen"), m.chosen) &&
           r.str(p.member("survivor"), m.survivor) && r.str(p.member("reason"), m.reason) &&
           r.i64(p.member("settled_by"), m.settled_by);
}

bool read_review(binary_reader& r, const path& p, review_msg& m) {
    return r.request_id(p.member("id"), m.id) && r.u64(p.member("next"), m.next) &&
           r.boolean(p.member("more"), m.more) &&
           r.items(p.member("items"), min_review_item, r.limits().max_records, m.items,
                   [&](const path& at, review_item_msg& item) {
                       return read_review_item(r, at, item);
                   });
}

// Decodes the body of the alternative T, named `name` in error sentences.
template <typename T, typename Read>
decode_result body(binary_reader& r, std::string_view name, Read read) {
    T m;
    const path root{nullptr, name, 0};
    if (!read(r, root, m)) {
        return std::move(r.error());
    }
    if (r.remaining() != 0) {
        r.fail(root, "is followed by " + std::to_string(r.remaining()) + " unexpected bytes");
        return std::move(r.error());
    }
    return message{std::move(m)};
}

decode_result decode_frame(binary_reader& r) {
    std::uint8_t tag = 0;
    const path root{nullptr, "message", 0};
    if (!r.u8(root.member("tag"), tag)) {
        return std::move(r.error());
    }
    switch (tag) {
        case 0:
            return body<hello_msg>(r, "hello", read_hello);
        case 1:
            return body<welcome_msg>(r, "welcome", read_welcome);
        case 2:
            return body<push_msg>(r, "push", read_push);
        case 3:
            return body<push_result_msg>(r, "push_result", read_push_result);
        case 4:
            return body<pull_msg>(r, "pull", read_pull);
        case 5:
            return body<changes_msg>(r, "changes", read_changes);
        case 6:
            return body<error_msg>(r, "error", read_error);
        case 7:
            return body<get_schema_msg>(r, "get_schema", read_get_schema);
        case 8:
            return body<schema_msg>(r, "schema", read_schema);
        case 9:
            return body<get_review_msg>(r, "get_review", read_get_review);
        case 10:
            return body<review_msg>(r, "review", read_review);
        default:
            r.fail(root.member("tag"), std::to_string(tag) + " is not a message type");
            return std::move(r.error());
    }
}

}  // namespace

decode_result decode_binary(std::span<const std::byte> bytes, const decode_limits& limits) {
    // Rule B3: only little-endian frames; this also keeps cereal from byte-swapping.
    if (bytes.empty() || bytes[0] != std::byte{1}) {
        return decode_error{errc::bad_message,
                            "frame must start with the little-endian flag byte 1",
                            std::nullopt};
    }
    std::optional<std::int64_t> id;
    try {
        binary_reader r(bytes, limits, id);
        decode_result result = decode_frame(r);
        if (result.has_error()) {
            decode_error e = result.error();  // result::error() returns a copy
            e.id = id;
            return e;
        }
        return result;
    } catch (const std::exception& e) {
        // Rule B2: unreachable by design (every read is checked first); kept as a net.
        return decode_error{errc::bad_message,
                            std::string("frame could not be decoded: ") + e.what(), id};
    }
}

std::string encode_binary(const message& m) {
    std::string out;
    // Why 256: a hello, pull or small push fits without regrowing the string.
    out.reserve(256);
    string_sink sink(out);
    std::ostream os(&sink);
    {
        binary_writer w(os);  // writes the endianness flag byte
        w.u8(static_cast<std::uint8_t>(m.index()));
        std::visit(w, m);
    }
    return out;
}

}  // namespace sotay::sync
