// bench-reports: every shipped indicator for a province of 1,000,000 records, broken
// down by district (issue 8). bench/README.md says how to run it; docs/benchmarks.md
// holds the results.
//
// Phases, each timed:
//   1. build: a province of --districts districts x --communes communes x --cells cells,
//      one officer and one phone per commune, and --records valid records of every type
//      the indicators read, written through store::write (schema validation, merge,
//      history: the real path) in transactions of 20 pushes of 1,000 changes. Skipped when
//      --dir already holds a database made with the same parameters (--reuse).
//   2. facts: the first refresh of the report facts table (a full build).
//   3. report: store::make_report for the province, year 2022, every indicator, broken
//      down by district, --runs times (facts current: the refresh finds nothing new), and
//      the JSON and CSV renderings; then the same for one district and one commune.
//   4. incremental: --edits edits to existing records, then one report (it refreshes the
//      facts of the edited records first).
//   5. --verify: reads every record back (store::pull) and checks that
//      reports::evaluate over them equals store::report_values, per unit and measure.
// Prints one line per phase and a JSON summary line last.
#include <sotay/reports/evaluate.hpp>
#include <sotay/reports/indicators.hpp>
#include <sotay/reports/render.hpp>
#include <sotay/schema/schema.hpp>
#include <sotay/store/report_query.hpp>
#include <sotay/store/sqlite_store.hpp>
#include <sotay/sync/hlc.hpp>
#include <sotay/sync/ids.hpp>

#include <boost/json.hpp>
#include <boost/program_options.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

namespace po = boost::program_options;
namespace json = boost::json;
using namespace sotay;

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
    return std::chrono::duration<double>(clock_type::now() - t0).count();
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

long peak_rss_kib() {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
    return 0;
}

struct params {
    std::string dir;
    std::uint64_t records = 1'000'000;
    int districts = 11, communes = 20, cells = 6;
    int runs = 5;
    std::uint64_t edits = 10'000;
    std::uint32_t seed = 2022;
    bool verify = false;
    std::string schema_path, indicators_path;

    std::string fingerprint() const {
        return std::to_string(records) + "/" + std::to_string(districts) + "/" +
               std::to_string(communes) + "/" + std::to_string(cells) + "/" +
               std::to_string(seed);
    }
};

// The province: P, P.Dxx, P.Dxx.Cyy, P.Dxx.Cyy.Kz. Records are kept at communes and cells.
struct province {
    std::vector<access::org_row> rows;
    std::vector<std::string> communes;          // one officer and phone each
    std::vector<std::vector<std::string>> kept;  // per commune: the commune and its cells
};

province make_province(const params& p) {
    province out;
    std::size_t line = 1;
    auto add = [&](std::string code, std::string name, std::string parent, std::string level) {
        out.rows.push_back(
            {{std::move(code), std::move(name), std::move(parent), std::move(level)}, ++line});
    };
    add("P", "Tỉnh Thử Nghiệm", "", "Tỉnh");
    char buf[64];
    for (int d = 1; d <= p.districts; ++d) {
        std::snprintf(buf, sizeof buf, "P.D%02d", d);
        const std::string dc = buf;
        add(dc, "Huyện số " + std::to_string(d), "P", "Huyện");
        for (int c = 1; c <= p.communes; ++c) {
            std::snprintf(buf, sizeof buf, "%s.C%02d", dc.c_str(), c);
            const std::string cc = buf;
            add(cc, "Xã số " + std::to_string(c) + " huyện " + std::to_string(d), dc, "Xã");
            out.communes.push_back(cc);
            out.kept.push_back({cc});
            for (int k = 1; k <= p.cells; ++k) {
                const std::string kc = cc + ".K" + std::to_string(k);
                add(kc, "Chi bộ " + std::to_string(k), cc, "Chi bộ");
                out.kept.back().push_back(kc);
            }
        }
    }
    return out;
}

std::string date_of(int day_index) {  // day 0 = 2021-01-01, over 2021-2023
    static const int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int year = 2021 + (day_index / 365) % 3;
    int d = day_index % 365;
    int m = 0;
    while (d >= month_days[m]) d -= month_days[m++];
    char buf[32];  // room for any int, to quiet -Wformat-truncation
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, m + 1, d + 1);
    return buf;
}

// Makes the records: a mix of every type the indicators read, natural keys unique (so
// no duplicate review items: duplicates are not what this measures).
class record_maker {
  public:
    record_maker(std::uint32_t seed, std::uint64_t members_planned)
        : rng_(seed), members_planned_(std::max<std::uint64_t>(members_planned, 1)) {}

    sync::change_msg make(std::uint64_t n, const std::string& unit, std::uint64_t unit_count) {
        sync::change_msg c;
        std::array<std::uint8_t, 10> rnd{};
        for (auto& b : rnd) b = static_cast<std::uint8_t>(rng_());
        c.record = sync::format_uuid(sync::make_uuid_v7(1'700'000'000'000ULL + n, rnd));
        c.org_unit = unit;
        auto& f = c.set;
        const int roll = pick(100);
        const std::string day = date_of(static_cast<int>(unit_count % 1095));
        const std::string tag = std::to_string(n);
        if (roll < 30) {
            c.type = "member";
            f["full_name"] = std::string("Nguyễn Văn Thử ") + tag;
            char id[13];
            std::snprintf(id, sizeof id, "%012llu", static_cast<unsigned long long>(n));
            f["id_number"] = std::string(id);
            f["joined_on"] = date_of(pick(1095));
            f["status"] = std::string(pick(100) < 92 ? "active" : pick(2) ? "moved" : "deceased");
            members_.push_back(c.record);
        } else if (roll < 55 && !members_.empty()) {
            c.type = "commitment";
            // Each member once per year: walk the members, then the next year.
            const auto k = commitments_++;
            f["member"] = members_[k % members_.size()];
            f["year"] = std::int64_t{2021 + static_cast<std::int64_t>(k / members_planned_) % 3};
            f["status"] = std::string(pick(3) == 0 ? "done" : "registered");
        } else if (roll < 67) {
            c.type = "study_session";
            f["held_on"] = day;  // (org_unit, held_on) is the key: a day per session
            f["topic"] = std::string("Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh");
            f["attendance"] = std::int64_t{pick(60)};
            f["has_study_content"] = pick(100) < 85;
        } else if (roll < 77) {
            c.type = "petition";
            f["received_on"] = date_of(pick(1095));
            static const char* kinds[] = {"complaint", "denunciation", "petition", "feedback"};
            f["kind"] = std::string(kinds[pick(4)]);
            f["within_authority"] = pick(100) < 70;
            static const char* st[] = {"received", "processing", "resolved", "resolved"};
            f["status"] = std::string(st[pick(4)]);
            f["petitioner_id"] = "PID" + tag;
            f["summary"] = std::string("Đơn đề nghị giải quyết tranh chấp đất đai giữa hai hộ");
        } else if (roll < 83) {
            c.type = "citizen_contact";
            f["held_on"] = day;
            f["kind"] = std::string(pick(2) ? "reception" : "dialogue");
            f["people_count"] = std::int64_t{pick(120)};
        } else if (roll < 88) {
            c.type = "pressing_issue";
            f["identified_on"] = date_of(pick(1095));
            f["description"] = "Vấn đề bức xúc số " + tag;
            f["status"] = std::string(pick(3) ? "resolved" : "open");
        } else if (roll < 93) {
            c.type = "model_work";
            f["name"] = "Mô hình số " + tag;
            f["registered_on"] = date_of(pick(1095));
            const bool done = pick(3) != 0;
            f["status"] = std::string(done ? "completed" : "in_progress");
            if (done) f["completed_on"] = date_of(pick(1095));
            f["value_vnd"] = std::int64_t{pick(200) * 1'000'000LL};
        } else if (roll < 97) {
            c.type = "inspection";
            f["kind"] = std::string(pick(2) ? "inspection" : "supervision");
            f["target_kind"] = std::string(pick(3) ? "member" : "organisation");
            f["target_name"] = "Đối tượng " + tag;
            f["held_on"] = date_of(pick(1095));
            f["disciplined"] = pick(20) == 0;
        } else {
            c.type = "exemplar";
            f["honoree_kind"] = std::string(pick(4) ? "individual" : "collective");
            f["name"] = "Gương điển hình " + tag;
            f["honoured_on"] = date_of(pick(1095));
        }
        return c;
    }

  private:
    int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
    std::mt19937 rng_;
    std::uint64_t members_planned_;
    std::vector<std::string> members_;
    std::uint64_t commitments_ = 0;
};

struct phone {
    std::string device_id;
    std::uint64_t seq = 0;
};

void fail(const std::string& why) {
    std::cerr << "bench-reports: " << why << "\n";
    std::exit(1);
}

// Writes `changes` (one list per phone) in one transaction; every change must apply.
void write_all(store::store& db, std::vector<phone>& phones,
               std::vector<std::vector<sync::change_msg>>& per_phone) {
    store::write_batch batch;
    for (std::size_t i = 0; i < per_phone.size(); ++i) {
        if (per_phone[i].empty()) continue;
        batch.pushes.push_back({phones[i].device_id, 0, std::move(per_phone[i])});
        per_phone[i].clear();
    }
    if (batch.pushes.empty()) return;
    auto out = db.write(batch);
    if (!out) fail("write: " + out.error().message);
    for (const auto& p : out->pushes) {
        if (p.refused) fail("push refused: " + p.refused->message);
        for (const auto& r : p.results)
            if (r.status != sync::change_status::applied)
                fail("a change was not applied: " + (r.error ? r.error->message : ""));
    }
}

struct timing {
    double min = 0, median = 0;
};

template <typename F>
timing time_runs(int runs, F&& f) {
    std::vector<double> t;
    for (int i = 0; i < runs; ++i) {
        const auto t0 = clock_type::now();
        f();
        t.push_back(seconds_since(t0));
    }
    std::sort(t.begin(), t.end());
    return {t.front(), t[t.size() / 2]};
}

std::string next_to_program(const char* name) {
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    return (exe.parent_path() / name).string();
}

}  // namespace

int main(int argc, char** argv) {
    params p;
    po::options_description opts("bench-reports options");
    opts.add_options()("help", "this text")(
        "dir", po::value(&p.dir)->required(),
        "directory for the database (on the disk to measure; reused when it matches)")(
        "records", po::value(&p.records)->default_value(p.records), "records in the province")(
        "districts", po::value(&p.districts)->default_value(p.districts), "districts")(
        "communes", po::value(&p.communes)->default_value(p.communes), "communes per district")(
        "cells", po::value(&p.cells)->default_value(p.cells), "cells per commune")(
        "runs", po::value(&p.runs)->default_value(p.runs), "timed runs of the province report")(
        "edits", po::value(&p.edits)->default_value(p.edits), "edits before the incremental run")(
        "seed", po::value(&p.seed)->default_value(p.seed), "random seed of the records")(
        "verify", po::bool_switch(&p.verify), "check the store against reports::evaluate")(
        "schema", po::value(&p.schema_path), "record schema (default: default.json beside)")(
        "indicators", po::value(&p.indicators_path),
        "indicator definitions (default: indicators.json beside the program)");
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc, argv, opts), vm);
        if (vm.count("help")) {
            std::cout << opts << "\n";
            return 0;
        }
        po::notify(vm);
    } catch (const std::exception& e) {
        std::cerr << "bench-reports: " << e.what() << "\n\n" << opts << "\n";
        return 2;
    }
    if (p.runs < 1 || p.districts < 1 || p.communes < 1 || p.cells < 0 || p.records < 1)
        fail("--runs, --districts, --communes and --records must be positive");
    if (p.schema_path.empty()) p.schema_path = next_to_program("default.json");
    if (p.indicators_path.empty()) p.indicators_path = next_to_program("indicators.json");
    const auto schema = std::make_shared<const schema::schema>(schema::load_schema_file(p.schema_path));
    const auto defs = reports::load_definitions_file(p.indicators_path, *schema);

    std::filesystem::create_directories(p.dir);
    const auto db_path = (std::filesystem::path(p.dir) / "reports.db").string();
    const auto stamp_path = (std::filesystem::path(p.dir) / "reports.params").string();
    std::string stamp;
    if (std::ifstream in(stamp_path); in) std::getline(in, stamp);
    const bool reuse = stamp == p.fingerprint() && std::filesystem::exists(db_path);
    if (!reuse) {
        for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db_path + suffix);
        std::filesystem::remove(stamp_path);
    }

    store::sqlite_options o;
    o.schema = schema;
    auto db = store::open_sqlite_store(db_path, o);
    const auto prov = make_province(p);
    json::object summary{{"records", p.records},
                         {"districts", p.districts},
                         {"units", prov.rows.size()},
                         {"indicators", defs.indicators.size()},
                         {"measures", defs.measures.size()}};

    // 1. build ------------------------------------------------------------------------
    if (!reuse) {
        const auto t0 = clock_type::now();
        if (auto r = db->import_org(prov.rows); !r || !r->applied) fail("org import failed");
        std::vector<phone> phones;
        store::write_batch hellos;
        std::mt19937 rng(p.seed);
        const auto now = now_ms();
        for (std::size_t i = 0; i < prov.communes.size(); ++i) {
            store::new_user u;
            u.username = "officer" + std::to_string(i);
            u.display_name = u.username;
            u.role = access::role::officer;
            u.org_unit = prov.communes[i];
            if (!db->add_user(u)) fail("add_user");
            auto d = db->add_device("phone " + std::to_string(i), u.username);
            if (!d) fail("add_device");
            phones.push_back({d->device_id, 0});
            // Last syncs spread over the past 20 days; one phone in 25 never synced.
            if (i % 25 == 24) continue;
            const auto ago = std::uniform_int_distribution<std::int64_t>(0, 20 * 86'400'000LL)(rng);
            hellos.hellos.push_back({d->device_id, now - ago, now - ago});
        }
        if (!db->write(hellos)) fail("hellos");

        record_maker maker(p.seed, p.records * 30 / 100);
        std::vector<std::vector<sync::change_msg>> per_phone(phones.size());
        std::vector<std::uint64_t> unit_counts(prov.communes.size(), 0);
        std::size_t in_batch = 0;
        std::uint64_t hlc_ms = static_cast<std::uint64_t>(now) - 86'400'000ULL;
        auto t_last = clock_type::now();
        for (std::uint64_t n = 0; n < p.records; ++n) {
            const std::size_t ci = n % prov.communes.size();
            const auto& kept = prov.kept[ci];
            const auto k = unit_counts[ci]++;
            const auto& unit = kept[k % kept.size()];
            auto c = maker.make(n, unit, k / kept.size());
            c.seq = ++phones[ci].seq;
            c.hlc = sync::format_hlc({++hlc_ms, 0});
            per_phone[ci].push_back(std::move(c));
            if (++in_batch == 20'000) {
                write_all(*db, phones, per_phone);
                in_batch = 0;
                if (seconds_since(t_last) > 10) {
                    std::cerr << "  built " << n + 1 << " of " << p.records << " records\n";
                    t_last = clock_type::now();
                }
            }
        }
        write_all(*db, phones, per_phone);
        const double s = seconds_since(t0);
        std::printf("build: %llu records written through store::write in %.1f s (%.0f/s)\n",
                    static_cast<unsigned long long>(p.records), s,
                    static_cast<double>(p.records) / s);
        summary["build_s"] = s;
        std::ofstream(stamp_path) << p.fingerprint() << "\n";
    } else {
        std::printf("build: reusing %s\n", db_path.c_str());
    }

    // 2. facts: the first refresh (a full build when the table is empty or stale) ---------
    {
        const auto t0 = clock_type::now();
        auto r = db->refresh_report_facts(defs);
        if (!r) fail("refresh: " + r.error().message);
        const double s = seconds_since(t0);
        std::printf("facts: refreshed %llu records into %llu facts in %.2f s%s\n",
                    static_cast<unsigned long long>(r->records),
                    static_cast<unsigned long long>(r->facts), s,
                    r->rebuilt ? " (full build)" : "");
        summary["facts_refresh_s"] = s;
        summary["facts_records"] = r->records;
        summary["facts"] = r->facts;
    }

    // 3. report ------------------------------------------------------------------------
    const auto tree = db->org_tree().tree;
    const auto year = *reports::year_period(2022);
    store::report_request req{"P", year, 7, now_ms()};
    store::report_result last;
    const auto province_t = time_runs(p.runs, [&] {
        auto r = store::make_report(*db, defs, *tree, req);
        if (!r) fail("report: " + r.error().message);
        last = std::move(*r);
    });
    std::string json_text, csv_text;
    const auto render_t = time_runs(p.runs, [&] {
        json_text = json::serialize(reports::to_json(defs, *tree, last.rollup, year, &last.fresh));
        csv_text = reports::to_csv(defs, *tree, last.rollup);
    });
    if (last.rollup.lines.size() != static_cast<std::size_t>(p.districts))
        fail("the province report has " + std::to_string(last.rollup.lines.size()) +
             " breakdown lines, not one per district");
    std::printf("report: province, year 2022, %zu indicators, %zu district lines: "
                "min %.3f s, median %.3f s over %d runs; render JSON (%zu bytes) + CSV "
                "(%zu bytes): median %.3f s\n",
                defs.indicators.size(), last.rollup.lines.size(), province_t.min,
                province_t.median, p.runs, json_text.size(), csv_text.size(), render_t.median);
    summary["province_report_min_s"] = province_t.min;
    summary["province_report_median_s"] = province_t.median;
    summary["render_median_s"] = render_t.median;
    summary["freshness_devices"] = last.fresh.devices;
    summary["freshness_stale"] = last.fresh.stale;

    // The same measures, the parts adding up: the district lines sum to the total.
    for (std::size_t m = 0; m < defs.measures.size(); ++m) {
        if (defs.measures[m].agg == reports::aggregate::count_distinct) continue;
        std::int64_t sum = 0;
        for (const auto& line : last.rollup.lines) sum += line.values[m].value;
        if (sum != last.rollup.total[m].value)
            fail("measure " + defs.measures[m].id + ": districts sum to " + std::to_string(sum) +
                 ", total " + std::to_string(last.rollup.total[m].value));
    }

    for (const auto& [label, root] : {std::pair<const char*, std::string>{"district", "P.D01"},
                                      {"commune", prov.communes.front()}}) {
        store::report_request sub{root, year, 7, now_ms()};
        const auto t = time_runs(p.runs, [&] {
            if (!store::make_report(*db, defs, *tree, sub)) fail("report " + root);
        });
        std::printf("report: %s %s: min %.3f s, median %.3f s\n", label, root.c_str(), t.min,
                    t.median);
        summary[std::string(label) + "_report_median_s"] = t.median;
    }

    // 4. incremental: edit some records (a status change each), then one report ----------
    if (p.edits > 0) {
        std::vector<std::string> ids;
        std::vector<std::string> units;
        std::uint64_t after = 0;
        while (ids.size() < p.edits) {
            auto page = db->pull(after, 1000);
            if (!page) fail("pull");
            for (const auto& r : page->records)
                if (r.type == "petition" && ids.size() < p.edits) {
                    ids.push_back(r.record);
                    units.push_back(r.org_unit);
                }
            after = page->next;
            if (!page->more) break;
        }
        // An officer at the root edits them (its own phone).
        store::new_user u;
        u.username = "editor";
        u.display_name = "editor";
        u.role = access::role::officer;
        u.org_unit = "P";
        db->add_user(u);
        auto d = db->add_device("editor phone", "editor");
        if (!d) fail("editor device");
        std::vector<phone> phones{{d->device_id, 0}};
        std::vector<std::vector<sync::change_msg>> per(1);
        std::uint64_t hlc_ms = static_cast<std::uint64_t>(now_ms()) - 60'000;
        for (std::size_t i = 0; i < ids.size(); ++i) {
            sync::change_msg c;
            c.seq = ++phones[0].seq;
            c.record = ids[i];
            c.type = "petition";
            c.org_unit = units[i];
            c.hlc = sync::format_hlc({++hlc_ms, 0});
            c.base = 1;
            c.set["status"] = std::string("resolved");
            per[0].push_back(std::move(c));
            if (per[0].size() == 1000) write_all(*db, phones, per);
        }
        write_all(*db, phones, per);
        const auto t0 = clock_type::now();
        auto r = store::make_report(*db, defs, *tree, {"P", year, 7, now_ms()});
        if (!r) fail("incremental report");
        const double s = seconds_since(t0);
        std::printf("incremental: %zu edits, then the province report (refreshing their "
                    "facts first): %.3f s\n",
                    ids.size(), s);
        summary["edits"] = ids.size();
        summary["incremental_report_s"] = s;
    }

    // 5. verify ------------------------------------------------------------------------
    if (p.verify) {
        const auto t0 = clock_type::now();
        std::vector<sync::record_msg> all;
        std::uint64_t after = 0;
        while (true) {
            auto page = db->pull(after, 1000);
            if (!page) fail("pull");
            for (auto& r : page->records) all.push_back(std::move(r));
            after = page->next;
            if (!page->more) break;
        }
        std::vector<reports::record_view> views;
        views.reserve(all.size());
        for (const auto& r : all) views.push_back({r.type, r.org_unit, &r.fields, r.deleted});
        const auto want = reports::evaluate(defs, year, views);
        auto got = db->report_values(defs, year, store::scope_filter::all());
        if (!got) fail("report_values");
        if (got->values != want) fail("verify: the store's figures differ from reports::evaluate");
        std::printf("verify: store == reports::evaluate over %zu records (%zu units), %.1f s\n",
                    all.size(), want.size(), seconds_since(t0));
        summary["verified"] = true;
    }

    summary["peak_rss_mib"] = peak_rss_kib() / 1024;
    std::cout << json::serialize(summary) << "\n";
    return 0;
}
