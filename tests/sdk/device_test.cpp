// The device's local half (device.hpp D1-D3): the view, the outbox, ids and the clock.
#include "fake_server.hpp"

#include <sotay/sync/hlc.hpp>
#include <sotay/sync/ids.hpp>

#include <boost/test/unit_test.hpp>

#include <sqlite3.h>

#include <fstream>

using namespace sotay;
using namespace sotay::sdk_test;

namespace {

std::string text(const sdk::record_view& r, const std::string& field) {
    const auto it = r.fields.find(field);
    if (it == r.fields.end()) {
        return "<absent>";
    }
    const auto* s = std::get_if<std::string>(&it->second);
    return s != nullptr ? *s : "<not a string>";
}

sync::hlc hlc_of(const sync::change_msg& c) {
    const auto h = sync::parse_hlc(c.hlc);
    BOOST_TEST_REQUIRE(h.has_value());
    return *h;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(local_device)

BOOST_AUTO_TEST_CASE(a_new_record_is_in_the_view_at_once_with_one_pending_change) {
    temp_dir dir;
    sdk::device d(dir.file());
    const auto id = d.create("petition", "LS.TP.P1", petition("Đơn thư phản ánh tiếng ồn"));
    const auto r = d.get(id);
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(r->type == "petition");
    BOOST_TEST(r->org_unit == "LS.TP.P1");
    BOOST_TEST(r->version == 0u);
    BOOST_TEST(r->pending == 1u);
    BOOST_TEST(!r->deleted);
    BOOST_TEST(text(*r, "summary") == "Đơn thư phản ánh tiếng ồn");
    BOOST_TEST(d.list().size() == 1u);
    BOOST_TEST(d.status().pending == 1u);
    BOOST_TEST(!d.get("0190f5a2-7c41-7d3e-8a5b-000000000000").has_value());
}

BOOST_AUTO_TEST_CASE(each_edit_is_its_own_change_in_the_outbox_never_collapsed) {
    temp_dir dir;
    fake_server server;
    sdk::device d(dir.file(), options_for(server));
    d.configure(test_settings());
    const auto id = d.create("petition", "LS.TP.P1", petition("bản đầu"));
    d.edit(id, {{"status", std::string("processing")}});
    d.edit(id, {{"summary", std::string("bản sửa")}, {"kind", sync::value{}}});
    d.edit(id, {{"status", std::string("resolved")}});

    // The view applies them in order; a null clears a field.
    const auto r = d.get(id);
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(r->pending == 4u);
    BOOST_TEST(text(*r, "status") == "resolved");
    BOOST_TEST(text(*r, "summary") == "bản sửa");
    BOOST_TEST(text(*r, "kind") == "<absent>");
    BOOST_TEST(d.status().last_seq_made == 4u);

    // On the wire: four changes, seqs 1..4, clocks strictly increasing, each with only
    // the fields its edit set.
    d.sync();
    BOOST_TEST_REQUIRE(server.pushes.size() == 1u);
    const auto& changes = server.pushes[0].changes;
    BOOST_TEST_REQUIRE(changes.size() == 4u);
    for (std::size_t i = 0; i < changes.size(); ++i) {
        BOOST_TEST(changes[i].seq == i + 1);
        BOOST_TEST(changes[i].record == id);
        BOOST_TEST(changes[i].base == 0u);  // nothing was confirmed when they were made
        if (i > 0) {
            BOOST_TEST((hlc_of(changes[i - 1]) < hlc_of(changes[i])));
        }
    }
    BOOST_TEST(changes[1].set.size() == 1u);
    BOOST_TEST(changes[2].set.size() == 2u);
    BOOST_TEST(sync::is_null(changes[2].set.at("kind")));
}

BOOST_AUTO_TEST_CASE(an_edit_carries_the_confirmed_version_as_its_base) {
    temp_dir dir;
    fake_server server;
    sdk::device d(dir.file(), options_for(server));
    d.configure(test_settings());
    const auto id = d.create("petition", "LS.TP.P1", petition("a"));
    d.edit(id, {{"status", std::string("processing")}});
    d.sync();
    BOOST_TEST(d.get(id)->version == 2u);
    d.edit(id, {{"status", std::string("resolved")}});
    d.remove(id);
    d.sync();
    BOOST_TEST_REQUIRE(server.pushes.size() == 2u);
    BOOST_TEST(server.pushes[1].changes.at(0).base == 2u);
    BOOST_TEST(server.pushes[1].changes.at(1).base == 2u);
    BOOST_TEST(server.pushes[1].changes.at(1).del);
}

BOOST_AUTO_TEST_CASE(a_deleted_record_leaves_the_list_and_cannot_be_edited) {
    temp_dir dir;
    sdk::device d(dir.file());
    const auto keep = d.create("petition", "LS.TP.P1", petition("giữ"));
    const auto gone = d.create("petition", "LS.TP.P1", petition("xóa"));
    d.remove(gone);
    const auto r = d.get(gone);
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(r->deleted);
    const auto all = d.list();
    BOOST_TEST_REQUIRE(all.size() == 1u);
    BOOST_TEST(all[0].id == keep);
    try {
        d.edit(gone, {{"status", std::string("resolved")}});
        BOOST_FAIL("editing a deleted record must throw");
    } catch (const sdk::error& e) {
        BOOST_TEST((e.kind() == sdk::error_kind::deleted));
    }
    try {
        d.remove("0190f5a2-7c41-7d3e-8a5b-000000000000");
        BOOST_FAIL("deleting an unknown record must throw");
    } catch (const sdk::error& e) {
        BOOST_TEST((e.kind() == sdk::error_kind::not_found));
    }
    BOOST_TEST(d.status().last_seq_made == 3u);  // the refused edits used no seq
}

BOOST_AUTO_TEST_CASE(list_filters_by_type_and_sorts_by_creation) {
    temp_dir dir;
    sdk::device d(dir.file());
    const auto p1 = d.create("petition", "LS.TP.P1", petition("1"));
    const auto s1 = d.create("study_session", "LS.TP.P1", {{"held_on", std::string("2022-05-01")}});
    const auto p2 = d.create("petition", "LS.TP.P1", petition("2"));
    const auto petitions = d.list(std::string("petition"));
    BOOST_TEST_REQUIRE(petitions.size() == 2u);
    BOOST_TEST(petitions[0].id == p1);
    BOOST_TEST(petitions[1].id == p2);
    const auto all = d.list();
    BOOST_TEST_REQUIRE(all.size() == 3u);
    BOOST_TEST(all[1].id == s1);
}

BOOST_AUTO_TEST_CASE(record_ids_are_uuidv7_and_increase_even_within_one_millisecond) {
    temp_dir dir;
    fake_server server;
    const std::int64_t frozen = 1'795'000'000'000LL;  // every id in the same millisecond
    sdk::device d(dir.file(), options_for(server, &frozen));
    std::vector<std::string> ids;
    d.batch([&] {
        for (int i = 0; i < 5000; ++i) {
            ids.push_back(d.create("petition", "LS.TP.P1", {{"n", std::int64_t{i}}}));
        }
    });
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const auto bytes = sync::parse_uuid(ids[i]);
        BOOST_TEST_REQUIRE(bytes.has_value());
        BOOST_TEST(((*bytes)[6] >> 4) == 7);       // version 7
        BOOST_TEST(((*bytes)[8] >> 6) == 0b10);    // RFC variant
        if (i > 0) {
            BOOST_TEST_REQUIRE(ids[i - 1] < ids[i]);
        }
    }
    // The first id's 48-bit time is the device clock (later ones may run ahead once
    // 4096 ids exhaust a millisecond).
    const auto first = *sync::parse_uuid(ids.front());
    std::uint64_t ms = 0;
    for (int i = 0; i < 6; ++i) {
        ms = (ms << 8) | first[static_cast<std::size_t>(i)];
    }
    BOOST_TEST(ms == static_cast<std::uint64_t>(frozen));
}

BOOST_AUTO_TEST_CASE(seqs_and_the_clock_survive_a_restart_and_never_go_back) {
    temp_dir dir;
    fake_server server;
    std::int64_t clock = 1'795'000'000'000LL;
    std::string id;
    {
        sdk::device d(dir.file(), options_for(server, &clock));
        d.configure(test_settings());
        id = d.create("petition", "LS.TP.P1", petition("a"));
        d.edit(id, {{"status", std::string("processing")}});
    }
    // The app restarts; meanwhile the phone's clock was set back an hour.
    clock -= 3'600'000;
    sdk::device d(dir.file(), options_for(server, &clock));
    d.edit(id, {{"status", std::string("resolved")}});
    BOOST_TEST(d.status().last_seq_made == 3u);
    d.sync();
    BOOST_TEST_REQUIRE(server.pushes.size() == 1u);
    const auto& c = server.pushes[0].changes;
    BOOST_TEST_REQUIRE(c.size() == 3u);
    BOOST_TEST(c[2].seq == 3u);
    BOOST_TEST((hlc_of(c[1]) < hlc_of(c[2])));
    BOOST_TEST(hlc_of(c[2]).wall_ms == 1'795'000'000'000ULL);  // held, not gone back
}

BOOST_AUTO_TEST_CASE(bad_names_and_values_are_refused_before_they_reach_the_outbox) {
    temp_dir dir;
    sdk::device d(dir.file());
    const auto refused = [&](auto&& call) {
        try {
            call();
        } catch (const sdk::error& e) {
            return e.kind() == sdk::error_kind::invalid_argument;
        }
        return false;
    };
    BOOST_TEST(refused([&] { d.create("", "LS.TP.P1", {}); }));
    BOOST_TEST(refused([&] { d.create("petition", "", {}); }));
    BOOST_TEST(refused([&] { d.create("petition", "LS", {{"_deleted", true}}); }));
    BOOST_TEST(refused([&] { d.create("petition", "LS", {{"", true}}); }));
    BOOST_TEST(refused(
        [&] { d.create("petition", "LS", {{"summary", std::string(70 * 1024, 'x')}}); }));
    const auto id = d.create("petition", "LS", {});
    BOOST_TEST(refused([&] { d.edit(id, {}); }));
    BOOST_TEST(d.status().last_seq_made == 1u);
}

BOOST_AUTO_TEST_CASE(a_batch_commits_all_of_its_edits_or_none) {
    temp_dir dir;
    sdk::device d(dir.file());
    d.batch([&] {
        d.create("petition", "LS", petition("1"));
        d.create("petition", "LS", petition("2"));
    });
    BOOST_TEST(d.list().size() == 2u);
    try {
        d.batch([&] {
            d.create("petition", "LS", petition("3"));
            throw std::runtime_error("the app gave up half-way");
        });
    } catch (const std::runtime_error&) {
    }
    BOOST_TEST(d.list().size() == 2u);
    BOOST_TEST(d.status().last_seq_made == 2u);
    // A failed edit inside a batch undoes only itself.
    d.batch([&] {
        d.create("petition", "LS", petition("4"));
        try {
            d.edit("0190f5a2-7c41-7d3e-8a5b-000000000000", {{"a", true}});
        } catch (const sdk::error&) {
        }
    });
    BOOST_TEST(d.list().size() == 3u);
    BOOST_TEST(d.status().last_seq_made == 3u);
}

BOOST_AUTO_TEST_CASE(configure_refuses_bad_settings_and_another_devices_replica) {
    temp_dir dir;
    sdk::device d(dir.file());
    auto s = test_settings();
    const auto kind_of = [&](const sdk::device_settings& bad) {
        try {
            d.configure(bad);
        } catch (const sdk::error& e) {
            return e.kind();
        }
        return sdk::error_kind::protocol;  // "did not throw"
    };
    auto bad = s;
    bad.url = "http://127.0.0.1:1/sync";
    BOOST_TEST((kind_of(bad) == sdk::error_kind::invalid_argument));
    bad = s;
    bad.url = "wss://sotay.example/sync";
    bad.ca_file = (dir.dir / "missing-ca.pem").string();  // checked at setup, not at sync
    BOOST_TEST((kind_of(bad) == sdk::error_kind::invalid_argument));
    bad = s;
    bad.device_id = "0190F5A2-7C41-7D3E-8A5B-1C2D3E4F5A6B";  // uppercase
    BOOST_TEST((kind_of(bad) == sdk::error_kind::invalid_argument));

    d.configure(s);
    d.create("petition", "LS", {});
    auto other = s;
    other.device_id = "0190f5a2-7c41-7d3e-8a5b-ffffffffffff";
    BOOST_TEST((kind_of(other) == sdk::error_kind::invalid_argument));
    // The same device may change its URL or token.
    auto moved = s;
    moved.url = "ws://10.0.0.2:8080/sync";
    d.configure(moved);
    BOOST_TEST(d.settings()->url == moved.url);
}

BOOST_AUTO_TEST_CASE(server_urls_parse_with_a_default_path) {
    std::string why;
    const auto u = sdk::parse_server_url("ws://127.0.0.1:8080", why);
    BOOST_TEST_REQUIRE(u.has_value());
    BOOST_TEST(u->host == "127.0.0.1");
    BOOST_TEST(u->port == 8080);
    BOOST_TEST(u->path == "/sync");
    BOOST_TEST(!u->tls);
    const auto v = sdk::parse_server_url("ws://sotay.example/api/sync", why);
    BOOST_TEST_REQUIRE(v.has_value());
    BOOST_TEST(v->port == 80);
    BOOST_TEST(v->path == "/api/sync");
    BOOST_TEST(!sdk::parse_server_url("ws://127.0.0.1:99999/sync", why).has_value());
    BOOST_TEST(!sdk::parse_server_url("127.0.0.1:8080", why).has_value());
}

BOOST_AUTO_TEST_CASE(wss_urls_mean_tls_with_port_443_unless_one_is_given) {
    struct good {
        std::string url;
        std::string host;
        std::uint16_t port;
        std::string path;
        bool tls;
    };
    const std::vector<good> cases = {
        {"wss://sotay.example", "sotay.example", 443, "/sync", true},
        {"wss://sotay.example/", "sotay.example", 443, "/sync", true},
        {"wss://sotay.example:8443/sync", "sotay.example", 8443, "/sync", true},
        {"WSS://sotay.example/v2/sync", "sotay.example", 443, "/v2/sync", true},
        {"wss://10.0.0.2:9000", "10.0.0.2", 9000, "/sync", true},
        {"wss://[::1]:8443/sync", "::1", 8443, "/sync", true},
        {"ws://sotay.example:8080/sync", "sotay.example", 8080, "/sync", false},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.url) {
            std::string why;
            const auto u = sdk::parse_server_url(c.url, why);
            BOOST_TEST_REQUIRE(u.has_value(), why);
            BOOST_TEST(u->host == c.host);
            BOOST_TEST(u->port == c.port);
            BOOST_TEST(u->path == c.path);
            BOOST_TEST(u->tls == c.tls);
        }
    }
}

BOOST_AUTO_TEST_CASE(bad_server_urls_are_refused_with_a_sentence_naming_the_fault) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"https://sotay.example/sync", "must start with wss:// or ws://"},
        {"http://sotay.example/sync", "must start with wss:// or ws://"},
        {"sotay.example:8080", "must start with wss:// or ws://"},
        {"wss:///sync", "names no host"},
        {"wss://sotay.example:0/sync", "bad port '0'"},
        {"wss://sotay.example:65536/sync", "bad port '65536'"},
        {"wss://sotay.example:84x3/sync", "bad port or path"},
        {"wss://sotay.example/sync?token=x", "must not carry a query"},
        {"wss://sotay.example/sync#x", "must not carry a query, fragment"},
        {"wss://lan@sotay.example/sync", "must not carry a query, fragment or user name"},
        {"not a url", "is not a URL"},
        {"", "is not a URL"},
    };
    for (const auto& [url, expected] : cases) {
        BOOST_TEST_CONTEXT(url) {
            std::string why;
            BOOST_TEST(!sdk::parse_server_url(url, why).has_value());
            BOOST_TEST(why.find(expected) != std::string::npos, why);
        }
    }
}

BOOST_AUTO_TEST_CASE(the_ca_file_is_kept_with_the_settings_and_may_change_with_them) {
    temp_dir dir;
    const auto ca = dir.file("ca.pem");
    std::ofstream(ca) << "-----BEGIN CERTIFICATE-----\n";  // only its existence is checked here
    auto s = test_settings();
    s.url = "wss://sotay.example:8443/sync";
    s.ca_file = ca.string();
    {
        sdk::device d(dir.file());
        d.configure(s);
    }
    sdk::device reopened(dir.file());
    BOOST_TEST(reopened.settings()->ca_file == ca.string());
    BOOST_TEST(reopened.settings()->url == s.url);
    s.ca_file.clear();  // back to the system's trust store
    reopened.configure(s);
    BOOST_TEST(reopened.settings()->ca_file.empty());
}

BOOST_AUTO_TEST_CASE(a_replica_written_before_ca_files_existed_is_upgraded_in_place) {
    temp_dir dir;
    std::string id;
    {
        sdk::device d(dir.file());
        d.configure(test_settings());
        id = d.create("petition", "LS.TP.P1", petition("trước khi nâng cấp"));
    }
    // Back to local schema 1, as the SDK of issue 3 wrote it: meta had no ca_file and no
    // review_cursor, and there was no review_items table.
    sqlite3* db = nullptr;
    BOOST_TEST_REQUIRE(sqlite3_open(dir.file().string().c_str(), &db) == SQLITE_OK);
    const int rc = sqlite3_exec(db,
                                "ALTER TABLE meta DROP COLUMN ca_file; "
                                "ALTER TABLE meta DROP COLUMN review_cursor; "
                                "DROP TABLE review_items; PRAGMA user_version = 1;",
                                nullptr, nullptr, nullptr);
    sqlite3_close(db);
    BOOST_TEST_REQUIRE(rc == SQLITE_OK);

    sdk::device d(dir.file());
    BOOST_TEST(d.settings()->device_id == test_settings().device_id);
    BOOST_TEST(d.settings()->ca_file.empty());
    BOOST_TEST(d.get(id).has_value());
    BOOST_TEST(d.status().last_seq_made == 1u);
    BOOST_TEST(d.status().review_cursor == 0u);
    BOOST_TEST(d.open_review_items().empty());
    const auto ca = dir.file("ca.pem");
    std::ofstream(ca) << "-----BEGIN CERTIFICATE-----\n";
    auto s = test_settings();
    s.ca_file = ca.string();
    d.configure(s);
    BOOST_TEST(sdk::device(dir.file()).settings()->ca_file == ca.string());
}

BOOST_AUTO_TEST_SUITE_END()
