// Reading and checking a schema document; comparing two versions of it.
#include <boost/json.hpp>
#include <fstream>
#include <set>
#include <sotay/schema/schema.hpp>
#include <sotay/sync/codec.hpp>
#include <sstream>

namespace sotay::schema {
namespace {

namespace json = boost::json;

// Where in the file a problem is, for the message.
struct place {
    std::string_view source;
    std::string type;
    std::string field;

    [[noreturn]] void fail(const std::string& what) const {
        std::string m(source);
        if (!type.empty()) m += ": type " + type;
        if (!field.empty()) m += ", field " + field;
        throw load_error(m + ": " + what);
    }
};

// Ids are what clients send on the wire: short, lowercase, stable.
bool is_id(std::string_view s) {
    if (s.empty() || s.size() > 64 || s[0] < 'a' || s[0] > 'z') return false;
    for (const char c : s) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
    return true;
}

const json::object& as_object(const json::value& v, const place& at, const std::string& what) {
    if (!v.is_object()) at.fail(what + " must be a JSON object");
    return v.get_object();
}

label read_label(const json::object& o, const char* key, const place& at) {
    const auto* v = o.if_contains(key);
    if (v == nullptr) at.fail(std::string("needs a \"") + key + "\" with \"vi\" and \"en\"");
    const auto& l = as_object(*v, at, key);
    label out;
    for (const char* lang : {"vi", "en"}) {
        const auto* t = l.if_contains(lang);
        if (t == nullptr || !t->is_string() || t->get_string().empty())
            at.fail(std::string(key) + " needs a non-empty \"" + lang + "\" text");
        const std::string text(t->get_string());
        if (!is_valid_utf8(text)) at.fail(std::string(key) + " is not valid UTF-8");
        (std::string(lang) == "vi" ? out.vi : out.en) = to_nfc(text);
    }
    return out;
}

std::int64_t read_int(const json::value& v, const place& at, const char* key) {
    if (v.is_int64()) return v.get_int64();
    if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
        return static_cast<std::int64_t>(v.get_uint64());
    at.fail(std::string(key) + " must be an integer");
}

std::optional<field_type> parse_type(std::string_view s) {
    for (int i = 0; i <= static_cast<int>(field_type::org_unit); ++i) {
        const auto t = static_cast<field_type>(i);
        if (type_name(t) == s) return t;
    }
    return std::nullopt;
}

field_def read_field(const std::string& id, const json::value& v, const place& at) {
    const auto& o = as_object(v, at, "a field");
    static const std::set<std::string, std::less<>> known = {
        "type", "label", "required", "min", "max", "max_length", "pattern", "values", "to"};
    for (const auto& kv : o) {
        // A misspelt key ("requred") would silently drop a rule: refuse it.
        if (known.find(kv.key()) == known.end())
            at.fail("unknown key \"" + std::string(kv.key()) + "\"");
    }
    field_def f;
    f.id = id;
    const auto* t = o.if_contains("type");
    if (t == nullptr || !t->is_string()) at.fail("needs a \"type\"");
    const auto type = parse_type(t->get_string());
    if (!type) at.fail("unknown field type \"" + std::string(t->get_string()) + "\"");
    f.type = *type;
    f.name = read_label(o, "label", at);
    if (const auto* r = o.if_contains("required")) {
        if (!r->is_bool()) at.fail("required must be true or false");
        f.required = r->get_bool();
    }
    const bool numeric = f.type == field_type::integer || f.type == field_type::money;
    for (const char* key : {"min", "max"}) {
        const auto* b = o.if_contains(key);
        if (b == nullptr) continue;
        const bool is_min = std::string_view(key) == "min";
        if (numeric) {
            (is_min ? f.min : f.max) = read_int(*b, at, key);
        } else if (f.type == field_type::date) {
            if (!b->is_string() || !is_date(b->get_string()))
                at.fail(std::string(key) + " of a date must be a date \"YYYY-MM-DD\"");
            (is_min ? f.min_date : f.max_date) = std::string(b->get_string());
        } else {
            at.fail(std::string(key) + " applies only to integer, money and date fields");
        }
    }
    if (f.min && f.max && *f.min > *f.max) at.fail("min is above max");
    if (f.min_date && f.max_date && *f.min_date > *f.max_date) at.fail("min is after max");
    const bool textual = f.type == field_type::string || f.type == field_type::text;
    if (const auto* m = o.if_contains("max_length")) {
        if (!textual) at.fail("max_length applies only to string and text fields");
        const auto n = read_int(*m, at, "max_length");
        if (n < 1) at.fail("max_length must be at least 1");
        f.max_length = static_cast<std::size_t>(n);
    }
    if (const auto* p = o.if_contains("pattern")) {
        if (!textual) at.fail("pattern applies only to string and text fields");
        if (!p->is_string() || p->get_string().empty()) at.fail("pattern must be a regex text");
        f.pattern = std::string(p->get_string());
        try {
            f.compiled = std::make_shared<const std::regex>(*f.pattern, std::regex::ECMAScript);
        } catch (const std::regex_error& e) {
            at.fail("pattern does not compile: " + std::string(e.what()));
        }
    }
    const auto* values = o.if_contains("values");
    if (f.type == field_type::enumeration) {
        if (values == nullptr) at.fail("enum needs at least one value");
        const auto& vo = as_object(*values, at, "values");
        if (vo.empty()) at.fail("enum needs at least one value");
        for (const auto& kv : vo) {
            const std::string value_id(kv.key());
            if (!is_id(value_id)) at.fail("enum value \"" + value_id + "\" is not an id");
            place vat = at;
            vat.field += " value " + value_id;
            const json::object wrap{{"label", kv.value()}};
            f.values.emplace(value_id, read_label(wrap, "label", vat));
        }
    } else if (values != nullptr) {
        at.fail("values applies only to enum fields");
    }
    if (const auto* to = o.if_contains("to")) {
        if (f.type != field_type::ref) at.fail("to applies only to ref fields");
        if (!to->is_string()) at.fail("to must name a type");
        f.to = std::string(to->get_string());
    } else if (f.type == field_type::ref) {
        at.fail("ref needs \"to\", the type it refers to");
    }
    return f;
}

}  // namespace

std::string_view type_name(field_type t) {
    switch (t) {
        case field_type::string:
            return "string";
        case field_type::text:
            return "text";
        case field_type::integer:
            return "integer";
        case field_type::money:
            return "money";
        case field_type::date:
            return "date";
        case field_type::boolean:
            return "boolean";
        case field_type::enumeration:
            return "enum";
        case field_type::ref:
            return "ref";
        case field_type::org_unit:
            return "org_unit";
    }
    return "?";
}

const type_def* schema::find(std::string_view type) const {
    const auto it = types.find(type);
    return it == types.end() ? nullptr : &it->second;
}

schema parse_schema(std::string_view json_text, std::string_view source) {
    place at{source, {}, {}};
    json::value doc;
    try {
        doc = json::parse(json_text);
    } catch (const std::exception& e) {
        at.fail(std::string("not valid JSON: ") + e.what());
    }
    const auto& root = as_object(doc, at, "the document");
    schema s;
    const auto* version = root.if_contains("version");
    if (version == nullptr) at.fail("needs a \"version\"");
    const auto v = read_int(*version, at, "version");
    if (v < 1 || v > 1000000) at.fail("version must be a positive integer");
    s.version = static_cast<int>(v);
    const auto* types = root.if_contains("types");
    if (types == nullptr) at.fail("needs \"types\"");
    const auto& to = as_object(*types, at, "types");
    if (to.empty()) at.fail("needs at least one type");
    for (const auto& kv : to) {
        place tat{source, std::string(kv.key()), {}};
        if (!is_id(tat.type)) tat.fail("type id must be lowercase letters, digits and _");
        const auto& t = as_object(kv.value(), tat, "a type");
        type_def def;
        def.id = tat.type;
        def.name = read_label(t, "label", tat);
        const auto* fields = t.if_contains("fields");
        if (fields == nullptr) tat.fail("needs \"fields\"");
        for (const auto& fkv : as_object(*fields, tat, "fields")) {
            place fat{source, tat.type, std::string(fkv.key())};
            if (!is_id(fat.field)) fat.fail("field id must be lowercase letters, digits and _");
            def.fields.emplace(fat.field, read_field(fat.field, fkv.value(), fat));
        }
        if (const auto* nk = t.if_contains("natural_key")) {
            if (!nk->is_array()) tat.fail("natural_key must be a list of field ids");
            for (const auto& k : nk->get_array()) {
                if (!k.is_string()) tat.fail("natural_key must be a list of field ids");
                const std::string key(k.get_string());
                // "org_unit" names the record's own org unit, which every record has.
                if (key != "org_unit" && def.fields.find(key) == def.fields.end())
                    tat.fail("natural_key names \"" + key + "\", which is not a field");
                def.natural_key.push_back(key);
            }
        }
        s.types.emplace(def.id, std::move(def));
    }
    for (const auto& [tid, t] : s.types) {
        for (const auto& [fid, f] : t.fields) {
            if (f.type == field_type::ref && s.types.find(f.to) == s.types.end())
                place{source, tid, fid}.fail("ref to unknown type \"" + f.to + "\"");
        }
    }
    s.text = json::serialize(doc);  // compact: the form the wire carries (messages.hpp)
    // Devices receive it as one string, and the decoders bound any string at 64 KiB
    // (sync::decode_limits::max_string_bytes): a larger schema could never reach them.
    if (s.text.size() > sync::decode_limits{}.max_string_bytes) {
        at.fail("is " + std::to_string(s.text.size()) + " bytes as compact JSON, above the " +
                std::to_string(sync::decode_limits{}.max_string_bytes) + " bytes devices accept");
    }
    return s;
}

schema load_schema_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw load_error(path + ": cannot read the schema file");
    std::ostringstream buf;
    buf << in.rdbuf();
    return parse_schema(buf.str(), path);
}

std::vector<std::string> incompatible_changes(const schema& older, const schema& newer) {
    std::vector<std::string> out;
    for (const auto& [tid, ot] : older.types) {
        const type_def* nt = newer.find(tid);
        if (nt == nullptr) {
            out.push_back("type " + tid + " was removed");
            continue;
        }
        for (const auto& [fid, of] : ot.fields) {
            const std::string at = "type " + tid + ", field " + fid + ": ";
            const auto it = nt->fields.find(fid);
            if (it == nt->fields.end()) {
                out.push_back(at + "removed");
                continue;
            }
            const field_def& nf = it->second;
            if (nf.type != of.type) {
                out.push_back(at + "type changed from " + std::string(type_name(of.type)) + " to " +
                              std::string(type_name(nf.type)));
                continue;
            }
            for (const auto& [value, l] : of.values) {
                if (nf.values.find(value) == nf.values.end())
                    out.push_back(at + "enum value " + value + " was removed");
            }
            if (nf.required && !of.required) out.push_back(at + "became required");
            if (nf.min && (!of.min || *nf.min > *of.min)) out.push_back(at + "min was raised");
            if (nf.max && (!of.max || *nf.max < *of.max)) out.push_back(at + "max was lowered");
            if (nf.min_date && (!of.min_date || *nf.min_date > *of.min_date))
                out.push_back(at + "min date was raised");
            if (nf.max_date && (!of.max_date || *nf.max_date < *of.max_date))
                out.push_back(at + "max date was lowered");
            if (nf.max_length && (!of.max_length || *nf.max_length < *of.max_length))
                out.push_back(at + "max_length was lowered");
            if (nf.pattern != of.pattern && nf.pattern)
                out.push_back(at + "pattern was added or changed");
            if (nf.to != of.to) out.push_back(at + "ref target changed");
        }
        // A new required field: devices on the old version cannot send it on create.
        for (const auto& [fid, nf] : nt->fields) {
            if (nf.required && ot.fields.find(fid) == ot.fields.end())
                out.push_back("type " + tid + ", field " + fid + ": new and required");
        }
    }
    return out;
}

}  // namespace sotay::schema
