// Parsing and checking schema/indicators.json (format: docs/reports.md). Every check that
// fails throws load_error naming the file, the measure or indicator and the member, so
// whoever edits the file can find the line to fix.
#include <boost/json.hpp>
#include <fstream>
#include <sotay/reports/indicators.hpp>
#include <sstream>

namespace sotay::reports {

namespace json = boost::json;

namespace {

// Builds error messages with their context ("schema/indicators.json: measure x, filter y").
struct context {
    std::string where;
    [[noreturn]] void fail(const std::string& what) const { throw load_error(where + ": " + what); }
    context with(const std::string& more) const { return {where + ", " + more}; }
};

void only_keys(const json::object& o, std::initializer_list<std::string_view> allowed,
               const context& c) {
    for (const auto& kv : o) {
        bool ok = false;
        for (auto a : allowed) ok = ok || kv.key() == a;
        if (!ok) c.fail("unknown member \"" + std::string(kv.key()) + "\"");
    }
}

const json::object& as_object(const json::value* v, const context& c, std::string_view name) {
    if (v == nullptr || !v->is_object()) c.fail(std::string(name) + " must be an object");
    return v->get_object();
}

std::string as_string(const json::value* v, const context& c, std::string_view name) {
    if (v == nullptr || !v->is_string() || v->get_string().empty())
        c.fail(std::string(name) + " must be a non-empty string");
    return std::string(v->get_string());
}

schema::label parse_label(const json::object& o, const context& c) {
    const auto& l = as_object(o.if_contains("label"), c, "label");
    only_keys(l, {"vi", "en"}, c.with("label"));
    return {as_string(l.if_contains("vi"), c, "label.vi"),
            as_string(l.if_contains("en"), c, "label.en")};
}

const schema::field_def& field_of(const schema::type_def& t, const std::string& field,
                                  const context& c) {
    const auto it = t.fields.find(field);
    if (it == t.fields.end()) c.fail("type " + t.id + " has no field \"" + field + "\"");
    return it->second;
}

std::string enum_values(const schema::field_def& f) {
    std::string out;
    for (const auto& kv : f.values) out += (out.empty() ? "" : ", ") + kv.first;
    return out;
}

// A filter value checked against its field's type (D1).
sync::value filter_value(const json::value& v, const schema::type_def& t,
                         const schema::field_def& f, const context& c) {
    switch (f.type) {
        case schema::field_type::boolean:
            if (!v.is_bool()) c.fail("value must be true or false (" + f.id + " is boolean)");
            return v.get_bool();
        case schema::field_type::integer:
            if (!v.is_int64()) c.fail("value must be an integer (" + f.id + " is integer)");
            return v.get_int64();
        case schema::field_type::enumeration: {
            if (!v.is_string()) c.fail("value must be a string (" + f.id + " is an enum)");
            const std::string s(v.get_string());
            if (f.values.find(s) == f.values.end())
                c.fail("value \"" + s + "\" is not a value of " + t.id + "." + f.id + " (" +
                       enum_values(f) + ")");
            return s;
        }
        default:
            c.fail("field " + f.id + " is " + std::string(schema::type_name(f.type)) +
                   ": eq and in filter boolean, enum and integer fields only");
    }
}

filter parse_filter(const json::value& v, const schema::type_def& t, const context& outer) {
    if (!v.is_object()) outer.fail("each filter in \"where\" must be an object");
    const auto& o = v.get_object();
    only_keys(o, {"field", "eq", "in", "is_set"}, outer);
    filter out;
    out.field = as_string(o.if_contains("field"), outer, "filter.field");
    const context c = outer.with("filter " + out.field);
    const auto& f = field_of(t, out.field, c);
    const int ops = int(o.contains("eq")) + int(o.contains("in")) + int(o.contains("is_set"));
    if (ops != 1) c.fail("a filter needs exactly one of eq, in, is_set");
    if (const auto* eq = o.if_contains("eq")) {
        out.kind = filter::op::eq;
        out.values.push_back(filter_value(*eq, t, f, c));
    } else if (const auto* in = o.if_contains("in")) {
        out.kind = filter::op::in;
        if (!in->is_array() || in->get_array().empty()) c.fail("in must be a non-empty array");
        for (const auto& e : in->get_array()) out.values.push_back(filter_value(e, t, f, c));
    } else {
        const auto& s = o.at("is_set");
        if (!s.is_bool()) c.fail("is_set must be true or false");
        out.kind = filter::op::is_set;
        out.set = s.get_bool();
    }
    return out;
}

measure_def parse_measure(std::string id, const json::value& v, const schema::schema& s,
                          const context& file) {
    const context c = file.with("measure " + id);
    const auto& o = as_object(&v, c, "a measure");
    only_keys(o, {"label", "type", "where", "period", "aggregate"}, c);
    measure_def m;
    m.id = std::move(id);
    m.name = parse_label(o, c);
    m.type = as_string(o.if_contains("type"), c, "type");
    const auto* t = s.find(m.type);
    if (t == nullptr) c.fail("unknown record type \"" + m.type + "\"");
    if (const auto* w = o.if_contains("where")) {
        if (!w->is_array()) c.fail("where must be an array of filters");
        for (const auto& f : w->get_array()) m.filters.push_back(parse_filter(f, *t, c));
    }
    if (const auto* p = o.if_contains("period")) {
        const context pc = c.with("period");
        const auto& po = as_object(p, pc, "period");
        only_keys(po, {"field"}, pc);
        m.period_field = as_string(po.if_contains("field"), pc, "period.field");
        const auto& f = field_of(*t, m.period_field, pc);
        if (f.type == schema::field_type::date) {
            m.period = period_kind::date;
        } else if (f.type == schema::field_type::integer) {
            m.period = period_kind::year;
        } else {
            pc.fail("field " + f.id + " is " + std::string(schema::type_name(f.type)) +
                    ": a period field must be a date or an integer year (D3)");
        }
    }
    const context ac = c.with("aggregate");
    const auto* a = o.if_contains("aggregate");
    if (a == nullptr)
        ac.fail("missing: use \"count\", {\"sum\": field} or {\"count_distinct\": field}");
    if (a->is_string() && a->get_string() == "count") {
        m.agg = aggregate::count;
    } else if (a->is_object() && a->get_object().size() == 1) {
        const auto& ao = a->get_object();
        only_keys(ao, {"sum", "count_distinct"}, ac);
        const bool sum = ao.contains("sum");
        m.agg = sum ? aggregate::sum : aggregate::count_distinct;
        m.agg_field = as_string(&ao.begin()->value(), ac, sum ? "sum" : "count_distinct");
        const auto& f = field_of(*t, m.agg_field, ac);
        if (sum) {
            if (f.type != schema::field_type::integer && f.type != schema::field_type::money)
                ac.fail("field " + f.id + " is " + std::string(schema::type_name(f.type)) +
                        ": sum needs an integer or money field (D3)");
            if (f.type == schema::field_type::money) m.result_unit = unit::money;
        }
    } else {
        ac.fail("must be \"count\", {\"sum\": field} or {\"count_distinct\": field}");
    }
    return m;
}

std::size_t measure_ref(const definitions& d, const json::object& o, std::string_view key,
                        const context& c) {
    const auto id = as_string(o.if_contains(key), c, key);
    const auto i = d.find_measure(id);
    if (i == definitions::npos) c.fail(std::string(key) + ": unknown measure \"" + id + "\"");
    return i;
}

indicator_def parse_indicator(const json::value& v, const definitions& d, const context& file) {
    if (!v.is_object()) file.fail("each indicator must be an object");
    const auto& o = v.get_object();
    indicator_def ind;
    ind.id = as_string(o.if_contains("id"), file, "indicator id");
    const context c = file.with("indicator " + ind.id);
    only_keys(o, {"id", "label", "lines"}, c);
    ind.name = parse_label(o, c);
    const auto* lines = o.if_contains("lines");
    if (lines == nullptr || !lines->is_array() || lines->get_array().empty())
        c.fail("lines must be a non-empty array");
    for (const auto& lv : lines->get_array()) {
        if (!lv.is_object()) c.fail("each line must be an object");
        const auto& lo = lv.get_object();
        line_def l;
        l.id = as_string(lo.if_contains("id"), c, "line id");
        const context lc = c.with("line " + l.id);
        only_keys(lo, {"id", "label", "measure", "numerator", "denominator"}, lc);
        for (const auto& other : ind.lines)
            if (other.id == l.id) lc.fail("line id used twice (D2)");
        l.name = parse_label(lo, lc);
        if (lo.contains("measure")) {
            if (lo.contains("numerator") || lo.contains("denominator"))
                lc.fail("a line is a measure or a ratio (numerator, denominator), not both");
            l.measure = measure_ref(d, lo, "measure", lc);
        } else {
            l.ratio = true;
            l.numerator = measure_ref(d, lo, "numerator", lc);
            l.denominator = measure_ref(d, lo, "denominator", lc);
        }
        ind.lines.push_back(std::move(l));
    }
    return ind;
}

}  // namespace

std::size_t definitions::find_measure(std::string_view id) const {
    for (std::size_t i = 0; i < measures.size(); ++i)
        if (measures[i].id == id) return i;
    return npos;
}

const indicator_def* definitions::find_indicator(std::string_view id) const {
    for (const auto& i : indicators)
        if (i.id == id) return &i;
    return nullptr;
}

definitions parse_definitions(std::string_view json_text, std::string_view source,
                              const schema::schema& s) {
    const context file{std::string(source)};
    boost::system::error_code ec;
    const json::value doc = json::parse(json_text, ec);
    if (ec) file.fail("not JSON: " + ec.message());
    const auto& root = as_object(&doc, file, "the document");
    only_keys(root, {"version", "measures", "indicators"}, file);
    definitions d;
    const auto* version = root.if_contains("version");
    if (version == nullptr || !version->is_int64() || version->get_int64() < 1 ||
        version->get_int64() > 1'000'000)
        file.fail("version must be a positive integer");
    d.version = static_cast<int>(version->get_int64());
    d.content_hash = 14695981039346656037ULL;
    for (const unsigned char c : json::serialize(doc)) {
        d.content_hash ^= c;
        d.content_hash *= 1099511628211ULL;
    }
    const auto& measures = as_object(root.if_contains("measures"), file, "measures");
    for (const auto& kv : measures) {  // in file order
        if (d.find_measure(kv.key()) != definitions::npos)
            file.fail("measure " + std::string(kv.key()) + ": id used twice (D2)");
        d.measures.push_back(parse_measure(std::string(kv.key()), kv.value(), s, file));
    }
    const auto* inds = root.if_contains("indicators");
    if (inds == nullptr || !inds->is_array()) file.fail("indicators must be an array");
    for (const auto& iv : inds->get_array()) {
        auto ind = parse_indicator(iv, d, file);
        if (d.find_indicator(ind.id) != nullptr)
            file.fail("indicator " + ind.id + ": id used twice (D2)");
        d.indicators.push_back(std::move(ind));
    }
    return d;
}

definitions load_definitions_file(const std::string& path, const schema::schema& s) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw load_error(path + ": cannot be read");
    std::ostringstream text;
    text << in.rdbuf();
    return parse_definitions(text.str(), path, s);
}

}  // namespace sotay::reports
