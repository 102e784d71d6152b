// The reference evaluator (rules E1-E3 in evaluate.hpp): a plain loop over records, kept
// simple on purpose; it is the specification the store's SQL is checked against.
#include <charconv>
#include <cstdio>
#include <sotay/reports/evaluate.hpp>
#include <sotay/reports/facts.hpp>
#include <sotay/schema/schema.hpp>
#include <sotay/sync/merge.hpp>
#include <stdexcept>

#include "record_rules.hpp"

namespace sotay::reports {

namespace {

int year_of(std::string_view date) {
    int y = 0;
    std::from_chars(date.data(), date.data() + 4, y);
    return y;
}

void add(std::int64_t& into, std::int64_t v) {
    if (__builtin_add_overflow(into, v, &into))
        throw std::overflow_error("reports: a sum left the 64-bit range");
}

}  // namespace

namespace detail {

const sync::value* field_value(const sync::field_map& f, std::string_view field) {
    const auto it = f.find(field);
    return it == f.end() || sync::is_null(it->second) ? nullptr : &it->second;
}

namespace {

bool holds(const filter& fl, const sync::field_map& f) {
    const auto* v = field_value(f, fl.field);
    if (fl.kind == filter::op::is_set) return (v != nullptr) == fl.set;
    if (v == nullptr) return false;
    for (const auto& want : fl.values)
        if (*v == want) return true;
    return false;
}

}  // namespace

bool passes(const measure_def& m, const record_view& r) {
    if (r.deleted || r.fields == nullptr || r.type != m.type) return false;       // E1
    if (field_value(*r.fields, sync::merged_into_field) != nullptr) return false;  // E1
    for (const auto& f : m.filters)
        if (!holds(f, *r.fields)) return false;
    return true;
}

std::int64_t date_number(std::string_view date) {
    int y = 0, mo = 0, d = 0;
    std::from_chars(date.data(), date.data() + 4, y);
    std::from_chars(date.data() + 5, date.data() + 7, mo);
    std::from_chars(date.data() + 8, date.data() + 10, d);
    return std::int64_t{y} * 10'000 + mo * 100 + d;
}

std::optional<std::int64_t> time_position(const measure_def& m, const sync::field_map& f) {
    if (m.period == period_kind::none) return 0;
    const auto* v = field_value(f, m.period_field);
    if (v == nullptr) return std::nullopt;
    if (m.period == period_kind::date) {
        const auto* s = std::get_if<std::string>(v);
        if (s == nullptr || !schema::is_date(*s)) return std::nullopt;
        return date_number(*s);
    }
    const auto* y = std::get_if<std::int64_t>(v);
    if (y == nullptr) return std::nullopt;
    return *y;
}

const sync::value* aggregated_value(const measure_def& m, const sync::field_map& f) {
    static const sync::value one = std::int64_t{1};
    if (m.agg == aggregate::count) return &one;
    const auto* v = field_value(f, m.agg_field);
    if (v == nullptr) return nullptr;  // E3: unset adds nothing
    if (m.agg == aggregate::sum && !std::holds_alternative<std::int64_t>(*v))
        return nullptr;  // validated data always holds an integer here
    return v;
}

std::string distinct_key(const sync::value& v) {
    if (const auto* s = std::get_if<std::string>(&v)) return *s;
    if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
    if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
    return std::to_string(std::get<double>(v));
}

}  // namespace detail

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
    if (!detail::passes(m, r)) return false;
    const auto at = detail::time_position(m, *r.fields);
    const auto w = window_of(m, p);
    return at && *at >= w.lo && *at <= w.hi;
}

unit_values evaluate(const definitions& defs, const period& p,
                     std::span<const record_view> records) {
    unit_values out;
    for (const auto& r : records) {
        std::vector<measure_value>* row = nullptr;
        for (std::size_t i = 0; i < defs.measures.size(); ++i) {
            const auto& m = defs.measures[i];
            if (!counts(m, p, r)) continue;
            const sync::value* v = detail::aggregated_value(m, *r.fields);
            if (v == nullptr) continue;
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
                case aggregate::sum:
                    add(mv.value, std::get<std::int64_t>(*v));
                    break;
                case aggregate::count_distinct:
                    mv.keys.insert(detail::distinct_key(*v));
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
