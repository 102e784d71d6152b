// The reference evaluator (rules E1-E3 in evaluate.hpp): a plain loop over records, kept
// simple on purpose; it is the specification the store's SQL is checked against.
#include <charconv>
#include <cstdio>
#include <sotay/reports/evaluate.hpp>
#include <sotay/schema/schema.hpp>
#include <sotay/sync/merge.hpp>
#include <stdexcept>

namespace sotay::reports {

namespace {

int year_of(std::string_view date) {
    int y = 0;
    std::from_chars(date.data(), date.data() + 4, y);
    return y;
}

const sync::value* get(const sync::field_map& f, std::string_view field) {
    const auto it = f.find(field);
    return it == f.end() || sync::is_null(it->second) ? nullptr : &it->second;
}

bool holds(const filter& fl, const sync::field_map& f) {
    const auto* v = get(f, fl.field);
    if (fl.kind == filter::op::is_set) return (v != nullptr) == fl.set;
    if (v == nullptr) return false;
    for (const auto& want : fl.values)
        if (*v == want) return true;
    return false;
}

bool in_period(const measure_def& m, const period& p, const sync::field_map& f) {
    if (m.period == period_kind::none) return true;
    const auto* v = get(f, m.period_field);
    if (v == nullptr) return false;
    if (m.period == period_kind::date) {
        const auto* s = std::get_if<std::string>(v);
        return s != nullptr && *s >= p.from && *s <= p.to;
    }
    const auto* y = std::get_if<std::int64_t>(v);
    return y != nullptr && *y >= p.from_year() && *y <= p.to_year();
}

std::string key_of(const sync::value& v) {
    if (const auto* s = std::get_if<std::string>(&v)) return *s;
    if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
    if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
    return std::to_string(std::get<double>(v));
}

void add(std::int64_t& into, std::int64_t v) {
    if (__builtin_add_overflow(into, v, &into))
        throw std::overflow_error("reports: a sum left the 64-bit range");
}

}  // namespace

int period::from_year() const {
    return year_of(from);
}
int period::to_year() const {
    return year_of(to);
}

period_result make_period(std::string_view from, std::string_view to) {
    period_result r;
    r.error.code = sync::errc::bad_message;
    if (!schema::is_date(from)) {
        r.error.message = "the period's start \"" + std::string(from) +
                          "\" is not a date: write YYYY-MM-DD, e.g. 2022-01-01";
    } else if (!schema::is_date(to)) {
        r.error.message = "the period's end \"" + std::string(to) +
                          "\" is not a date: write YYYY-MM-DD, e.g. 2022-12-31";
    } else if (to < from) {
        r.error.message = "the period ends (" + std::string(to) + ") before it starts (" +
                          std::string(from) + "): swap the dates";
    } else {
        r.value = period{std::string(from), std::string(to)};
        r.error = {};
        r.error.code = sync::errc::ok;
    }
    return r;
}

std::optional<period> year_period(int year) {
    if (year < 1 || year > 9999) return std::nullopt;
    char buf[5];
    std::snprintf(buf, sizeof buf, "%04d", year);
    return period{std::string(buf) + "-01-01", std::string(buf) + "-12-31"};
}

bool counts(const measure_def& m, const period& p, const record_view& r) {
    if (r.deleted || r.fields == nullptr || r.type != m.type) return false;  // E1
    if (get(*r.fields, sync::merged_into_field) != nullptr) return false;    // E1
    for (const auto& f : m.filters)
        if (!holds(f, *r.fields)) return false;
    return in_period(m, p, *r.fields);
}

unit_values evaluate(const definitions& defs, const period& p,
                     std::span<const record_view> records) {
    unit_values out;
    for (const auto& r : records) {
        std::vector<measure_value>* row = nullptr;
        for (std::size_t i = 0; i < defs.measures.size(); ++i) {
            const auto& m = defs.measures[i];
            if (!counts(m, p, r)) continue;
            const sync::value* v = nullptr;
            if (m.agg != aggregate::count) {
                v = get(*r.fields, m.agg_field);
                if (v == nullptr) continue;  // E3: unset adds nothing
                if (m.agg == aggregate::sum && !std::holds_alternative<std::int64_t>(*v))
                    continue;  // validated data always holds an integer here
            }
            if (row == nullptr) {
                auto it = out.find(r.org_unit);
                if (it == out.end())
                    it = out.emplace(std::string(r.org_unit),
                                     std::vector<measure_value>(defs.measures.size()))
                             .first;
                row = &it->second;
            }
            auto& mv = (*row)[i];
            switch (m.agg) {
                case aggregate::count:
                    add(mv.value, 1);
                    break;
                case aggregate::sum:
                    add(mv.value, std::get<std::int64_t>(*v));
                    break;
                case aggregate::count_distinct:
                    mv.keys.insert(key_of(*v));
                    mv.value = static_cast<std::int64_t>(mv.keys.size());
                    break;
            }
        }
    }
    return out;
}

void accumulate(std::vector<measure_value>& into, const std::vector<measure_value>& from,
                const definitions& defs) {
    for (std::size_t i = 0; i < defs.measures.size() && i < from.size(); ++i) {
        if (defs.measures[i].agg == aggregate::count_distinct) {
            into[i].keys.insert(from[i].keys.begin(), from[i].keys.end());
            into[i].value = static_cast<std::int64_t>(into[i].keys.size());
        } else {
            add(into[i].value, from[i].value);
        }
    }
}

}  // namespace sotay::reports
