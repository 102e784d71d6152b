// The audit history over HTTP (docs/audit.md, docs/api.md): who may read it (auditors and
// admins; officers and reviewers 403), what a subtree sees, a record's timeline with
// field-level before/after and its review decision, both export formats (the JSONL one
// re-hashed into the whole chain), and a signed head that audit::check accepts.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>
#include <memory>
#include <set>
#include <sotay/audit/chain.hpp>
#include <sotay/audit/entry.hpp>
#include <sotay/audit/signing.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "api_fixture.hpp"

namespace sotay::api_test {
namespace {

using access::role;
namespace json = boost::json;

std::string text(const json::value& v) {
    return std::string(v.as_string());
}

// Officers and phones in the city (LS.TP) and in Cao Lộc (LS.CL); an auditor and an
// admin at the root, an auditor of Cao Lộc only, an officer and a reviewer of the city.
struct audit_fixture : api_fixture {
    audit_fixture() : api_fixture(default_schema()) {
        settings.audit_key = std::make_shared<const audit::signing_key>(audit::seed{42});
        add_user("off_a", role::officer, "LS.TP");
        add_user("off_b", role::officer, "LS.TP");
        add_user("off_x", role::officer, "LS.CL");
        add_user("off_y", role::officer, "LS.CL");
        add_user("rev_tp", role::reviewer, "LS.TP");
        add_user("aud", role::auditor, "LS");
        add_user("aud_cl", role::auditor, "LS.CL");
        add_user("adm", role::admin, "LS");
        a = phone("off_a");
        b = phone("off_b");
        x = phone("off_x");
        y = phone("off_y");
        auditor = session_of("aud");
    }

    std::string phone(const std::string& username) {
        auto d = db->add_device("máy của " + username, username);
        BOOST_REQUIRE(d.has_value());
        return d->device_id;
    }

    // Every entry of a history listing, following the pages.
    std::vector<json::object> all_entries(const std::string& cookie, const std::string& filters) {
        std::vector<json::object> out;
        std::uint64_t after = 0;
        while (true) {
            const auto res = get(
                "/api/v1/audit/history?limit=7&after=" + std::to_string(after) + filters, cookie);
            BOOST_REQUIRE_MESSAGE(res.result_int() == 200, res.body());
            const auto page = body_of(res);
            for (const auto& e : page.at("entries").as_array()) out.push_back(e.as_object());
            if (!page.at("more").as_bool()) return out;
            after = page.at("next").to_number<std::uint64_t>();
        }
    }

    std::string a, b, x, y;
    std::string auditor;
};

std::set<std::string> records_of(const std::vector<json::object>& entries) {
    std::set<std::string> out;
    for (const auto& e : entries) {
        if (!e.at("record").as_string().empty()) out.insert(text(e.at("record")));
    }
    return out;
}

// CSV rows (RFC 4180: quoted cells may hold commas, quotes and line breaks).
std::vector<std::vector<std::string>> parse_csv(const std::string& s) {
    std::vector<std::vector<std::string>> rows(1);
    std::string cell;
    bool quoted = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (quoted) {
            if (c == '"' && i + 1 < s.size() && s[i + 1] == '"') {
                cell += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                cell += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            rows.back().push_back(std::move(cell));
            cell.clear();
        } else if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') {
            rows.back().push_back(std::move(cell));
            cell.clear();
            rows.emplace_back();
            ++i;
        } else {
            cell += c;
        }
    }
    if (rows.back().empty()) rows.pop_back();
    return rows;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(audit_api)

BOOST_FIXTURE_TEST_CASE(officers_and_reviewers_are_refused_every_audit_endpoint, audit_fixture) {
    const auto item = field_conflict(a, b, "LS.TP.P1");
    const std::vector<std::string> targets = {
        "/api/v1/audit/history", "/api/v1/audit/records/" + item.record + "/timeline",
        "/api/v1/audit/export?format=csv", "/api/v1/audit/head"};
    for (const char* who : {"off_a", "rev_tp"}) {
        const auto cookie = session_of(who);
        for (const auto& t : targets) {
            const auto res = get(t, cookie);
            BOOST_TEST(res.result_int() == 403, who << " " << t);
            BOOST_TEST(code_of(res) == "forbidden");
        }
    }
    for (const auto& t : targets) BOOST_TEST(get(t).result_int() == 401, t);
    const auto admin = session_of("adm");
    for (const auto& t : targets) BOOST_TEST(get(t, admin).result_int() == 200, t);
}

BOOST_FIXTURE_TEST_CASE(an_auditor_at_the_root_sees_everything_and_one_of_a_district_its_part,
                        audit_fixture) {
    const auto city = field_conflict(a, b, "LS.TP.P1");
    const auto district = field_conflict(x, y, "LS.CL.X1");
    // An administrative action through the API is recorded with its actor.
    const auto admin = session_of("adm");
    BOOST_REQUIRE(post("/api/v1/users/off_b/disable", "{}", admin).result_int() == 200);

    const auto everything = all_entries(auditor, "");
    BOOST_TEST((records_of(everything) == std::set<std::string>{city.record, district.record}));
    // Entries are numbered without gaps from 1: the root auditor reads the whole chain.
    for (std::size_t i = 0; i < everything.size(); ++i) {
        BOOST_TEST(everything[i].at("seq").to_number<std::uint64_t>() == i + 1);
    }
    bool saw_disable = false;
    for (const auto& e : everything) {
        if (e.at("record").as_string().empty() && text(e.at("username")) == "adm") {
            saw_disable = true;
        }
    }
    BOOST_TEST(saw_disable, "the admin's disable through the API is in the history as adm");

    const auto part = all_entries(session_of("aud_cl"), "");
    BOOST_TEST((records_of(part) == std::set<std::string>{district.record}));
    for (const auto& e : part) {
        BOOST_TEST(!e.at("record").as_string().empty(), "entries about no record are the root's");
    }

    // Filters: by user, by device, by record, by kind, by a unit outside the scope.
    for (const auto& e : all_entries(auditor, "&user=off_x")) {
        BOOST_TEST(text(e.at("username")) == "off_x");
    }
    BOOST_TEST(!all_entries(auditor, "&device=" + y).empty());
    for (const auto& e : all_entries(auditor, "&device=" + y)) {
        BOOST_TEST(text(e.at("device_id")) == y);
    }
    BOOST_TEST((records_of(all_entries(auditor, "&record=" + city.record)) ==
                std::set<std::string>{city.record}));
    for (const auto& e : all_entries(auditor, "&kind=change")) {
        BOOST_TEST(text(e.at("kind")) == "change");
    }
    BOOST_TEST(get("/api/v1/audit/history?org_unit=LS.TP", session_of("aud_cl")).result_int() ==
               404);
    BOOST_TEST(code_of(get("/api/v1/audit/history?limit=0", auditor)) == "validation");
    BOOST_TEST(code_of(get("/api/v1/audit/history?from=2024-13-01", auditor)) == "validation");
}

BOOST_FIXTURE_TEST_CASE(a_timeline_tells_every_change_field_by_field_and_the_decision,
                        audit_fixture) {
    const auto item = field_conflict(a, b, "LS.TP.P1");
    const auto reviewer = session_of("rev_tp");
    BOOST_REQUIRE(post("/api/v1/review/items/" + std::to_string(item.item) + "/resolve",
                       R"({"value":"received"})", reviewer)
                      .result_int() == 200);

    const auto res = get("/api/v1/audit/records/" + item.record + "/timeline", auditor);
    BOOST_REQUIRE_MESSAGE(res.result_int() == 200, res.body());
    const auto body = body_of(res);
    const auto& entries = body.at("entries").as_array();
    // Who set status to what, in order: a received, a processing, b resolved, the reviewer.
    std::vector<std::string> story;
    std::uint64_t last_seq = 0;
    for (const auto& v : entries) {
        const auto& e = v.as_object();
        BOOST_TEST(e.at("seq").to_number<std::uint64_t>() > last_seq);
        last_seq = e.at("seq").to_number<std::uint64_t>();
        BOOST_TEST(text(e.at("record")) == item.record);
        const auto& fields = e.at("fields").as_object();
        if (const auto* status = fields.if_contains("status")) {
            const auto& change = status->as_object();
            story.push_back(text(e.at("username")) + ":" + json::serialize(change.at("before")) +
                            "->" + json::serialize(change.at("after")));
        }
        if (text(e.at("kind")) == "change" && !e.at("device_id").as_string().empty()) {
            BOOST_TEST(e.at("device_time_ms").is_int64(), "a device's change has its clock");
            BOOST_TEST(e.at("at_ms").is_int64());
        }
    }
    const std::vector<std::string> expected = {
        "off_a:null->\"received\"", "off_a:\"received\"->\"processing\"",
        "off_b:\"processing\"->\"resolved\"", "rev_tp:\"resolved\"->\"received\""};
    BOOST_TEST(story == expected, boost::test_tools::per_element());
    bool decision = false;
    for (const auto& v : entries) {
        if (text(v.as_object().at("kind")) != "decision") continue;
        decision = true;
        // How it was decided, like an administrative action: over the API, from where.
        const auto& detail = v.as_object().at("detail").as_object();
        BOOST_TEST(text(detail.at("via")) == "api");
        BOOST_TEST(text(detail.at("address")).find("192.0.2.10") == 0u);
    }
    BOOST_TEST(decision, "the decision has its own entry");

    const auto& items = body.at("review_items").as_array();
    BOOST_REQUIRE(items.size() == 1u);
    BOOST_TEST(text(items[0].as_object().at("state")) == "resolved");
    BOOST_TEST(text(items[0].as_object().at("decided_by")) == "rev_tp");

    // Outside the caller's part, or unknown: not found.
    BOOST_TEST(get("/api/v1/audit/records/" + item.record + "/timeline", session_of("aud_cl"))
                   .result_int() == 404);
    BOOST_TEST(get("/api/v1/audit/records/no-such-record/timeline", auditor).result_int() == 404);
}

BOOST_FIXTURE_TEST_CASE(the_jsonl_export_rehashes_into_the_whole_chain, audit_fixture) {
    field_conflict(a, b, "LS.TP.P1");
    field_conflict(x, y, "LS.CL.X1");
    const auto res = get("/api/v1/audit/export?format=jsonl", auditor);
    BOOST_REQUIRE_MESSAGE(res.result_int() == 200, res.body());
    BOOST_TEST(std::string(res[http::field::content_type]).starts_with("application/x-ndjson"));

    std::istringstream lines(res.body());
    audit::digest prev = audit::genesis;
    std::uint64_t n = 0;
    for (std::string line; std::getline(lines, line);) {
        const auto o = json::parse(line).as_object();
        const std::string body = text(o.at("body"));
        const auto seq = o.at("seq").to_number<std::uint64_t>();
        BOOST_TEST(seq == ++n);
        BOOST_TEST(audit::parse_entry(body).has_value(), body);
        const auto hash = audit::link(prev, seq, body);
        BOOST_TEST(audit::hex(hash) == text(o.at("hash")), "entry " << seq);
        prev = hash;
    }
    BOOST_TEST(n == db->history_head().first);
    BOOST_TEST(audit::hex(prev) == audit::hex(db->history_head().second));

    // A subtree's export holds its records only.
    const auto part = get("/api/v1/audit/export?format=jsonl&org_unit=LS.CL", auditor);
    BOOST_REQUIRE(part.result_int() == 200);
    std::istringstream part_lines(part.body());
    std::size_t count = 0;
    for (std::string line; std::getline(part_lines, line); ++count) {
        const auto entry = audit::parse_entry(text(json::parse(line).as_object().at("body")));
        BOOST_REQUIRE(entry.has_value());
        BOOST_TEST(entry->org_unit.starts_with("LS.CL"));
    }
    BOOST_TEST(count > 0u);
    BOOST_TEST(code_of(get("/api/v1/audit/export?format=xml", auditor)) == "validation");
}

BOOST_FIXTURE_TEST_CASE(the_csv_export_has_a_row_per_field_change_quoted_as_rfc_4180,
                        audit_fixture) {
    const std::string record = new_record_id();
    auto fields = petition();
    fields["summary"] = sync::value{std::string("đất đai, \"gấp\"\nxem lại")};
    push(a, {change(a, record, "LS.TP.P1", 0, fields)});

    const auto res = get("/api/v1/audit/export?format=csv", auditor);
    BOOST_REQUIRE_MESSAGE(res.result_int() == 200, res.body());
    BOOST_TEST(std::string(res[http::field::content_type]).starts_with("text/csv"));
    const auto rows = parse_csv(res.body());
    BOOST_REQUIRE(!rows.empty());
    const std::vector<std::string> header = {"seq",    "at",     "kind",  "user",
                                             "device", "record", "type",  "org_unit",
                                             "field",  "before", "after", "hash"};
    BOOST_TEST(rows[0] == header, boost::test_tools::per_element());
    std::set<std::string> changed;
    for (std::size_t i = 1; i < rows.size(); ++i) {
        BOOST_REQUIRE(rows[i].size() == header.size());
        if (rows[i][5] != record) continue;
        changed.insert(rows[i][8]);
        BOOST_TEST(rows[i][3] == "off_a");
        BOOST_TEST(rows[i][4] == a);
        BOOST_TEST(rows[i][11].size() == 64u);
        if (rows[i][8] == "summary") {
            BOOST_TEST(rows[i][9] == "null");
            BOOST_TEST(rows[i][10] == "đất đai, \"gấp\"\nxem lại");
        }
    }
    BOOST_TEST(changed.count("summary") == 1u);
    BOOST_TEST(changed.count("status") == 1u);
}

BOOST_FIXTURE_TEST_CASE(the_head_is_signed_by_the_servers_key_over_the_newest_entry,
                        audit_fixture) {
    field_conflict(a, b, "LS.TP.P1");
    const auto res = get("/api/v1/audit/head", auditor);
    BOOST_REQUIRE_MESSAGE(res.result_int() == 200, res.body());
    const auto head = audit::head_from_json(res.body());
    BOOST_REQUIRE(head.has_value());
    BOOST_TEST(audit::check(*head));
    BOOST_TEST(audit::check(*head, settings.audit_key->public_part()));
    const auto [seq, hash] = db->history_head();
    BOOST_TEST(head->seq == seq);
    BOOST_TEST(audit::hex(head->hash) == audit::hex(hash));

    // Without a key the server says so rather than sign with nothing.
    settings.audit_key.reset();
    BOOST_TEST(code_of(get("/api/v1/audit/head", auditor)) == "internal");
}

BOOST_FIXTURE_TEST_CASE(logins_and_failed_logins_are_recorded_with_the_address, audit_fixture) {
    add_user("with_password", role::officer, "LS.TP.P1", good_password);
    BOOST_REQUIRE(
        post("/api/v1/login", R"({"username":"with_password","password":"sai mật khẩu rồi"})")
            .result_int() == 401);
    BOOST_REQUIRE(post("/api/v1/login", R"({"username":"with_password","password":")" +
                                            std::string(good_password) + "\"}")
                      .result_int() == 200);
    std::set<std::string> kinds;
    for (const auto& e : all_entries(auditor, "&user=with_password")) {
        kinds.insert(text(e.at("kind")));
        BOOST_TEST(json::serialize(e.at("detail")).find("192.0.2.10") != std::string::npos,
                   json::serialize(e));
    }
    BOOST_TEST(kinds.count("login") == 1u);
    BOOST_TEST(kinds.count("login_failed") == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace sotay::api_test
