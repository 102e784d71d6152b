// sotay-admin report end to end: the real program on a database filled through the store's
// write path (pushes and hellos, as the server's commit queue writes them), with figures
// computed by hand.
//
// The world (period 2024):
//   LS        Tỉnh ủy Lạng Sơn      8 petitions within authority, all resolved
//   ├ LS.CL   Huyện ủy Cao Lộc      50 within authority, 46 resolved; a dialogue (not a
//   │                               reception) of 300 people; a model worth 6 tỷ đồng
//   └ LS.TP   Thành ủy Lạng Sơn
//     ├ LS.TP.P1 Đảng ủy phường Chi Lăng    100 within authority, 95 resolved, plus one
//     │                                     received in 2023; a reception of 4000 people;
//     │                                     a completed model worth 719.690.000 đồng
//     └ LS.TP.P2 Đảng ủy phường Đông Kinh   5 feedback petitions; a reception of 662
// So petitions: 163 received, 158 within authority, 149 resolved (94,3%); 4.662 people
// received; 2 models, 1 completed, 6.719.690.000 đồng (6,72 tỷ). Devices: one synced an
// hour ago, one ten days ago, one never: 3 devices, 2 stale after 7 days, 1 never synced.
#include <sys/stat.h>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sotay/schema/schema.hpp>
#include <sotay/store/sqlite_store.hpp>
#include <sotay/sync/hlc.hpp>
#include <sstream>

#include "server_process.hpp"

namespace json = boost::json;
using namespace sotay;
using namespace sotay::e2e;

namespace {

constexpr std::int64_t hour_ms = 3'600'000;
constexpr std::int64_t day_ms = 24 * hour_ms;

std::int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// Columns a UTF-8 line takes in a terminal: its code points (the text is NFC, no
// combining marks).
std::size_t code_points(const std::string& s) {
    std::size_t n = 0;
    for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0u) != 0x80u ? 1 : 0;
    return n;
}

std::vector<std::string> lines_of(const std::string& text, const char* end = "\n") {
    std::vector<std::string> out;
    const std::string sep = end;
    for (std::size_t at = 0; at < text.size();) {
        const auto next = text.find(sep, at);
        if (next == std::string::npos) {
            out.push_back(text.substr(at));
            break;
        }
        out.push_back(text.substr(at, next - at));
        at = next + sep.size();
    }
    return out;
}

// The local calendar day of a time, dd/mm/yyyy, as the report writes the oldest sync.
std::string local_day(std::int64_t ms) {
    const std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm local{};
    ::localtime_r(&t, &local);
    char text[16];
    return std::string(text, std::strftime(text, sizeof text, "%d/%m/%Y", &local));
}

sync::field_map petition(const char* kind, bool within, const char* status, const char* on) {
    return {{"kind", std::string(kind)},
            {"within_authority", within},
            {"status", std::string(status)},
            {"received_on", std::string(on)}};
}

// A database with the world above, and sotay-admin run on it.
class report_world {
  public:
    report_world() {
        std::string templ = "/tmp/sotay-report-XXXXXX";
        BOOST_REQUIRE(::mkdtemp(templ.data()) != nullptr);
        dir_ = templ;
        db_path_ = dir_ + "/sotay.db";
        store::sqlite_options o;
        // Validated and NFC-normalised like the server's writes.
        o.schema = std::make_shared<const schema::schema>(
            schema::load_schema_file(std::string(SOTAY_BIN_DIR) + "/default.json"));
        auto db = store::open_sqlite_store(db_path_, o);
        fill(*db);
    }
    ~report_world() { std::filesystem::remove_all(dir_); }
    report_world(const report_world&) = delete;
    report_world& operator=(const report_world&) = delete;

    const std::string& dir() const { return dir_; }
    const std::string& db_path() const { return db_path_; }
    std::int64_t oldest_sync_ms() const { return oldest_sync_ms_; }

    // sotay-admin --db <db> report args...
    program_output report(std::vector<std::string> args) const {
        args.insert(args.begin(), {"--db", db_path_, "report"});
        return run_program(std::string(SOTAY_BIN_DIR) + "/sotay-admin", args);
    }
    // The same, which must succeed quietly.
    std::string report_ok(const std::vector<std::string>& args) const {
        const auto r = report(args);
        BOOST_TEST_REQUIRE(r.exit_code == 0, "exit " << r.exit_code << "; stderr: " << r.err);
        BOOST_TEST(r.err.empty(), "stderr: " << r.err);
        return r.out;
    }

  private:
    void fill(store::store& db) {
        std::vector<access::org_row> rows;
        const auto unit = [&](const char* code, const char* name, const char* parent,
                              const char* level) {
            rows.push_back({{code, name, parent, level}, rows.size() + 2});
        };
        unit("LS", "Tỉnh ủy Lạng Sơn", "", "Tỉnh");
        unit("LS.CL", "Huyện ủy Cao Lộc", "LS", "Huyện");
        unit("LS.TP", "Thành ủy Lạng Sơn", "LS", "Huyện");
        unit("LS.TP.P1", "Đảng ủy phường Chi Lăng", "LS.TP", "Cơ sở");
        unit("LS.TP.P2", "Đảng ủy phường Đông Kinh", "LS.TP", "Cơ sở");
        const auto imported = db.import_org(rows);
        BOOST_REQUIRE(imported && imported->applied);
        store::new_user u;
        u.username = "tester";
        u.display_name = "Cán bộ thử";
        u.org_unit = "LS";
        BOOST_REQUIRE(db.add_user(u));
        std::vector<std::string> devices;
        for (const char* name : {"phone 1", "phone 2", "phone 3"}) {
            auto d = db.add_device(name, "tester");
            BOOST_REQUIRE(d);
            devices.push_back(d->device_id);
        }

        std::vector<sync::change_msg> changes;
        const std::int64_t now = wall_ms();
        const auto add = [&](const char* type, const char* org_unit, sync::field_map fields) {
            sync::change_msg c;
            c.seq = changes.size() + 1;
            char id[40];
            std::snprintf(id, sizeof id, "0190f5a2-7c41-7d3e-8a5b-%012zu", changes.size() + 1);
            c.record = id;
            c.type = type;
            c.org_unit = org_unit;
            c.hlc = sync::format_hlc(
                {static_cast<std::uint64_t>(now), static_cast<std::uint32_t>(c.seq)});
            c.set = std::move(fields);
            changes.push_back(std::move(c));
        };
        for (int i = 0; i < 100; ++i)
            add("petition", "LS.TP.P1",
                petition("complaint", true, i < 95 ? "resolved" : "processing", "2024-03-04"));
        add("petition", "LS.TP.P1", petition("complaint", true, "resolved", "2023-12-31"));
        for (int i = 0; i < 50; ++i)
            add("petition", "LS.CL",
                petition(i % 2 ? "denunciation" : "complaint", true,
                         i < 46 ? "resolved" : "received", "2024-07-01"));
        for (int i = 0; i < 8; ++i)
            add("petition", "LS", petition("complaint", true, "resolved", "2024-12-31"));
        for (int i = 0; i < 5; ++i)
            add("petition", "LS.TP.P2", petition("feedback", false, "received", "2024-01-01"));
        add("citizen_contact", "LS.TP.P1",
            {{"kind", std::string("reception")},
             {"held_on", std::string("2024-05-01")},
             {"people_count", std::int64_t{4000}}});
        add("citizen_contact", "LS.TP.P2",
            {{"kind", std::string("reception")},
             {"held_on", std::string("2024-06-01")},
             {"people_count", std::int64_t{662}}});
        add("citizen_contact", "LS.CL",
            {{"kind", std::string("dialogue")},
             {"held_on", std::string("2024-06-01")},
             {"people_count", std::int64_t{300}}});
        add("model_work", "LS.TP.P1",
            {{"name", std::string("Mô hình dân vận khéo")},
             {"registered_on", std::string("2024-02-01")},
             {"status", std::string("completed")},
             {"completed_on", std::string("2024-10-01")},
             {"value_vnd", std::int64_t{719'690'000}}});
        add("model_work", "LS.CL",
            {{"name", std::string("Công trình đường bê tông")},
             {"registered_on", std::string("2024-03-01")},
             {"status", std::string("in_progress")},
             {"value_vnd", std::int64_t{6'000'000'000}}});

        // Phone 1 syncs everything an hour ago, phone 2 said hello ten days ago, phone 3
        // never did.
        oldest_sync_ms_ = now - 10 * day_ms;
        store::write_batch b;
        b.hellos.push_back({devices[0], now - hour_ms, now - hour_ms});
        b.hellos.push_back({devices[1], oldest_sync_ms_, oldest_sync_ms_});
        const auto count = changes.size();
        b.pushes.push_back({devices[0], 0, std::move(changes)});
        const auto out = db.write(b);
        BOOST_REQUIRE(out);
        const auto& results = out->pushes.at(0).results;
        BOOST_REQUIRE_EQUAL(results.size(), count);
        for (const auto& r : results) {
            BOOST_REQUIRE_MESSAGE(
                r.status == sync::change_status::applied,
                "change " << r.seq << ": " << (r.error ? r.error->message : "not applied"));
        }
    }

    std::string dir_;
    std::string db_path_;
    std::int64_t oldest_sync_ms_ = 0;
};

// The text row whose label (after its indentation) is `label`, the first after the row
// `after` (an indicator's heading), or "" when there is none.
std::string row_after(const std::string& out, const std::string& after, const std::string& label) {
    const auto lines = lines_of(out);
    auto it = std::find(lines.begin(), lines.end(), after);
    if (it == lines.end()) return "";
    for (; it != lines.end(); ++it) {
        const auto text = it->substr(it->find_first_not_of(' '));
        if (text.rfind(label + "  ", 0) == 0) return *it;
    }
    return "";
}

// A row's cells: its label and its figures, split on runs of two spaces or more.
std::vector<std::string> cells(const std::string& row) {
    std::vector<std::string> out;
    static const std::regex gap(" {2,}");
    const auto text = row.substr(row.find_first_not_of(' '));
    for (std::sregex_token_iterator it(text.begin(), text.end(), gap, -1), end; it != end; ++it)
        out.push_back(*it);
    return out;
}

// The figures after the label.
std::vector<std::string> figures(const std::string& out, const std::string& heading,
                                 const std::string& label) {
    auto c = cells(row_after(out, heading, label));
    if (!c.empty()) c.erase(c.begin());
    return c;
}

using strings = std::vector<std::string>;

// The CSV's rows, each split on commas (the test's names hold none).
std::vector<strings> csv_rows(const std::string& csv) {
    std::vector<strings> rows;
    for (const auto& line : lines_of(csv, "\r\n")) {
        if (line.empty()) continue;
        strings row;
        std::stringstream in(line);
        for (std::string cell; std::getline(in, cell, ',');) row.push_back(cell);
        if (!line.empty() && line.back() == ',') row.emplace_back();
        rows.push_back(std::move(row));
    }
    return rows;
}

// A refusal: nothing on stdout, the exit code, and stderr naming what is wrong.
void expect_refused(const program_output& r, int exit_code, const std::string& says) {
    BOOST_TEST(r.exit_code == exit_code, "exit " << r.exit_code << "; stderr: " << r.err);
    BOOST_TEST(r.out.empty(), "stdout: " << r.out);
    BOOST_TEST(contains(r.err, says), "stderr: " << r.err);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(admin_report)

BOOST_AUTO_TEST_CASE(the_vietnamese_report_shows_the_hand_computed_figures) {
    const report_world world;
    const auto out = world.report_ok({"--year", "2024"});

    const auto head = lines_of(out);
    BOOST_TEST_REQUIRE(head.size() > 3u);
    BOOST_TEST(head[0] == "Báo cáo số liệu: Tỉnh ủy Lạng Sơn (LS)");
    BOOST_TEST(head[1] == "Kỳ báo cáo: 01/01/2024 – 31/12/2024");
    BOOST_TEST(head[2] == "Số liệu tính đến: " + local_day(world.oldest_sync_ms()) +
                              " (lần đồng bộ cũ nhất của 3 thiết bị); 2 thiết bị chưa đồng bộ "
                              "quá 7 ngày, trong đó 1 chưa đồng bộ lần nào");

    // Petitions: the total, then the children in code order, then the root's own.
    BOOST_TEST(figures(out, "đơn thư", "tiếp nhận") == strings{"163"});
    BOOST_TEST(figures(out, "đơn thư", "khiếu nại, tố cáo thuộc thẩm quyền") == strings{"158"});
    BOOST_TEST(figures(out, "đơn thư", "đã giải quyết") == strings{"149"});
    BOOST_TEST(figures(out, "đơn thư", "tỷ lệ giải quyết") == (strings{"94,3%", "149/158"}));
    const auto rate = row_after(out, "đơn thư", "tỷ lệ giải quyết");
    BOOST_TEST(figures(out, rate, "Huyện ủy Cao Lộc") == (strings{"92%", "46/50"}));
    BOOST_TEST(figures(out, rate, "Thành ủy Lạng Sơn") == (strings{"95%", "95/100"}));
    BOOST_TEST(figures(out, rate, "trực tiếp tại Tỉnh ủy Lạng Sơn") == (strings{"100%", "8/8"}));

    // A count over a thousand is grouped with a dot; money in triệu and tỷ đồng.
    BOOST_TEST(figures(out, "tiếp công dân", "lượt công dân được tiếp") == strings{"4.662"});
    BOOST_TEST(figures(out, "mô hình, công trình làm theo Bác", "tổng giá trị") ==
               strings{"6,72 tỷ đồng"});
    const auto value = row_after(out, "mô hình, công trình làm theo Bác", "tổng giá trị");
    BOOST_TEST(figures(out, value, "Huyện ủy Cao Lộc") == strings{"6 tỷ đồng"});
    BOOST_TEST(figures(out, value, "Thành ủy Lạng Sơn") == strings{"719,69 triệu đồng"});
    BOOST_TEST(figures(out, "mô hình, công trình làm theo Bác", "hoàn thành") == strings{"1"});
    // No meetings: a rate with nothing to divide by has no percent.
    BOOST_TEST(figures(out, "sinh hoạt chi bộ có nội dung học tập",
                       "tỷ lệ buổi có nội dung học tập") == (strings{"-", "0/0"}));

    // One figure column: every row's figure ends in the same terminal column, counted in
    // code points (the names are Vietnamese, so counting bytes would misalign them).
    static const std::regex ratio_parts("  [0-9.]+/[0-9.]+$");
    std::set<std::size_t> ends;
    for (const auto& line : head) {
        if (line.rfind("  ", 0) != 0) continue;  // headings and blank lines
        ends.insert(code_points(std::regex_replace(line, ratio_parts, "")));
    }
    BOOST_TEST(ends.size() == 1u, "figure columns end at " << ends.size() << " places:\n" << out);
}

BOOST_AUTO_TEST_CASE(plain_numbers_and_english_labels_are_for_scripts) {
    const report_world world;
    const auto plain = world.report_ok({"--year", "2024", "--plain"});
    BOOST_TEST(contains(plain, "Kỳ báo cáo: 2024-01-01 – 2024-12-31\n"), plain);
    BOOST_TEST(figures(plain, "đơn thư", "tỷ lệ giải quyết") == (strings{"94.3", "149/158"}));
    const auto rate = row_after(plain, "đơn thư", "tỷ lệ giải quyết");
    BOOST_TEST(figures(plain, rate, "Huyện ủy Cao Lộc") == (strings{"92.0", "46/50"}));
    BOOST_TEST(figures(plain, "tiếp công dân", "lượt công dân được tiếp") == strings{"4662"});
    BOOST_TEST(figures(plain, "mô hình, công trình làm theo Bác", "tổng giá trị") ==
               strings{"6719690000"});
    BOOST_TEST(!contains(plain, "4.662"));
    BOOST_TEST(!contains(plain, "triệu"));
    BOOST_TEST(!contains(plain, "tỷ đồng"));

    // English labels keep the Vietnamese numbers unless --plain.
    const auto en = world.report_ok({"--year", "2024", "--lang", "en"});
    BOOST_TEST(contains(en, "Report: Tỉnh ủy Lạng Sơn (LS)\nPeriod: 01/01/2024 – 31/12/2024\n"),
               en);
    BOOST_TEST(contains(en, "2 devices not synced for over 7 days, 1 of them never\n"), en);
    BOOST_TEST(figures(en, "petitions", "resolution rate") == (strings{"94,3%", "149/158"}));
    const auto en_rate = row_after(en, "petitions", "resolution rate");
    BOOST_TEST(figures(en, en_rate, "directly at Tỉnh ủy Lạng Sơn") == (strings{"100%", "8/8"}));
    BOOST_TEST(figures(en, "citizen reception", "people received") == strings{"4.662"});
    const auto en_plain = world.report_ok({"--year", "2024", "--lang", "en", "--plain"});
    BOOST_TEST(figures(en_plain, "citizen reception", "people received") == strings{"4662"});

    // A longer staleness threshold: only the phone that never synced is stale.
    const auto lenient = world.report_ok({"--year", "2024", "--stale-days", "30"});
    BOOST_TEST(contains(lenient, "; 1 thiết bị chưa đồng bộ quá 30 ngày, trong đó 1 chưa"),
               lenient);
}

BOOST_AUTO_TEST_CASE(csv_is_the_download_and_its_parts_add_up_to_the_totals) {
    const report_world world;
    const auto csv = world.report_ok({"--from", "2024-01-01", "--to", "2024-12-31", "--csv"});
    const auto rows = csv_rows(csv);
    BOOST_TEST_REQUIRE(!rows.empty());
    BOOST_TEST(rows[0] == (strings{"indicator", "line", "part", "org_unit", "org_name", "value",
                                   "numerator", "denominator", "percent"}));

    std::vector<strings> petitions;
    for (const auto& r : rows)
        if (r.at(0) == "petitions") petitions.push_back(r);
    const std::vector<strings> expected{
        {"petitions", "received", "total", "LS", "Tỉnh ủy Lạng Sơn", "163", "", "", ""},
        {"petitions", "received", "child", "LS.CL", "Huyện ủy Cao Lộc", "50", "", "", ""},
        {"petitions", "received", "child", "LS.TP", "Thành ủy Lạng Sơn", "105", "", "", ""},
        {"petitions", "received", "direct", "LS", "Tỉnh ủy Lạng Sơn", "8", "", "", ""},
        {"petitions", "within_authority", "total", "LS", "Tỉnh ủy Lạng Sơn", "158", "", "", ""},
        {"petitions", "within_authority", "child", "LS.CL", "Huyện ủy Cao Lộc", "50", "", "", ""},
        {"petitions", "within_authority", "child", "LS.TP", "Thành ủy Lạng Sơn", "100", "", "", ""},
        {"petitions", "within_authority", "direct", "LS", "Tỉnh ủy Lạng Sơn", "8", "", "", ""},
        {"petitions", "resolved", "total", "LS", "Tỉnh ủy Lạng Sơn", "149", "", "", ""},
        {"petitions", "resolved", "child", "LS.CL", "Huyện ủy Cao Lộc", "46", "", "", ""},
        {"petitions", "resolved", "child", "LS.TP", "Thành ủy Lạng Sơn", "95", "", "", ""},
        {"petitions", "resolved", "direct", "LS", "Tỉnh ủy Lạng Sơn", "8", "", "", ""},
        {"petitions", "rate", "total", "LS", "Tỉnh ủy Lạng Sơn", "", "149", "158", "94.3"},
        {"petitions", "rate", "child", "LS.CL", "Huyện ủy Cao Lộc", "", "46", "50", "92.0"},
        {"petitions", "rate", "child", "LS.TP", "Thành ủy Lạng Sơn", "", "95", "100", "95.0"},
        {"petitions", "rate", "direct", "LS", "Tỉnh ủy Lạng Sơn", "", "8", "8", "100.0"},
    };
    BOOST_TEST(petitions == expected, csv);

    // Every count and sum line: its parts add up to its total (R3), ratios part by part.
    std::map<std::string, std::array<std::int64_t, 3>> total, parts;  // value, num, den
    const auto number = [](const std::string& s) { return s.empty() ? 0 : std::stoll(s); };
    for (std::size_t i = 1; i < rows.size(); ++i) {
        const auto& r = rows[i];
        BOOST_TEST_REQUIRE(r.size() == 9u, "row " << i);
        auto& into = r[2] == "total" ? total[r[0] + "." + r[1]] : parts[r[0] + "." + r[1]];
        into[0] += number(r[5]);
        into[1] += number(r[6]);
        into[2] += number(r[7]);
    }
    BOOST_TEST(total.size() == 21u);  // every line of every shipped indicator
    for (const auto& [line, t] : total) {
        if (line == "commitment_registration.rate") continue;  // distinct members: a union
        BOOST_TEST((parts[line] == t), line);
    }
    BOOST_TEST((total["citizen_reception.people"] == std::array<std::int64_t, 3>{4662, 0, 0}));
    BOOST_TEST((total["models.value"] == std::array<std::int64_t, 3>{6'719'690'000, 0, 0}));
}

BOOST_AUTO_TEST_CASE(json_is_the_apis_report_with_as_of) {
    const report_world world;
    const auto text = world.report_ok({"--year", "2024", "--json"});
    BOOST_TEST(std::count(text.begin(), text.end(), '\n') == 1, "one line, as other --json");
    const auto report = json::parse(text).as_object();
    BOOST_TEST(report.at("root").as_string() == "LS");
    BOOST_TEST(report.at("root_name").as_string() == "Tỉnh ủy Lạng Sơn");
    BOOST_TEST(report.at("period").as_object().at("from").as_string() == "2024-01-01");
    BOOST_TEST(report.at("period").as_object().at("to").as_string() == "2024-12-31");
    // Every change written (169 applied, server_seq 1..169) is in the figures.
    BOOST_TEST(report.at("as_of").to_number<std::uint64_t>() == 169u);
    const auto& fresh = report.at("freshness").as_object();
    BOOST_TEST(fresh.at("devices").to_number<int>() == 3);
    BOOST_TEST(fresh.at("stale").to_number<int>() == 2);
    BOOST_TEST(fresh.at("never_synced").to_number<int>() == 1);
    BOOST_TEST(fresh.at("oldest_sync_ms").to_number<std::int64_t>() == world.oldest_sync_ms());

    std::map<std::string, json::object> lines;
    for (const auto& ind : report.at("indicators").as_array()) {
        for (const auto& l : ind.as_object().at("lines").as_array()) {
            lines[std::string(ind.as_object().at("id").as_string()) + "." +
                  std::string(l.as_object().at("id").as_string())] = l.as_object();
        }
    }
    BOOST_TEST_REQUIRE(lines.count("petitions.rate") == 1u);
    const auto& rate = lines["petitions.rate"].at("total").as_object();
    BOOST_TEST(rate.at("numerator").to_number<int>() == 149);
    BOOST_TEST(rate.at("denominator").to_number<int>() == 158);
    BOOST_TEST(rate.at("percent").as_string() == "94.3");
    const auto& people = lines["citizen_reception.people"];
    BOOST_TEST(people.at("total").as_object().at("value").to_number<int>() == 4662);
    std::int64_t sum = 0;
    for (const auto& part : people.at("breakdown").as_array())
        sum += part.as_object().at("value").to_number<std::int64_t>();
    BOOST_TEST(sum == 4662);
    BOOST_TEST(lines["models.value"].at("unit").as_string() == "money");
}

BOOST_AUTO_TEST_CASE(indicator_and_org_narrow_the_report) {
    const report_world world;
    const auto csv = world.report_ok(
        {"--year", "2024", "--csv", "--indicator", "models", "--indicator", "petitions"});
    std::set<std::string> shown;
    for (const auto& r : csv_rows(csv)) shown.insert(r.at(0));
    BOOST_TEST(shown == (std::set<std::string>{"indicator", "models", "petitions"}));

    const auto text = world.report_ok({"--year", "2024", "--indicator", "citizen_reception"});
    BOOST_TEST(contains(text, "tiếp công dân\n"));
    BOOST_TEST(!contains(text, "đơn thư"), text);

    // A district: its communes are the breakdown, nothing of the other district counts.
    const auto district = world.report_ok({"--year", "2024", "--org", "LS.TP", "--plain"});
    BOOST_TEST(contains(district, "Báo cáo số liệu: Thành ủy Lạng Sơn (LS.TP)\n"), district);
    BOOST_TEST(figures(district, "đơn thư", "tiếp nhận") == strings{"105"});
    const auto received = row_after(district, "đơn thư", "tiếp nhận");
    BOOST_TEST(figures(district, received, "Đảng ủy phường Chi Lăng") == strings{"100"});
    BOOST_TEST(figures(district, received, "Đảng ủy phường Đông Kinh") == strings{"5"});
    BOOST_TEST(!contains(district, "Cao Lộc"));
    BOOST_TEST(!contains(district, "trực tiếp tại"));
    // The devices belong to a user at LS, outside this subtree.
    BOOST_TEST(contains(district, "Số liệu tính đến: không có thiết bị nào trong phạm vi này\n"),
               district);

    // The period bounds are inclusive: the petition received on 2023-12-31 counts in a
    // period that ends that day.
    const auto december = world.report_ok(
        {"--from", "2023-12-01", "--to", "2023-12-31", "--plain", "--indicator", "petitions"});
    BOOST_TEST(figures(december, "đơn thư", "tiếp nhận") == strings{"1"});
}

BOOST_AUTO_TEST_CASE(bad_periods_units_and_indicators_are_refused_with_what_to_do) {
    const report_world world;
    expect_refused(world.report({}), 2, "report needs a period: --year YYYY");
    expect_refused(world.report({"--from", "2024-01-01"}), 2, "both ends of the period");
    expect_refused(world.report({"--year", "2024", "--to", "2024-12-31"}), 2,
                   "give --year or --from and --to, not both");
    expect_refused(world.report({"--year", "24"}), 2, "--year must be a whole number from 1930");
    expect_refused(world.report({"--from", "2024-13-01", "--to", "2024-12-31"}), 2,
                   "the period's start \"2024-13-01\" is not a date");
    expect_refused(world.report({"--from", "2024-12-31", "--to", "2024-01-01"}), 2,
                   "swap the dates");
    expect_refused(world.report({"--year", "2024", "--csv", "--json"}), 2,
                   "choose one of --plain, --csv and --json");
    expect_refused(world.report({"--year", "2024", "--lang", "fr"}), 2, "--lang must be vi or en");
    expect_refused(world.report({"--year", "2024", "--stale-days", "0"}), 2,
                   "--stale-days must be a whole number from 1");
    // Usage errors end with the command's usage line.
    expect_refused(world.report({"--year", "2024", "--limit", "3"}), 2,
                   "usage: sotay-admin --db PATH report [--org CODE]");

    const auto unit = world.report({"--year", "2024", "--org", "LS.XX"});
    expect_refused(unit, 1, "sotay-admin: not_found: no org unit \"LS.XX\"");

    const auto indicator = world.report({"--year", "2024", "--indicator", "petition"});
    expect_refused(indicator, 2, "no indicator \"petition\"; the indicators are: ");
    for (const char* id : {"commitment_registration", "petitions", "models", "exemplars"})
        BOOST_TEST(contains(indicator.err, id), id << " in " << indicator.err);

    // Definition files: a missing one and a broken one, each named.
    const std::string missing = world.dir() + "/none.json";
    expect_refused(world.report({"--year", "2024", "--indicators", missing}), 1,
                   "sotay-admin: not_found: cannot read the indicator definitions " + missing);
    const std::string broken = world.dir() + "/broken.json";
    std::ofstream(broken) << R"({"version": 1, "measures": {"m": {"label": {"vi": "a", "en": "a"},
        "type": "petition", "where": [{"field": "status", "eq": "done"}],
        "aggregate": "count"}}, "indicators": []})";
    const auto bad = world.report({"--year", "2024", "--indicators", broken});
    expect_refused(bad, 1, "sotay-admin: validation: " + broken);
    BOOST_TEST(contains(bad.err, "\"done\""), bad.err);
    expect_refused(world.report({"--year", "2024", "--schema", missing}), 1,
                   "cannot read the record schema " + missing);
}

BOOST_AUTO_TEST_CASE(a_tree_of_several_roots_needs_org) {
    const report_world world;
    {
        auto db = store::open_sqlite_store(world.db_path());
        const auto r = db->import_org({{{"HN", "Thành ủy Hà Nội", "", "Tỉnh"}, 2}});
        BOOST_REQUIRE(r && r->applied);
    }
    expect_refused(world.report({"--year", "2024"}), 2,
                   "the org tree has 2 roots (HN, LS); choose one with --org CODE");
    const auto hanoi = world.report_ok({"--year", "2024", "--org", "HN", "--plain"});
    BOOST_TEST(figures(hanoi, "đơn thư", "tiếp nhận") == strings{"0"});
}

BOOST_AUTO_TEST_SUITE_END()
