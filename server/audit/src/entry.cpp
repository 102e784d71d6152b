// The canonical body of a history entry (entry.hpp) and its strict reading.
#include <sotay/audit/entry.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace sotay::audit {
namespace {

namespace json = boost::json;

// The length of the well-formed UTF-8 sequence starting at s[i], or 0 when none does
// (Unicode 15, table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF).
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
    auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    auto in = [&](std::size_t k, unsigned lo, unsigned hi) {
        return k < s.size() && at(k) >= lo && at(k) <= hi;
    };
    const unsigned c = at(i);
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return in(i + 1, 0x80, 0xBF) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        const unsigned lo = c == 0xE0 ? 0xA0 : 0x80;
        const unsigned hi = c == 0xED ? 0x9F : 0xBF;
        return in(i + 1, lo, hi) && in(i + 2, 0x80, 0xBF) ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        const unsigned lo = c == 0xF0 ? 0x90 : 0x80;
        const unsigned hi = c == 0xF4 ? 0x8F : 0xBF;
        return in(i + 1, lo, hi) && in(i + 2, 0x80, 0xBF) && in(i + 3, 0x80, 0xBF) ? 4 : 0;
    }
    return 0;
}

// s with every byte that does not begin a well-formed sequence replaced by U+FFFD.
std::string as_utf8(std::string_view s) {
    // Nearly every string is well formed: check it first and copy it whole (W1's writer
    // spent ~4% of its time appending sequence by sequence).
    std::size_t good = 0;
    while (good < s.size()) {
        if (static_cast<unsigned char>(s[good]) < 0x80) {  // ASCII: most bytes of most text
            ++good;
            continue;
        }
        const std::size_t n = utf8_sequence(s, good);
        if (n == 0) break;
        good += n;
    }
    if (good == s.size()) return std::string(s);
    std::string out;
    out.reserve(s.size() + 2);
    out.append(s.substr(0, good));
    for (std::size_t i = good; i < s.size();) {
        const std::size_t n = utf8_sequence(s, i);
        if (n == 0) {
            out += "\xEF\xBF\xBD";
            ++i;
        } else {
            out.append(s.substr(i, n));
            i += n;
        }
    }
    return out;
}

// The canonical form of a detail value: members sorted, text UTF-8, numbers finite.
json::value canonical(const json::value& v) {
    switch (v.kind()) {
        case json::kind::string:
            return json::value(as_utf8(v.get_string()));
        case json::kind::double_:
            if (!std::isfinite(v.get_double())) return nullptr;
            return v;
        case json::kind::array: {
            json::array out;
            out.reserve(v.get_array().size());
            for (const json::value& x : v.get_array()) out.emplace_back(canonical(x));
            return out;
        }
        case json::kind::object: {
            std::vector<const json::key_value_pair*> members;
            members.reserve(v.get_object().size());
            for (const auto& kv : v.get_object()) members.push_back(&kv);
            std::sort(members.begin(), members.end(),
                      [](const auto* a, const auto* b) { return a->key() < b->key(); });
            json::object out;
            out.reserve(members.size());
            // Two names that differ only in bytes that are not UTF-8 become one: the first
            // in byte order is kept, so the result is still the same every time.
            for (const auto* kv : members) out.emplace(as_utf8(kv->key()), canonical(kv->value()));
            return out;
        }
        default:
            return v;
    }
}

sync::error_info bad(std::string message) {
    return sync::error_info{sync::errc::bad_message, std::move(message), std::nullopt};
}

// The member names, in their fixed order.
constexpr std::string_view member_names[] = {"seq",    "at_ms", "kind",     "username", "device_id",
                                             "record", "type",  "org_unit", "detail"};

}  // namespace

std::string entry_body(const history_entry& e) {
    json::object o;
    o.reserve(std::size(member_names));
    o.emplace("seq", e.seq);
    o.emplace("at_ms", e.at_ms);
    o.emplace("kind", as_utf8(e.kind));
    o.emplace("username", as_utf8(e.username));
    o.emplace("device_id", as_utf8(e.device_id));
    o.emplace("record", as_utf8(e.record));
    o.emplace("type", as_utf8(e.type));
    o.emplace("org_unit", as_utf8(e.org_unit));
    o.emplace("detail", canonical(e.detail));
    return json::serialize(o);
}

boost::system::result<history_entry, sync::error_info> parse_entry(std::string_view body) {
    boost::system::error_code ec;
    const json::value j = json::parse(body, ec);
    if (ec) return bad("the entry's content is not JSON: " + ec.message());
    const json::object* o = j.if_object();
    if (o == nullptr || o->size() != std::size(member_names)) {
        return bad("the entry's content is not an object of the nine history members");
    }
    std::size_t i = 0;
    for (const auto& kv : *o) {
        if (kv.key() != member_names[i++]) {
            return bad(
                "the entry's members are not seq, at_ms, kind, username, device_id, "
                "record, type, org_unit, detail, in that order");
        }
    }
    history_entry e;
    const json::value& seq = o->at("seq");
    if (seq.is_int64() && seq.get_int64() >= 0) {
        e.seq = static_cast<std::uint64_t>(seq.get_int64());
    } else if (seq.is_uint64()) {
        e.seq = seq.get_uint64();
    } else {
        return bad("the entry's \"seq\" is not a whole number of zero or more");
    }
    const json::value& at = o->at("at_ms");
    if (!at.is_int64()) return bad("the entry's \"at_ms\" is not a whole number of milliseconds");
    e.at_ms = at.get_int64();
    auto text = [&](std::string_view name, std::string& out) {
        const json::string* s = o->at(name).if_string();
        if (s != nullptr) out.assign(s->data(), s->size());
        return s != nullptr;
    };
    const std::pair<std::string_view, std::string*> texts[] = {
        {"kind", &e.kind},     {"username", &e.username}, {"device_id", &e.device_id},
        {"record", &e.record}, {"type", &e.type},         {"org_unit", &e.org_unit}};
    for (const auto& [name, out] : texts) {
        if (!text(name, *out)) {
            return bad("the entry's \"" + std::string(name) + "\" is not text");
        }
    }
    const json::object* detail = o->at("detail").if_object();
    if (detail == nullptr) return bad("the entry's \"detail\" is not an object");
    e.detail = *detail;
    // The one spelling: anything else (spaces, escapes written differently, unsorted
    // detail, "1.0" for "1E0") would let two bodies say the same thing.
    if (entry_body(e) != body) return bad("the entry's content is not in its canonical form");
    return e;
}

void expand_sent(json::object& detail) {
    auto* sent = detail.if_contains("sent");
    if (sent == nullptr || !sent->is_object()) return;
    auto& s = sent->get_object();
    const auto* names = s.if_contains("set_as_after");
    const auto* fields = detail.if_contains("fields");
    auto* set = s.if_contains("set");
    if (names == nullptr || !names->is_array() || fields == nullptr || !fields->is_object() ||
        set == nullptr || !set->is_object())
        return;  // not written by the store's writer: shown as stored
    json::object& out = set->get_object();
    for (const auto& n : names->get_array()) {
        if (!n.is_string()) continue;
        const auto* f = fields->get_object().if_contains(n.get_string());
        const auto* after = f != nullptr && f->is_object() ? f->get_object().if_contains("after")
                                                          : nullptr;
        if (after != nullptr) out[n.get_string()] = *after;
    }
    // Members in name order, as a stored "set" has them (canonical form).
    std::vector<std::pair<std::string, json::value>> sorted;
    sorted.reserve(out.size());
    for (auto& kv : out) sorted.emplace_back(std::string(kv.key()), std::move(kv.value()));
    std::sort(sorted.begin(), sorted.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    json::object ordered;
    ordered.reserve(sorted.size());
    for (auto& [k, v] : sorted) ordered.emplace(k, std::move(v));
    out = std::move(ordered);
    s.erase("set_as_after");
}

std::optional<std::uint64_t> entry_seq(std::string_view body) {
    constexpr std::string_view prefix = R"({"seq":)";
    if (body.substr(0, prefix.size()) != prefix) return std::nullopt;
    std::uint64_t n = 0;
    std::size_t i = prefix.size();
    const std::size_t first = i;
    for (; i < body.size() && body[i] >= '0' && body[i] <= '9'; ++i) {
        const auto d = static_cast<std::uint64_t>(body[i] - '0');
        if (n > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return std::nullopt;
        n = n * 10 + d;
    }
    const bool leading_zero = i - first > 1 && body[first] == '0';
    if (i == first || leading_zero || i == body.size() || body[i] != ',') return std::nullopt;
    return n;
}

}  // namespace sotay::audit
