// The store's report figures (store.hpp F1-F3; docs/reports.md, "How the store computes
// figures"): every shipped indicator on hand-computed records written through the store,
// what stops and starts counting (deletes, moves, merges, quarantine, restores), the
// incremental refresh and its rebuilds, and a property against the reference evaluator
// over random changes from several devices. The tree is tests/server/fixture.hpp's:
// LS -> {LS.CL -> LS.CL.X1, LS.TP -> {LS.TP.P1, LS.TP.P2}}.
#include "fixture.hpp"
#include "raw_db.hpp"

#include <sotay/reports/facts.hpp>
#include <sotay/store/report_query.hpp>
#include <sotay/sync/merge.hpp>

#include <boost/test/unit_test.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>

namespace {
using namespace sotay;
using test::raw_db;
constexpr auto t0 = static_cast<std::uint64_t>(test::store_env::start_ms);
constexpr const char* P1 = "LS.TP.P1";
constexpr const char* P2 = "LS.TP.P2";

std::shared_ptr<const schema::schema> default_schema() {
    static const auto s = std::make_shared<const schema::schema>(
        schema::load_schema_file(std::string(SOTAY_SOURCE_DIR) + "/schema/default.json"));
    return s;
}

const reports::definitions& real_definitions() {
    static const auto d = reports::load_definitions_file(
        std::string(SOTAY_SOURCE_DIR) + "/schema/indicators.json", *default_schema());
    return d;
}

// A definition set of its own: every petition whatever its date, and a sum of people.
const reports::definitions& small_definitions() {
    static const auto d = reports::parse_definitions(R"({
      "version": 1,
      "measures": {
        "all_petitions": {"label": {"vi": "mọi đơn", "en": "all petitions"},
                          "type": "petition", "aggregate": "count"},
        "people": {"label": {"vi": "lượt người", "en": "people"},
                   "type": "citizen_contact", "aggregate": {"sum": "people_count"}}
      },
      "indicators": [
        {"id": "small", "label": {"vi": "nhỏ", "en": "small"},
         "lines": [{"id": "n", "label": {"vi": "đơn", "en": "petitions"},
                    "measure": "all_petitions"}]}
      ]
    })",
                                                     "small definitions", *default_schema());
    return d;
}

const reports::period year_2022 = *reports::year_period(2022);

sync::value str(const std::string& s) {
    return s;
}
sync::value num(std::int64_t n) {
    return n;
}

// Values per unit as text, so that a failed comparison shows both sides.
std::string dump(const reports::unit_values& v) {
    std::ostringstream out;
    for (const auto& [unit, values] : v) {
        out << unit << ':';
        for (const auto& m : values) {
            out << ' ' << m.value;
            if (!m.keys.empty()) {
                out << '{';
                for (const auto& k : m.keys) out << k << ',';
                out << '}';
            }
        }
        out << '\n';
    }
    return out.str();
}

const reports::line_def& line_of(const reports::definitions& d, const std::string& indicator,
                                 const std::string& line) {
    const auto* ind = d.find_indicator(indicator);
    if (ind == nullptr) throw std::runtime_error("no indicator " + indicator);
    for (const auto& l : ind->lines)
        if (l.id == line) return l;
    throw std::runtime_error("no line " + line + " in " + indicator);
}

// A line's figure as text: "12" for a measure, "3/4" for a ratio.
std::string shown(const std::vector<reports::measure_value>& values, const std::string& indicator,
                  const std::string& line) {
    const auto f = reports::figure_of(real_definitions(),
                                      line_of(real_definitions(), indicator, line), values);
    return f.ratio ? std::to_string(f.numerator) + "/" + std::to_string(f.denominator)
                   : std::to_string(f.value);
}

const reports::breakdown_line& part(const reports::rollup& r, const std::string& unit,
                                    bool direct = false) {
    for (const auto& l : r.lines)
        if (l.org_unit == unit && l.direct == direct) return l;
    throw std::runtime_error("no line " + unit);
}

// What a finished refresh leaves: the by-record index there, the stage empty.
void check_settled(const std::string& path) {
    raw_db raw(path);
    BOOST_TEST(raw.one("SELECT count(*) FROM sqlite_master WHERE name = "
                       "'report_facts_by_record'") == "1");
    BOOST_TEST(raw.one("SELECT count(*) FROM report_facts_stage") == "0");
    BOOST_TEST(raw.one("SELECT value FROM meta WHERE key = 'report_facts.building'") == "0");
}

// A store with the real schema (or none), two officers' phones at LS (the whole tree) and
// a reviewer at LS.
struct report_world {
    test::store_env env;
    std::unique_ptr<store::store> s;
    std::string a, b;
    std::map<std::string, std::uint64_t> seqs;
    std::uint64_t clock = 0;  // ms after t0 of the last change made
    int next = 0;

    explicit report_world(bool with_schema = true) {
        if (with_schema) env.schema = default_schema();
        s = env.open();
        test::add_user(*s, "canbo.b", access::role::officer, "LS");
        test::add_user(*s, "xem", access::role::reviewer, "LS");
        a = test::add_device(*s, test::officer);
        b = test::add_device(*s, "canbo.b");
    }

    // One change from `dev`, with the device's next seq and a later clock.
    sync::change_result send(const std::string& dev, sync::change_msg c) {
        c.seq = ++seqs[dev];
        c.hlc = sync::format_hlc({t0 + (clock += 10), 0});
        return test::push(*s, dev, {std::move(c)}).results.at(0);
    }
    std::string create(const std::string& type, const std::string& unit, sync::field_map f,
                       const std::string& dev = "") {
        sync::change_msg c;
        c.record = test::record_id(++next);
        c.type = type;
        c.org_unit = unit;
        c.set = std::move(f);
        const auto r = send(dev.empty() ? a : dev, c);
        BOOST_REQUIRE_MESSAGE(r.status == sync::change_status::applied,
                              "create " + type + ": " + (r.error ? r.error->message : ""));
        return c.record;
    }
    sync::record_msg current(const std::string& id) {
        auto r = s->record(id, store::scope_filter::all());
        BOOST_REQUIRE(r.has_value());
        return *r;
    }
    // A change made on top of the record's current version; `unit` moves it.
    sync::change_msg on_top(const std::string& id, sync::field_map f, std::string unit = "") {
        const auto r = current(id);
        sync::change_msg c;
        c.record = id;
        c.type = r.type;
        c.org_unit = unit.empty() ? r.org_unit : std::move(unit);
        c.base = r.version;
        c.set = std::move(f);
        return c;
    }
    sync::change_result edit(const std::string& id, sync::field_map f, std::string unit = "") {
        return send(a, on_top(id, std::move(f), std::move(unit)));
    }
    sync::change_result remove(const std::string& id) {
        auto c = on_top(id, {});
        c.del = true;
        return send(a, c);
    }
    reports::unit_values values(const reports::definitions& d = real_definitions(),
                                const reports::period& p = year_2022,
                                const store::scope_filter& scope = store::scope_filter::all()) {
        auto v = s->report_values(d, p, scope);
        BOOST_REQUIRE_MESSAGE(v.has_value(), (v ? "" : v.error().message));
        return v->values;
    }
    // One measure's value at one unit (0 when the unit has nothing counted).
    std::int64_t value(const std::string& measure, const std::string& unit,
                       const reports::definitions& d = real_definitions()) {
        const auto v = values(d);
        const auto it = v.find(unit);
        return it == v.end() ? 0 : it->second.at(d.find_measure(measure)).value;
    }
    store::report_result report(const std::string& root, const reports::period& p = year_2022) {
        store::report_request req;
        req.root = root;
        req.period = p;
        req.now_ms = test::store_env::start_ms;
        auto r = store::make_report(*s, real_definitions(), *s->org_tree().tree, req);
        BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
        return std::move(*r);
    }
    // What the evaluator gives over the live records in scope, as every device pulls them.
    reports::unit_values expected(const reports::definitions& d, const reports::period& p,
                                  const store::scope_filter& scope = store::scope_filter::all()) {
        const auto page = s->pull(0, 1'000'000);
        BOOST_REQUIRE(page.has_value());
        std::vector<reports::record_view> live;
        for (const auto& r : page->records)
            if (!r.deleted && scope.contains(r.org_unit))
                live.push_back({r.type, r.org_unit, &r.fields, false});
        return reports::evaluate(d, p, live);
    }
};

sync::field_map member(const std::string& id_number, const std::string& status) {
    return {{"full_name", str("Đảng viên " + id_number)},
            {"id_number", str(id_number)},
            {"joined_on", str("2001-05-19")},
            {"status", str(status)}};
}

sync::field_map commitment(const std::string& member_id, std::int64_t year) {
    return {{"member", str(member_id)}, {"year", num(year)}, {"status", str("registered")}};
}

sync::field_map petition(const std::string& received_on, const std::string& kind,
                         const std::string& status, std::optional<bool> within = std::nullopt) {
    sync::field_map f{
        {"received_on", str(received_on)}, {"kind", str(kind)}, {"status", str(status)}};
    if (within) f["within_authority"] = *within;
    return f;
}

// Random changes that pass the real schema, from four devices of different scopes: a and
// b at LS, c at LS.CL, d at LS.TP. Creates, edits (sometimes on a version the device had
// not caught up with, so the merge and the review queue take part), moves, deletes,
// changes the schema or the scope refuses, and now and then a reviewer merging duplicate
// members or restoring a deleted record.
struct random_world : report_world {
    std::mt19937 rng;
    std::string c, d;
    std::map<std::string, std::vector<std::string>> units_of;  // device -> its subtree
    std::vector<std::string> records, members;
    std::vector<std::string> all_units;

    explicit random_world(unsigned seed) : rng(seed) {
        test::add_user(*s, "canbo.cl", access::role::officer, "LS.CL");
        test::add_user(*s, "canbo.tp", access::role::officer, "LS.TP");
        c = test::add_device(*s, "canbo.cl");
        d = test::add_device(*s, "canbo.tp");
        const auto tree = s->org_tree().tree;
        units_of[a] = units_of[b] = tree->subtree("LS");
        units_of[c] = tree->subtree("LS.CL");
        units_of[d] = tree->subtree("LS.TP");
        all_units = tree->subtree("LS");
    }

    int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
    bool chance(int percent) { return pick(1, 100) <= percent; }
    template <typename T>
    const T& one_of(const std::vector<T>& xs) {
        return xs.at(static_cast<std::size_t>(pick(0, static_cast<int>(xs.size()) - 1)));
    }
    std::string date() {
        char buf[16];
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", pick(2020, 2024), pick(1, 12),
                      pick(1, 28));
        return buf;
    }
    reports::period period() {
        auto from = date(), to = date();
        if (to < from) std::swap(from, to);
        return {from, to};
    }
    store::scope_filter scope() {
        if (chance(15)) return store::scope_filter::all();
        return test::subtree(*s, one_of(all_units));
    }

    // A value the field accepts, from small sets so that filters and keys meet often.
    sync::value value_of(const schema::field_def& f) {
        using t = schema::field_type;
        switch (f.type) {
            case t::date:
                return date();
            case t::enumeration: {
                std::vector<std::string> keys;
                for (const auto& [k, l] : f.values) keys.push_back(k);
                return one_of(keys);
            }
            case t::boolean:
                return chance(50);
            case t::integer:
                return std::int64_t{f.id == "year" ? pick(2020, 2024) : pick(0, 500)};
            case t::money:
                return std::int64_t{pick(0, 2'000'000) * std::int64_t{1000}};
            case t::ref:
                return members.empty() || chance(10) ? test::record_id(pick(900, 999))
                                                     : one_of(members);
            case t::org_unit:
                return one_of(all_units);
            case t::string:
            case t::text:
                break;
        }
        if (f.pattern) return one_of(std::vector<std::string>{"012345678901", "123456789"});
        return one_of(std::vector<std::string>{"Một", "Hai", "Ba"});
    }
    sync::field_map fields_for_create(const schema::type_def& t) {
        sync::field_map f;
        for (const auto& [name, def] : t.fields)
            if (def.required || chance(60)) f[name] = value_of(def);
        return f;
    }
    sync::field_map fields_for_edit(const schema::type_def& t) {
        sync::field_map f;
        std::vector<const schema::field_def*> defs;
        for (const auto& [name, def] : t.fields) defs.push_back(&def);
        for (int i = pick(1, 3); i > 0; --i) {
            const auto* def = one_of(defs);
            f[def->id] = !def->required && chance(20) ? sync::value{} : value_of(*def);
        }
        return f;
    }

    void one_change() {
        const std::string dev = one_of(std::vector<std::string>{a, b, c, d});
        const auto& mine = units_of.at(dev);
        const int op = pick(1, 100);
        if (op <= 45 || records.empty()) {  // create, 5 in 100 refused
            std::vector<std::string> types;
            for (const auto& [id, t] : default_schema()->types) types.push_back(id);
            const auto& type = default_schema()->types.at(one_of(types));
            sync::change_msg ch;
            ch.record = test::record_id(++next);
            ch.type = type.id;
            ch.org_unit = chance(3) ? one_of(all_units) : one_of(mine);
            ch.set = fields_for_create(type);
            if (chance(3)) ch.set.erase(ch.set.begin());  // often a required field
            if (send(dev, ch).status == sync::change_status::applied) {
                records.push_back(ch.record);
                if (type.id == "member") members.push_back(ch.record);
            }
            return;
        }
        const auto id = one_of(records);
        auto ch = on_top(id, {});
        if (ch.base > 1 && chance(20)) --ch.base;  // had not seen the last change
        if (op <= 75) {
            ch.set = fields_for_edit(default_schema()->types.at(ch.type));
            if (chance(3)) ch.set["status"] = str("no-such-status");
        } else if (op <= 88) {
            ch.org_unit = chance(5) ? one_of(all_units) : one_of(mine);
        } else {
            ch.del = true;
        }
        send(dev, ch);
    }

    // A reviewer merges a duplicate member or restores a deleted record, if one is open.
    void decide_something() {
        store::review_query q;
        q.state = "open";
        q.kind = chance(50) ? "duplicate" : "delete_edit";
        const auto page = s->review_items(q);
        BOOST_REQUIRE(page.has_value());
        for (const auto& item : page->items) {
            store::review_decision dec{item.item, "xem", store::review_action::restore};
            if (item.kind == "duplicate") {
                dec.action = store::review_action::merge;
                dec.survivor = item.other_record;
            }
            if (s->decide(dec)) return;  // superseded ones are refused: try the next
        }
    }

    // F1 for one random period and scope.
    void check(const std::string& what) {
        const auto p = period();
        const auto sc = scope();
        const auto got = s->report_values(real_definitions(), p, sc);
        BOOST_REQUIRE_MESSAGE(got.has_value(), (got ? "" : got.error().message));
        BOOST_TEST(got->as_of == s->head(), what);
        BOOST_TEST(dump(got->values) == dump(expected(real_definitions(), p, sc)),
                   what << " period " << p.from << ".." << p.to << " scope "
                        << (sc.everything ? std::string("all") : sc.codes.front()));
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(store_reports)

// F1 on every shipped indicator; the numbers in the comments are counted by hand.
BOOST_AUTO_TEST_CASE(every_shipped_indicator_gives_its_hand_computed_figures) {
    report_world w;
    // Members (a snapshot): active in P1 {m1, m2}, in P2 {m4}; m3 moved away, m5 died;
    // m6 is active in LS.CL.X1, outside LS.TP.
    const auto m1 = w.create("member", P1, member("012345678901", "active"));
    const auto m2 = w.create("member", P1, member("012345678902", "active"));
    w.create("member", P1, member("012345678903", "moved"));
    const auto m4 = w.create("member", P2, member("012345678904", "active"));
    w.create("member", P2, member("012345678905", "deceased"));
    w.create("member", "LS.CL.X1", member("012345678906", "active"));
    // Commitments of 2022: m1 in P1, m1 again in P2, m4 in P2; m2's is for 2021. Members
    // with one: P1 {m1} = 1 of 2 active; P2 {m1, m4} = 2 of 1; LS.TP the union {m1, m4} =
    // 2 of 3, so the parts (1 + 2) add up to more than the total.
    w.create("commitment", P1, commitment(m1, 2022));
    w.create("commitment", P2, commitment(m1, 2022));
    w.create("commitment", P2, commitment(m4, 2022));
    w.create("commitment", P1, commitment(m2, 2021));
    // Pressing issues by the day identified: P1 03-01 resolved, 05-01 open, 2021-12-31
    // resolved (out); P2 12-31 resolved. Identified 2 + 1 = 3, resolved 1 + 1 = 2.
    auto issue = [](const char* on, const char* status) {
        return sync::field_map{{"identified_on", str(on)}, {"status", str(status)}};
    };
    w.create("pressing_issue", P1, issue("2022-03-01", "resolved"));
    w.create("pressing_issue", P1, issue("2022-05-01", "open"));
    w.create("pressing_issue", P1, issue("2021-12-31", "resolved"));
    w.create("pressing_issue", P2, issue("2022-12-31", "resolved"));
    // Cell meetings: P1 01-10 with study, 02-10 without, 2023-01-10 (out); P2 04-04 with,
    // 06-06 unsaid. Held 2 + 2 = 4, with study 1 + 1 = 2.
    auto meeting = [](const char* on, std::optional<bool> study) {
        sync::field_map f{{"held_on", str(on)}};
        if (study) f["has_study_content"] = *study;
        return f;
    };
    w.create("study_session", P1, meeting("2022-01-10", true));
    w.create("study_session", P1, meeting("2022-02-10", false));
    w.create("study_session", P1, meeting("2023-01-10", true));
    w.create("study_session", P2, meeting("2022-04-04", true));
    w.create("study_session", P2, meeting("2022-06-06", std::nullopt));
    // Models: P1 w1 registered 02-01, completed 10-01, 719.690.000 đ; w2 registered in
    // 2021, completed 2022-03-01, 1 tỷ (completed in 2022, value in 2021); P2 w3
    // registered 05-05, 280.310.000 đ; w4 registered 07-07, no value. Registered 1 + 2 =
    // 3, completed 2 + 0 = 2, value 719.690.000 + 280.310.000 = 1.000.000.000.
    auto model = [](const char* name, const char* on, const char* status,
                    std::optional<const char*> done, std::optional<std::int64_t> vnd) {
        sync::field_map f{{"name", str(name)}, {"registered_on", str(on)}, {"status", str(status)}};
        if (done) f["completed_on"] = str(*done);
        if (vnd) f["value_vnd"] = *vnd;
        return f;
    };
    w.create("model_work", P1,
             model("Đường bê tông", "2022-02-01", "completed", "2022-10-01", 719'690'000));
    w.create("model_work", P1,
             model("Nhà văn hóa", "2021-11-01", "completed", "2022-03-01", 1'000'000'000));
    w.create("model_work", P2,
             model("Vườn mẫu", "2022-05-05", "in_progress", std::nullopt, 280'310'000));
    w.create("model_work", P2,
             model("Đèn đường", "2022-07-07", "registered", std::nullopt, std::nullopt));
    // Citizen reception: P1 25 people received (and a dialogue of 40, not a reception);
    // P2 12, one reception without a count, 100 in 2021 (out). People 25 + 12 = 37.
    auto contact = [](const char* on, const char* kind, std::optional<std::int64_t> people) {
        sync::field_map f{{"held_on", str(on)}, {"kind", str(kind)}};
        if (people) f["people_count"] = *people;
        return f;
    };
    w.create("citizen_contact", P1, contact("2022-03-03", "reception", 25));
    w.create("citizen_contact", P1, contact("2022-04-04", "dialogue", 40));
    w.create("citizen_contact", P2, contact("2022-05-05", "reception", 12));
    w.create("citizen_contact", P2, contact("2022-06-06", "reception", std::nullopt));
    w.create("citizen_contact", P2, contact("2021-05-05", "reception", 100));
    // Petitions: P1 a complaint within authority resolved, a denunciation within authority
    // in process, a "petition" (kind) within authority resolved (not a complaint), a
    // complaint outside authority resolved; P2 a complaint within authority resolved, the
    // same in 2021 (out), a feedback; LS.TP itself a complaint within authority resolved.
    // Received 4 + 2 + 1 = 7, within authority 2 + 1 + 1 = 4, resolved 1 + 1 + 1 = 3.
    w.create("petition", P1, petition("2022-01-05", "complaint", "resolved", true));
    w.create("petition", P1, petition("2022-02-05", "denunciation", "processing", true));
    w.create("petition", P1, petition("2022-03-05", "petition", "resolved", true));
    w.create("petition", P1, petition("2022-04-05", "complaint", "resolved", false));
    w.create("petition", P2, petition("2022-05-05", "complaint", "resolved", true));
    w.create("petition", P2, petition("2021-06-05", "complaint", "resolved", true));
    w.create("petition", P2, petition("2022-07-05", "feedback", "received"));
    w.create("petition", "LS.TP", petition("2022-08-08", "complaint", "resolved", true));
    // Inspections: P1 inspection of an organisation (not disciplined), of a member
    // (disciplined), supervision of a member (disciplined); P2 supervision of an
    // organisation, inspection of an organisation (disciplined), an inspection of a member
    // in 2021 (out).
    auto check = [](const char* on, const char* kind, const char* target, bool disciplined) {
        return sync::field_map{{"held_on", str(on)},
                               {"kind", str(kind)},
                               {"target_kind", str(target)},
                               {"disciplined", disciplined}};
    };
    w.create("inspection", P1, check("2022-02-02", "inspection", "organisation", false));
    w.create("inspection", P1, check("2022-03-03", "inspection", "member", true));
    w.create("inspection", P1, check("2022-04-04", "supervision", "member", true));
    w.create("inspection", P2, check("2022-05-05", "supervision", "organisation", false));
    w.create("inspection", P2, check("2022-06-06", "inspection", "organisation", true));
    w.create("inspection", P2, check("2021-06-06", "inspection", "member", true));
    // Exemplars: P1 a collective, two individuals; P2 an individual in 2021 (out), a
    // collective, one of no stated kind.
    auto exemplar = [](const char* name, const char* on, std::optional<const char*> kind) {
        sync::field_map f{{"name", str(name)}, {"honoured_on", str(on)}};
        if (kind) f["honoree_kind"] = str(*kind);
        return f;
    };
    w.create("exemplar", P1, exemplar("Chi bộ thôn 1", "2022-09-02", "collective"));
    w.create("exemplar", P1, exemplar("Bà Hoàng Thị Lan", "2022-05-19", "individual"));
    w.create("exemplar", P1, exemplar("Ông Lý Văn Sơn", "2022-05-19", "individual"));
    w.create("exemplar", P2, exemplar("Ông Nông Văn Tài", "2021-05-19", "individual"));
    w.create("exemplar", P2, exemplar("Hội phụ nữ", "2022-01-01", "collective"));
    w.create("exemplar", P2, exemplar("Tổ dân phố 3", "2022-01-01", std::nullopt));

    struct expect {
        const char *indicator, *line, *p1, *p2, *direct, *total;
    };
    const expect table[] = {
        {"commitment_registration", "rate", "1/2", "2/1", "0/0", "2/3"},
        {"pressing_issues", "identified", "2", "1", "0", "3"},
        {"pressing_issues", "resolved", "1", "1", "0", "2"},
        {"pressing_issues", "rate", "1/2", "1/1", "0/0", "2/3"},
        {"study_content", "rate", "1/2", "1/2", "0/0", "2/4"},
        {"models", "registered", "1", "2", "0", "3"},
        {"models", "completed", "2", "0", "0", "2"},
        {"models", "value", "719690000", "280310000", "0", "1000000000"},
        {"citizen_reception", "people", "25", "12", "0", "37"},
        {"petitions", "received", "4", "2", "1", "7"},
        {"petitions", "within_authority", "2", "1", "1", "4"},
        {"petitions", "resolved", "1", "1", "1", "3"},
        {"petitions", "rate", "1/2", "1/1", "1/1", "3/4"},
        {"inspection", "organisations_inspected", "1", "1", "0", "2"},
        {"inspection", "members_inspected", "1", "0", "0", "1"},
        {"inspection", "organisations_supervised", "0", "1", "0", "1"},
        {"inspection", "members_supervised", "1", "0", "0", "1"},
        {"inspection", "organisations_disciplined", "0", "1", "0", "1"},
        {"inspection", "members_disciplined", "2", "0", "0", "2"},
        {"exemplars", "collectives", "1", "1", "0", "2"},
        {"exemplars", "individuals", "2", "0", "0", "2"},
    };
    const auto r = w.report("LS.TP");
    BOOST_TEST(r.as_of == w.s->head());
    BOOST_REQUIRE_EQUAL(r.rollup.lines.size(), 3u);  // P1, P2 and LS.TP's own petition
    std::set<std::string> lines_seen;
    for (const auto& e : table) {
        const std::string what = std::string(e.indicator) + "." + e.line;
        BOOST_TEST(shown(part(r.rollup, P1).values, e.indicator, e.line) == e.p1, what);
        BOOST_TEST(shown(part(r.rollup, P2).values, e.indicator, e.line) == e.p2, what);
        BOOST_TEST(shown(part(r.rollup, "LS.TP", true).values, e.indicator, e.line) == e.direct,
                   what);
        BOOST_TEST(shown(r.rollup.total, e.indicator, e.line) == e.total, what);
        lines_seen.insert(what);
    }
    // The table covers every line of every shipped indicator.
    std::size_t shipped = 0;
    for (const auto& ind : real_definitions().indicators) shipped += ind.lines.size();
    BOOST_TEST(lines_seen.size() == shipped);

    // The province: LS.CL's active member joins; LS.TP's line is the district's total.
    const auto ls = w.report("LS");
    BOOST_TEST(shown(part(ls.rollup, "LS.CL").values, "commitment_registration", "rate") == "0/1");
    BOOST_TEST(shown(part(ls.rollup, "LS.TP").values, "commitment_registration", "rate") == "2/3");
    BOOST_TEST(shown(ls.rollup.total, "commitment_registration", "rate") == "2/4");
    BOOST_TEST(shown(ls.rollup.total, "petitions", "received") == "7");
    // And the same numbers as the evaluator gives over the pulled records (F1).
    BOOST_TEST(dump(w.values()) == dump(w.expected(real_definitions(), year_2022)));
}

// E1 through the store: what a delete, a move, a merge, the quarantine and a restore do.
BOOST_AUTO_TEST_CASE(only_live_records_count_and_where_they_are_now) {
    report_world w;
    auto received = [&](const char* unit) { return w.value("petitions_received", unit); };
    auto within = [&](const char* unit) { return w.value("petitions_within_authority", unit); };
    const auto p1 = w.create("petition", P1, petition("2022-03-04", "complaint", "received", true));
    const auto p2 = w.create("petition", P1, petition("2022-03-05", "complaint", "received", true));
    BOOST_TEST(received(P1) == 2);

    BOOST_TEST((w.remove(p1).status == sync::change_status::applied));
    BOOST_TEST(received(P1) == 1);

    // Moved to P2: counted there only.
    BOOST_TEST((w.edit(p2, {}, P2).status == sync::change_status::applied));
    BOOST_TEST(received(P1) == 0);
    BOOST_TEST(received(P2) == 1);
    BOOST_TEST(w.values().count(P1) == 0u);  // no unit with nothing counted

    // Quarantined: a create without its required status, an edit to an unknown kind.
    sync::change_msg bad;
    bad.record = test::record_id(++w.next);
    bad.type = "petition";
    bad.org_unit = P2;
    bad.set = {{"received_on", str("2022-05-05")}, {"kind", str("complaint")}};
    BOOST_TEST((w.send(w.a, bad).status == sync::change_status::rejected));
    BOOST_TEST((w.edit(p2, {{"kind", str("gossip")}}).status == sync::change_status::rejected));
    BOOST_TEST(received(P2) == 1);
    BOOST_TEST(within(P2) == 1);

    // A duplicate member merged by a reviewer counts once, and the commitment made
    // against the merged-away entry now names the survivor: one member with one.
    const auto m1 = w.create("member", P1, member("012345678901", "active"));
    const auto m2 = w.create("member", P2, member("012345678901", "active"));
    w.create("commitment", P1, commitment(m1, 2022));
    w.create("commitment", P2, commitment(m2, 2022));
    auto before = w.report("LS.TP");
    BOOST_TEST(shown(before.rollup.total, "commitment_registration", "rate") == "2/2");
    store::review_query q;
    q.kind = "duplicate";
    q.type = "member";
    const auto items = w.s->review_items(q);
    BOOST_REQUIRE(items.has_value());
    BOOST_REQUIRE_EQUAL(items->items.size(), 1u);
    store::review_decision merge{items->items[0].item, "xem", store::review_action::merge};
    merge.survivor = m1;
    const auto merged = w.s->decide(merge);
    BOOST_REQUIRE_MESSAGE(merged.has_value(), (merged ? "" : merged.error().message));
    auto after = w.report("LS.TP");
    BOOST_TEST(shown(after.rollup.total, "commitment_registration", "rate") == "1/1");
    BOOST_TEST(shown(part(after.rollup, P2).values, "commitment_registration", "rate") == "1/0");
    BOOST_TEST(after.as_of == w.s->head());

    // A delete that met a concurrent edit, restored by the reviewer: counts again.
    const auto p3 =
        w.create("petition", P1, petition("2022-06-01", "denunciation", "received", true));
    BOOST_TEST(
        (w.edit(p3, {{"status", str("processing")}}).status == sync::change_status::applied));
    sync::change_msg del;
    del.record = p3;
    del.type = "petition";
    del.org_unit = P1;
    del.base = 1;  // b had not seen a's edit
    del.del = true;
    BOOST_TEST((w.send(w.b, del).status == sync::change_status::applied));
    BOOST_TEST(w.current(p3).deleted);
    BOOST_TEST(within(P1) == 0);
    q.kind = "delete_edit";
    q.type.reset();
    const auto open = w.s->review_items(q);
    BOOST_REQUIRE(open.has_value());
    BOOST_REQUIRE_EQUAL(open->items.size(), 1u);
    const auto restored = w.s->decide({open->items[0].item, "xem", store::review_action::restore});
    BOOST_REQUIRE_MESSAGE(restored.has_value(), (restored ? "" : restored.error().message));
    BOOST_TEST(within(P1) == 1);
    BOOST_TEST(dump(w.values()) == dump(w.expected(real_definitions(), year_2022)));
}

// F2: a refresh recomputes the records changed since the mark, and nothing else.
BOOST_AUTO_TEST_CASE(a_refresh_recomputes_only_the_records_changed_since_the_mark) {
    report_world w;
    const auto& d = real_definitions();
    w.create("petition", P1, petition("2022-03-04", "complaint", "resolved", true));
    const auto p2 = w.create("petition", P1, petition("2022-03-05", "complaint", "received", true));
    w.create("petition", P2, petition("2022-03-06", "feedback", "received"));
    // Never built: built now. Facts: received, within authority and resolved; received
    // and within authority; received.
    const auto first = w.s->refresh_report_facts(d);
    BOOST_REQUIRE(first.has_value());
    BOOST_TEST(first->rebuilt);
    BOOST_TEST(first->records == 3u);
    BOOST_TEST(first->facts == 6u);
    BOOST_TEST(first->as_of == 3u);

    const auto idle = w.s->refresh_report_facts(d);
    BOOST_REQUIRE(idle.has_value());
    BOOST_TEST(!idle->rebuilt);
    BOOST_TEST(idle->records == 0u);
    BOOST_TEST(idle->facts == 0u);
    BOOST_TEST(idle->as_of == 3u);

    BOOST_TEST((w.edit(p2, {{"status", str("resolved")}}).status == sync::change_status::applied));
    const auto one = w.s->refresh_report_facts(d);
    BOOST_REQUIRE(one.has_value());
    BOOST_TEST(!one->rebuilt);
    BOOST_TEST(one->records == 1u);
    BOOST_TEST(one->facts == 3u);
    BOOST_TEST(one->as_of == 4u);
    BOOST_TEST(w.value("petitions_resolved", P1) == 2);

    // A rejected change moves nothing: no new server_seq.
    BOOST_TEST((w.edit(p2, {{"status", str("lost")}}).status == sync::change_status::rejected));
    const auto none = w.s->refresh_report_facts(d);
    BOOST_REQUIRE(none.has_value());
    BOOST_TEST(none->records == 0u);
    BOOST_TEST(none->as_of == 4u);

    // report_values refreshes first (F2): as_of follows the head.
    w.create("petition", P2, petition("2022-03-07", "complaint", "received"));
    const auto v = w.s->report_values(d, year_2022, store::scope_filter::all());
    BOOST_REQUIRE(v.has_value());
    BOOST_TEST(v->as_of == 5u);
    BOOST_TEST(v->values.at(P2).at(d.find_measure("petitions_received")).value == 2);
    // The facts are derived only: refreshing writes nothing into the history (F3).
    auto entries = [&] {
        const auto h = w.s->history({});
        BOOST_REQUIRE(h.has_value());
        return h->rows.size();
    };
    const auto before = entries();
    w.create("petition", P2, petition("2022-03-08", "complaint", "received"));
    BOOST_TEST(entries() == before + 1);  // the change's own entry
    BOOST_TEST(w.s->refresh_report_facts(d)->records == 1u);
    BOOST_TEST(entries() == before + 1);
}

BOOST_AUTO_TEST_CASE(an_empty_store_reports_nothing_then_counts_its_first_record) {
    report_world w;
    const auto empty =
        w.s->report_values(real_definitions(), year_2022, store::scope_filter::all());
    BOOST_REQUIRE(empty.has_value());
    BOOST_TEST(empty->values.empty());
    BOOST_TEST(empty->as_of == 0u);
    check_settled(w.env.dir.path());
    const auto idle = w.s->refresh_report_facts(real_definitions());
    BOOST_REQUIRE(idle.has_value());
    BOOST_TEST(!idle->rebuilt);
    w.create("petition", P1, petition("2022-03-04", "complaint", "received"));
    BOOST_TEST(w.value("petitions_received", P1) == 1);
}

// F2, T2, T3 (sqlite_reports.cpp): a rebuild commits in chunks of refresh_chunk records;
// one interrupted (here by its progress callback throwing) resumes where it stopped; a
// record changed during the rebuild, after its facts were staged, counts once, as it is
// now.
BOOST_AUTO_TEST_CASE(a_rebuild_goes_in_chunks_resumes_and_counts_records_changed_meanwhile_once) {
    report_world w;
    const std::size_t n = 2 * store::refresh_chunk + 7;
    std::vector<sync::change_msg> batch;
    for (std::size_t i = 0; i < n; ++i) {
        sync::change_msg c;
        c.record = test::record_id(++w.next);
        c.type = "petition";
        c.org_unit = i % 2 == 0 ? P1 : P2;
        c.set = petition("2022-03-04", "complaint", "received", true);
        c.seq = ++w.seqs[w.a];
        c.hlc = sync::format_hlc({t0 + (w.clock += 10), 0});
        batch.push_back(std::move(c));
        if (batch.size() == 1000 || i + 1 == n) {
            const auto out = test::push(*w.s, w.a, std::move(batch));
            BOOST_REQUIRE(out.results.back().status == sync::change_status::applied);
            batch.clear();
        }
    }
    std::vector<std::pair<std::uint64_t, std::uint64_t>> calls;
    auto record_calls = [&](std::uint64_t did, std::uint64_t total) {
        calls.emplace_back(did, total);
    };
    const auto first = test::record_id(1), second = test::record_id(2);
    const auto stopped =
        w.s->refresh_report_facts(real_definitions(), [&](std::uint64_t did, std::uint64_t total) {
            record_calls(did, total);
            // Both were in the first chunk: one moves from P1 to P2, one is deleted.
            BOOST_TEST((w.edit(first, {}, P2).status == sync::change_status::applied));
            BOOST_TEST((w.remove(second).status == sync::change_status::applied));
            throw std::runtime_error("interrupted");
        });
    BOOST_TEST(stopped.has_error());
    BOOST_TEST((calls == std::vector<std::pair<std::uint64_t, std::uint64_t>>{{5000, n}}));
    // Resumed: the other two chunks of the rebuild, then the two records changed since.
    calls.clear();
    const auto done = w.s->refresh_report_facts(real_definitions(), record_calls);
    BOOST_REQUIRE(done.has_value());
    BOOST_TEST(!done->rebuilt);  // begun by the first call
    const std::vector<std::pair<std::uint64_t, std::uint64_t>> want = {
        {5000, n - 5000 + 2}, {n - 5000, n - 5000 + 2}, {n - 5000 + 2, n - 5000 + 2}};
    BOOST_TEST((calls == want));
    BOOST_TEST(done->records == n - 5000 + 2);
    BOOST_TEST(done->as_of == n + 2);
    // 5004 in P1 and 5003 in P2, then one moved to P2 and one of P2's deleted.
    BOOST_TEST(w.value("petitions_received", P1) == 5003);
    BOOST_TEST(w.value("petitions_received", P2) == 5003);
    BOOST_TEST(dump(w.values()) == dump(w.expected(real_definitions(), year_2022)));
    check_settled(w.env.dir.path());
}

// F2, F3: other definitions rebuild the table; so does losing its rows and mark.
BOOST_AUTO_TEST_CASE(other_definitions_or_a_lost_table_rebuild_the_facts) {
    report_world w;
    w.create("petition", P1, petition("2022-03-04", "complaint", "resolved", true));
    w.create("petition", P1, petition("2021-03-04", "feedback", "received"));
    w.create("petition", P2, petition("2023-03-04", "denunciation", "received", false));
    w.create(
        "citizen_contact", P2,
        {{"held_on", str("2020-01-01")}, {"kind", str("dialogue")}, {"people_count", num(30)}});
    const auto real = w.values();
    BOOST_TEST(dump(real) == dump(w.expected(real_definitions(), year_2022)));

    // The small set counts every petition whatever its date (P1 2, P2 1) and sums people
    // (P2 30, a dialogue too: it has no filter).
    const auto& small = small_definitions();
    const auto rebuilt = w.s->refresh_report_facts(small);
    BOOST_REQUIRE(rebuilt.has_value());
    BOOST_TEST(rebuilt->rebuilt);
    BOOST_TEST(rebuilt->records == 4u);
    const auto mine = w.values(small);
    BOOST_TEST(mine.at(P1).at(0).value == 2);
    BOOST_TEST(mine.at(P2).at(0).value == 1);
    BOOST_TEST(mine.at(P2).at(1).value == 30);
    BOOST_TEST(dump(mine) == dump(w.expected(small, year_2022)));

    // Back to the shipped set: rebuilt again, the same figures as before.
    const auto back = w.s->refresh_report_facts(real_definitions());
    BOOST_REQUIRE(back.has_value());
    BOOST_TEST(back->rebuilt);
    BOOST_TEST(dump(w.values()) == dump(real));

    // F3: the rows and the mark deleted below the store: rebuilt on the next report.
    {
        raw_db raw(w.env.dir.path());
        raw.exec("DELETE FROM report_facts; DELETE FROM meta WHERE key = 'report_facts.mark'");
    }
    const auto lost = w.s->refresh_report_facts(real_definitions());
    BOOST_REQUIRE(lost.has_value());
    BOOST_TEST(lost->rebuilt);
    BOOST_TEST(lost->records == 4u);
    BOOST_TEST(dump(w.values()) == dump(real));
    // Only the mark lost: the rows left are replaced, not added to.
    {
        raw_db raw(w.env.dir.path());
        raw.exec("DELETE FROM meta WHERE key = 'report_facts.mark'");
    }
    BOOST_TEST(dump(w.values()) == dump(real));
    // A rebuild stopped after its facts were staged (by its progress callback throwing,
    // as a crash would stop it): the next report finishes it.
    {
        raw_db raw(w.env.dir.path());
        raw.exec("DELETE FROM meta WHERE key = 'report_facts.mark'");
    }
    const auto stopped = w.s->refresh_report_facts(
        real_definitions(), [](std::uint64_t, std::uint64_t) { throw std::runtime_error("stop"); });
    BOOST_TEST(stopped.has_error());
    BOOST_TEST(dump(w.values()) == dump(real));
}

// A sum SQLite cannot hold is an error naming the figure, never a wrapped number (E3).
BOOST_AUTO_TEST_CASE(a_sum_that_leaves_64_bits_is_an_error_not_a_wrong_figure) {
    report_world w(false);  // no schema: values beyond its bounds get in
    constexpr auto big = std::numeric_limits<std::int64_t>::max() - 5;
    auto model = [](const char* name, std::int64_t vnd) {
        return sync::field_map{{"name", str(name)},
                               {"registered_on", str("2022-02-01")},
                               {"status", str("registered")},
                               {"value_vnd", num(vnd)}};
    };
    w.create("model_work", P1, model("Một", big));
    w.create("model_work", P2, model("Hai", 10));
    // Each commune's sum fits; the district's does not.
    BOOST_TEST(w.value("models_value", P1) == big);
    store::report_request req{"LS.TP", year_2022, 7, test::store_env::start_ms};
    const auto district = store::make_report(*w.s, real_definitions(), *w.s->org_tree().tree, req);
    BOOST_REQUIRE(district.has_error());
    BOOST_TEST((district.error().code == sync::errc::internal));
    BOOST_TEST(district.error().message.find("64-bit") != std::string::npos);
    // Within one commune SQLite's SUM overflows.
    w.create("model_work", P1, model("Ba", 10));
    const auto v = w.s->report_values(real_definitions(), year_2022, store::scope_filter::all());
    BOOST_REQUIRE(v.has_error());
    BOOST_TEST((v.error().code == sync::errc::internal));
    BOOST_TEST(v.error().message.find("models_value") != std::string::npos, v.error().message);
    BOOST_TEST(v.error().message.find("value_vnd") != std::string::npos, v.error().message);
}

BOOST_AUTO_TEST_CASE(a_report_for_an_unknown_root_is_not_found) {
    report_world w;
    store::report_request req{"LS.XX", year_2022, 7, test::store_env::start_ms};
    const auto r = store::make_report(*w.s, real_definitions(), *w.s->org_tree().tree, req);
    BOOST_REQUIRE(r.has_error());
    BOOST_TEST((r.error().code == sync::errc::not_found));
    BOOST_TEST(r.error().field.value_or("") == "root");
    BOOST_TEST(r.error().message.find("LS.XX") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(device_syncs_leave_out_review_and_revoked_devices) {
    report_world w;  // a: officer at LS, b: canbo.b at LS
    test::add_user(*w.s, "canbo.cl", access::role::officer, "LS.CL");
    test::add_user(*w.s, "canbo.p1", access::role::officer, P1);
    const auto c = test::add_device(*w.s, "canbo.cl");
    const auto d = test::add_device(*w.s, "canbo.p1");
    const auto gone = test::add_device(*w.s, "canbo.p1");
    BOOST_REQUIRE(w.s->revoke_device(gone).has_value());
    constexpr std::int64_t day = 86'400'000;
    const std::int64_t now = test::store_env::start_ms;
    store::write_batch hellos;
    hellos.hellos = {{w.a, now - 10 * day, now - 10 * day}, {c, now - day, now - day}};
    BOOST_REQUIRE(w.s->write(hellos).has_value());
    // A decision makes the reviewer's review device.
    const auto p = w.create("petition", P1, petition("2022-03-04", "complaint", "received"));
    BOOST_TEST((w.edit(p, {{"status", str("processing")}}).status == sync::change_status::applied));
    auto late = w.on_top(p, {{"status", str("resolved")}});
    late.base = 1;
    BOOST_TEST((w.send(w.b, late).status == sync::change_status::applied));
    const auto items = w.s->review_items({});
    BOOST_REQUIRE(items.has_value());
    BOOST_REQUIRE_EQUAL(items->items.size(), 1u);
    store::review_decision pick{items->items[0].item, "xem", store::review_action::pick_side};
    BOOST_REQUIRE(w.s->decide(pick).has_value());
    BOOST_TEST(w.s->list_devices().size() == 6u);  // a, b, c, d, gone and the review device

    std::map<std::string, std::pair<std::string, std::optional<std::int64_t>>> all;
    for (const auto& s : w.s->device_syncs(store::scope_filter::all()))
        all[s.device] = {s.org_unit, s.last_sync_ms};
    using seen = std::pair<std::string, std::optional<std::int64_t>>;
    const std::map<std::string, seen> want = {{w.a, {"LS", now - 10 * day}},
                                              {w.b, {"LS", std::nullopt}},
                                              {c, {"LS.CL", now - day}},
                                              {d, {P1, std::nullopt}}};
    BOOST_TEST((all == want));
    const auto tp = w.s->device_syncs(test::subtree(*w.s, "LS.TP"));
    BOOST_REQUIRE_EQUAL(tp.size(), 1u);
    BOOST_TEST(tp[0].device == d);

    // Through make_report: LS.TP has d only, never synced; LS has all four, a stale
    // after ten days and the two that never synced.
    BOOST_TEST(w.report("LS.TP").fresh.devices == 1u);
    BOOST_TEST(w.report("LS.TP").fresh.never_synced == 1u);
    const auto ls = w.report("LS").fresh;
    BOOST_TEST(ls.devices == 4u);
    BOOST_TEST(ls.never_synced == 2u);
    BOOST_TEST(ls.stale == 3u);
    BOOST_TEST(ls.oldest_sync_ms.value_or(0) == now - 10 * day);
}

// F1 as a property: after every batch of random changes, the store's figures for random
// periods and scopes are the evaluator's over the live records pulled back.
BOOST_AUTO_TEST_CASE(figures_equal_the_evaluator_over_the_live_records_after_random_changes) {
    const unsigned seed = 8'082'022;
    BOOST_TEST_MESSAGE("seed " << seed);
    random_world w(seed);
    for (int round = 0; round < 60; ++round) {
        for (int i = w.pick(1, 15); i > 0; --i) w.one_change();
        if (round % 4 == 3) w.decide_something();
        for (int i = 0; i < 3; ++i) w.check("round " + std::to_string(round));
    }
    // The changes met every path: something was rejected, merged away and moved.
    BOOST_TEST(!w.s->quarantine(store::scope_filter::all(), 1).empty());
    const auto page = w.s->pull(0, 1'000'000);
    std::size_t deleted = 0, merged = 0;
    for (const auto& r : page->records) {
        deleted += r.deleted ? 1 : 0;
        merged += r.fields.count(sync::merged_into_field);
    }
    BOOST_TEST(deleted > 0u);
    BOOST_TEST(merged > 0u);
}

// Roll-up R3 through make_report: for every unit as root, the lines of a count or sum
// measure add up to the total, and a count_distinct total is the union of its lines.
BOOST_AUTO_TEST_CASE(parts_add_up_to_the_total_for_every_unit_as_root) {
    random_world w(2'082'022);
    for (int i = 0; i < 150; ++i) w.one_change();
    const auto& defs = real_definitions();
    for (const auto& root : w.all_units) {
        const auto r = w.report(root);
        BOOST_TEST_CONTEXT("root " << root) {
            for (std::size_t m = 0; m < defs.measures.size(); ++m) {
                std::int64_t sum = 0;
                std::set<std::string> keys;
                for (const auto& line : r.rollup.lines) {
                    sum += line.values.at(m).value;
                    keys.insert(line.values.at(m).keys.begin(), line.values.at(m).keys.end());
                }
                if (defs.measures[m].agg == reports::aggregate::count_distinct) {
                    BOOST_TEST((keys == r.rollup.total.at(m).keys), defs.measures[m].id);
                } else {
                    BOOST_TEST(sum == r.rollup.total.at(m).value, defs.measures[m].id);
                }
            }
            // And the whole roll-up is the library's over the evaluator's values.
            const auto tree = w.s->org_tree().tree;
            const auto want = reports::roll_up(defs, *tree, root, w.expected(defs, year_2022));
            BOOST_REQUIRE_EQUAL(r.rollup.lines.size(), want.lines.size());
            for (std::size_t i = 0; i < want.lines.size(); ++i)
                BOOST_TEST((r.rollup.lines[i].values == want.lines[i].values));
            BOOST_TEST((r.rollup.total == want.total));
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
