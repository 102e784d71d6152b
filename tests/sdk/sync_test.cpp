// sync() against the in-process fake server (device.hpp D3-D5, sync.cpp steps 1-6):
// resumption after lost links, restores, seq gaps, the clock correction, limits and
// progress.
#include "fake_server.hpp"

#include <sotay/sync/hlc.hpp>

#include <boost/test/unit_test.hpp>

#include <cstdlib>

using namespace sotay;
using namespace sotay::sdk_test;

namespace {

constexpr std::int64_t ten_years_ms = 10LL * 365 * 86'400'000;

// A string field of a record, as the device or the server holds it.
template <typename Record>
std::string text(const Record& r, const std::string& field) {
    const auto it = r.fields.find(field);
    if (it == r.fields.end()) {
        return "<absent>";
    }
    const auto* s = std::get_if<std::string>(&it->second);
    return s != nullptr ? *s : "<not a string>";
}

// The seqs of every change the server applied, in order.
std::vector<std::uint64_t> applied_seqs(const fake_server& s) {
    std::vector<std::uint64_t> seqs;
    for (const auto& c : s.applied) {
        seqs.push_back(c.seq);
    }
    return seqs;
}

std::vector<std::uint64_t> one_to(std::uint64_t n) {
    std::vector<std::uint64_t> v;
    for (std::uint64_t i = 1; i <= n; ++i) {
        v.push_back(i);
    }
    return v;
}

sdk::error_kind sync_failure(sdk::device& d) {
    try {
        d.sync();
    } catch (const sdk::error& e) {
        return e.kind();
    }
    BOOST_FAIL("sync was expected to fail");
    return sdk::error_kind::protocol;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(device_sync)

BOOST_AUTO_TEST_CASE(sync_pushes_the_outbox_in_seq_order_then_pulls_the_confirmed_state) {
    temp_dir dir;
    fake_server server;
    const std::string theirs = "0190f5a2-7c41-7d3e-8a5b-00000000beef";
    server.apply_other(theirs, "petition", petition("của thiết bị khác"));
    sdk::device d(dir.file(), options_for(server));
    d.configure(test_settings());
    const auto mine = d.create("petition", "LS.TP.P1", petition("của tôi"));
    d.edit(mine, {{"status", std::string("processing")}});

    const auto report = d.sync();
    BOOST_TEST(report.sent == 2u);
    BOOST_TEST(report.applied == 2u);
    BOOST_TEST(report.received == 2u);
    BOOST_TEST(server.hellos.size() == 1u);
    BOOST_TEST(server.hellos[0].device_id == test_settings().device_id);
    BOOST_TEST(server.hellos[0].token == "secret");

    const auto r = d.get(mine);
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(r->version == 2u);
    BOOST_TEST(r->pending == 0u);
    BOOST_TEST(text(*r, "status") == "processing");
    const auto t = d.get(theirs);
    BOOST_TEST_REQUIRE(t.has_value());
    BOOST_TEST(text(*t, "summary") == "của thiết bị khác");
    const auto st = d.status();
    BOOST_TEST(st.pending == 0u);
    BOOST_TEST(st.acked_seq == 2u);
    BOOST_TEST(st.last_sync_ms.has_value());
    BOOST_TEST(!st.last_error.has_value());

    // A second sync sends nothing and pulls from the saved cursor.
    const auto again = d.sync();
    BOOST_TEST(again.sent == 0u);
    BOOST_TEST(again.received == 0u);
    BOOST_TEST_REQUIRE(server.pulls.size() == 2u);
    BOOST_TEST(server.pulls[1].cursor.has_value());
}

BOOST_AUTO_TEST_CASE(a_lost_push_answer_is_resent_and_the_server_applies_nothing_twice) {
    temp_dir dir;
    fake_server server;
    sdk::device d(dir.file(), options_for(server));
    d.configure(test_settings());
    const auto id = d.create("petition", "LS.TP.P1", petition("a"));
    d.edit(id, {{"status", std::string("processing")}});
    server.lose_push_answer = {0};  // applied, then the link drops

    try {
        d.sync();
        BOOST_FAIL("the sync must fail");
    } catch (const sdk::error& e) {
        BOOST_TEST((e.kind() == sdk::error_kind::unreachable));
        BOOST_TEST(e.pending == 2u);
        BOOST_TEST(e.url == test_settings().url);
        BOOST_TEST(std::string(e.what()).find("lost the connection") != std::string::npos);
    }
    // D3: the edits are still in the view, still pending.
    BOOST_TEST(d.get(id)->pending == 2u);
    BOOST_TEST(text(*d.get(id), "status") == "processing");
    BOOST_TEST(d.status().last_error.has_value());

    const auto report = d.sync();
    BOOST_TEST(report.duplicate == 2u);
    BOOST_TEST(report.applied == 0u);
    BOOST_TEST(applied_seqs(server) == one_to(2), boost::test_tools::per_element());
    BOOST_TEST(d.status().pending == 0u);
    BOOST_TEST(d.get(id)->version == 2u);
}

BOOST_AUTO_TEST_CASE(an_acknowledged_edit_stays_in_the_view_until_a_pull_brings_it) {
    temp_dir dir;
    fake_server server;
    sdk::device d(dir.file(), options_for(server));
    d.configure(test_settings());
    const auto id = d.create("petition", "LS.TP.P1", petition("a"));
    d.sync();
    d.edit(id, {{"status", std::string("resolved")}});
    server.fail_pull = {1};  // the push of this sync is answered, then the pull fails
    BOOST_TEST((sync_failure(d) == sdk::error_kind::unreachable));
    const auto r = d.get(id);
    BOOST_TEST(d.status().pending == 0u);  // acknowledged...
    BOOST_TEST(r->version == 1u);           // ...the confirmed state is still the old one...
    BOOST_TEST(text(*r, "status") == "resolved");  // ...and the view still shows the edit
    BOOST_TEST(r->pending == 1u);
    d.sync();
    BOOST_TEST(d.get(id)->version == 2u);
    BOOST_TEST(d.get(id)->pending == 0u);
    BOOST_TEST(text(*d.get(id), "status") == "resolved");
}

BOOST_AUTO_TEST_CASE(a_pulled_state_is_merged_under_an_edit_made_during_the_sync) {
    temp_dir dir;
    fake_server server;
    sdk::device d(dir.file(), options_for(server));
    d.configure(test_settings());
    const auto id = d.create("petition", "LS.TP.P1", petition("a"));
    d.sync();
    // Another officer resolves it and adds a note; meanwhile this officer, on another
    // screen of the app (a second handle on the same file), edits the summary while the
    // sync is pulling.
    server.apply_other(id, "petition", {{"status", std::string("resolved")},
                                        {"note", std::string("đã xử lý")}});
    sdk::device other_screen(dir.file());
    bool edited = false;
    d.sync([&](const sdk::sync_progress& p) {
        if (p.phase == sdk::sync_phase::pulling && !edited) {
            other_screen.edit(id, {{"summary", std::string("sửa trong lúc đồng bộ")}});
            edited = true;
        }
    });
    const auto r = d.get(id);
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(r->version == 2u);  // the pulled state...
    BOOST_TEST(text(*r, "status") == "resolved");
    BOOST_TEST(text(*r, "note") == "đã xử lý");
    BOOST_TEST(text(*r, "summary") == "sửa trong lúc đồng bộ");  // ...under the pending edit
    BOOST_TEST(r->pending == 1u);
    d.sync();
    BOOST_TEST(text(*server.record(id), "summary") == "sửa trong lúc đồng bộ");
}

BOOST_AUTO_TEST_CASE(a_server_restored_from_a_backup_gets_acknowledged_changes_again) {
    temp_dir dir;
    fake_server server;
    sdk::device d(dir.file(), options_for(server));
    d.configure(test_settings());
    const auto id = d.create("petition", "LS.TP.P1", petition("a"));
    d.sync();
    const server_state backup = server.state;  // the nightly backup: seq 1
    d.edit(id, {{"status", std::string("processing")}});
    d.create("petition", "LS.TP.P1", petition("b"));
    d.sync();
    BOOST_TEST(d.status().acked_seq == 3u);

    server.state = backup;  // the disk died; the administrator restores last night's copy
    server.applied.clear();
    const auto pulls_before = server.pulls.size();
    const auto report = d.sync();
    BOOST_TEST(report.server_restored);
    BOOST_TEST(report.sent == 2u);
    BOOST_TEST(applied_seqs(server) == std::vector<std::uint64_t>({2, 3}),
               boost::test_tools::per_element());
    // The saved cursor belongs to the old server_seq space: the pull starts over.
    BOOST_TEST_REQUIRE(server.pulls.size() > pulls_before);
    BOOST_TEST(!server.pulls[pulls_before].cursor.has_value());
    BOOST_TEST(server.state.last_seq == 3u);
    BOOST_TEST(text(*server.record(id), "status") == "processing");
    BOOST_TEST(d.list().size() == 2u);
}

BOOST_AUTO_TEST_CASE(retention_purges_old_acknowledged_changes_and_a_restore_needing_them_fails) {
    temp_dir dir;
    fake_server server;
    std::int64_t clock = real_now_ms();
    auto o = options_for(server, &clock);
    o.retention = std::chrono::hours(1);
    sdk::device d(dir.file(), o);
    d.configure(test_settings());
    const auto id = d.create("petition", "LS.TP.P1", petition("a"));
    d.sync();
    BOOST_TEST(d.status().kept == 1u);

    clock += 2 * 3'600'000;  // two hours later: past the retention
    d.edit(id, {{"status", std::string("processing")}});
    server.time_offset_ms = 2 * 3'600'000;  // the server's clock moved too
    const auto report = d.sync();
    BOOST_TEST(report.purged == 1u);
    BOOST_TEST(d.status().kept == 1u);  // seq 2 is recent: kept
    BOOST_TEST(d.status().pending == 0u);
    BOOST_TEST(d.status().last_seq_made == 2u);

    // Numbering continues after the purge.
    d.edit(id, {{"status", std::string("resolved")}});
    d.sync();
    BOOST_TEST(server.state.last_seq == 3u);

    // A restore to before seq 1 needs a change this device no longer has.
    server.state = server_state{};
    try {
        d.sync();
        BOOST_FAIL("the sync must report the missing change");
    } catch (const sdk::error& e) {
        BOOST_TEST((e.kind() == sdk::error_kind::missing_changes));
        BOOST_TEST(std::string(e.what()).find("change 1") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(a_seq_gap_restarts_the_push_from_the_seq_the_server_names) {
    temp_dir dir;
    fake_server server;
    sdk::device d(dir.file(), options_for(server));
    d.configure(test_settings());
    for (int i = 0; i < 3; ++i) {
        d.create("petition", "LS.TP.P1", petition(std::to_string(i)));
    }
    d.sync();
    d.create("petition", "LS.TP.P1", petition("3"));
    // Between hello and the push, the server loses seq 2 and 3 (it says last_seq 3 in
    // welcome, then expects 2): the device resends from 2.
    const server_state at_one = [&] {
        auto s = server.state;
        s.last_seq = 1;
        s.answers.erase(2);
        s.answers.erase(3);
        return s;
    }();
    bool rolled_back = false;
    server.before_push = [&](const sync::push_msg&) {
        if (!rolled_back) {
            server.state = at_one;
            rolled_back = true;
        }
    };
    const auto report = d.sync();
    BOOST_TEST(report.sent == 3u);  // 2, 3 and 4 after the restart
    BOOST_TEST_REQUIRE(server.pushes.size() == 3u);
    BOOST_TEST(server.pushes[1].changes.front().seq == 4u);
    BOOST_TEST(server.pushes[2].changes.front().seq == 2u);
    BOOST_TEST(server.state.last_seq == 4u);
}

BOOST_AUTO_TEST_CASE(a_wrong_device_clock_is_corrected_after_the_push_that_used_it) {
    temp_dir dir;
    fake_server server;
    std::int64_t clock = real_now_ms() - ten_years_ms;  // the battery died: 2016 again
    sdk::device d(dir.file(), options_for(server, &clock));
    d.configure(test_settings());
    const auto id = d.create("petition", "LS.TP.P1", petition("a"));

    const auto report = d.sync();
    // The change and the hello carry the same (wrong) clock, so the server's clock rule
    // can shift the change by the offset it measures.
    BOOST_TEST_REQUIRE(server.hellos.size() == 1u);
    const auto stamp = sync::parse_hlc(server.pushes.at(0).changes.at(0).hlc);
    BOOST_TEST_REQUIRE(stamp.has_value());
    const auto stamp_ms = static_cast<std::int64_t>(stamp->wall_ms);
    BOOST_TEST(std::llabs(stamp_ms - server.hellos[0].client_time) < 1000);
    // Then the device adopts the server's time.
    BOOST_TEST(std::llabs(report.clock_correction_ms - ten_years_ms) < 60'000);
    BOOST_TEST(std::llabs(d.now_ms() - real_now_ms()) < 60'000);

    d.edit(id, {{"status", std::string("processing")}});
    d.sync();
    BOOST_TEST_REQUIRE(server.hellos.size() == 2u);
    BOOST_TEST(std::llabs(server.hellos[1].client_time - real_now_ms()) < 60'000);
    const auto later = sync::parse_hlc(server.pushes.at(1).changes.at(0).hlc);
    BOOST_TEST(std::llabs(static_cast<std::int64_t>(later->wall_ms) - real_now_ms()) < 60'000);
    // The offset is kept: a restart does not bring 2016 back.
    sdk::device reopened(dir.file(), options_for(server, &clock));
    BOOST_TEST(std::llabs(reopened.now_ms() - real_now_ms()) < 60'000);
}

BOOST_AUTO_TEST_CASE(a_clock_within_the_trusted_skew_is_left_alone) {
    temp_dir dir;
    fake_server server;
    server.time_offset_ms = 2 * 60'000;  // two minutes: ordinary drift
    sdk::device d(dir.file(), options_for(server));
    d.configure(test_settings());
    d.create("petition", "LS.TP.P1", petition("a"));
    const auto report = d.sync();
    BOOST_TEST(report.clock_correction_ms == 0);
    BOOST_TEST(d.status().clock_offset_ms == 0);
}

BOOST_AUTO_TEST_CASE(pushes_respect_the_servers_change_and_byte_limits) {
    temp_dir dir;
    fake_server server;
    server.limits.max_changes_per_push = 7;
    // 4 KiB: a push of 7 changes with 1 KiB summaries (about 7.5 KiB) must be split.
    server.limits.max_message_bytes = 4096;
    sdk::device d(dir.file(), options_for(server));
    d.configure(test_settings());
    d.batch([&] {
        for (int i = 0; i < 20; ++i) {
            d.create("petition", "LS.TP.P1", petition(std::string(1024, 'x')));
        }
    });
    const auto report = d.sync();
    BOOST_TEST(report.sent == 20u);
    BOOST_TEST(server.pushes.size() > 3u);
    for (const auto& p : server.pushes) {
        BOOST_TEST(p.changes.size() <= 7u);
        BOOST_TEST(sync::encode(sync::wire_format::binary, p).size() <= 4096u);
    }
    BOOST_TEST(applied_seqs(server) == one_to(20), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(progress_reports_changes_sent_of_the_total_and_records_received) {
    temp_dir dir;
    fake_server server;
    sdk::device d(dir.file(), options_for(server));
    d.configure(test_settings());
    d.batch([&] {
        for (int i = 0; i < 2500; ++i) {
            d.create("petition", "LS.TP.P1", {{"n", std::int64_t{i}}});
        }
    });
    std::vector<sdk::sync_progress> seen;
    d.sync([&](const sdk::sync_progress& p) { seen.push_back(p); });
    std::vector<std::size_t> sent;
    std::vector<std::size_t> received;
    for (const auto& p : seen) {
        if (p.phase != sdk::sync_phase::connecting) {
            BOOST_TEST(p.to_send == 2500u);
        }
        if (p.phase == sdk::sync_phase::pushing && p.sent > 0) {
            sent.push_back(p.sent);
        }
        if (p.phase == sdk::sync_phase::pulling && p.received > 0) {
            received.push_back(p.received);
        }
    }
    BOOST_TEST((seen.front().phase == sdk::sync_phase::connecting));
    BOOST_TEST((seen.back().phase == sdk::sync_phase::done));
    BOOST_TEST(sent == std::vector<std::size_t>({1000, 2000, 2500}),
               boost::test_tools::per_element());
    BOOST_TEST(received == std::vector<std::size_t>({500, 1000, 1500, 2000, 2500}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_refused_hello_is_reported_with_the_servers_code_and_keeps_the_work) {
    temp_dir dir;
    fake_server server;
    server.refuse_hello = sync::errc::device_revoked;
    sdk::device d(dir.file(), options_for(server));
    d.configure(test_settings());
    d.create("petition", "LS.TP.P1", petition("a"));
    try {
        d.sync();
        BOOST_FAIL("the sync must fail");
    } catch (const sdk::error& e) {
        BOOST_TEST((e.kind() == sdk::error_kind::refused));
        BOOST_TEST((e.server_code == sync::errc::device_revoked));
        BOOST_TEST(e.pending == 1u);
    }
    BOOST_TEST(d.status().pending == 1u);
}

BOOST_AUTO_TEST_CASE(a_second_sync_of_the_same_replica_waits_its_turn) {
    temp_dir dir;
    fake_server server;
    sdk::device d(dir.file(), options_for(server));
    d.configure(test_settings());
    d.create("petition", "LS.TP.P1", petition("a"));
    sdk::device other(dir.file(), options_for(server));
    std::optional<sdk::error_kind> refused;
    d.sync([&](const sdk::sync_progress& p) {
        if (p.phase == sdk::sync_phase::pushing && !refused) {
            try {
                other.sync();
                refused = sdk::error_kind::protocol;  // it must not get this far
            } catch (const sdk::error& e) {
                refused = e.kind();
            }
        }
    });
    BOOST_TEST_REQUIRE(refused.has_value());
    BOOST_TEST((*refused == sdk::error_kind::busy));
    BOOST_TEST(server.hellos.size() == 1u);
    other.sync();  // once the first is done, the lock is free again
    BOOST_TEST(server.hellos.size() == 2u);
}

BOOST_AUTO_TEST_CASE(an_unset_device_cannot_sync) {
    temp_dir dir;
    sdk::device d(dir.file());
    BOOST_TEST((sync_failure(d) == sdk::error_kind::not_configured));
}

BOOST_AUTO_TEST_CASE(a_rejected_change_leaves_the_view_and_is_listed_with_its_reason) {
    temp_dir dir;
    fake_server server;
    server.reject_seqs = {2};
    sdk::device d(dir.file(), options_for(server));
    d.configure(test_settings());
    const auto id = d.create("petition", "LS.TP.P1", petition("a"));
    d.edit(id, {{"received_on", std::string("hôm qua")}});
    d.edit(id, {{"status", std::string("processing")}});  // later changes still flow
    const auto report = d.sync();
    BOOST_TEST(report.rejected == 1u);
    BOOST_TEST(report.applied == 2u);
    const auto r = d.get(id);
    BOOST_TEST(text(*r, "received_on") == "2022-03-04");
    BOOST_TEST(text(*r, "status") == "processing");
    const auto rejected = d.rejected();
    BOOST_TEST_REQUIRE(rejected.size() == 1u);
    BOOST_TEST(rejected[0].seq == 2u);
    BOOST_TEST((rejected[0].error.code == sync::errc::validation));
    BOOST_TEST(rejected[0].error.field.value_or("") == "received_on");
    BOOST_TEST(d.status().rejected == 1u);
}

BOOST_AUTO_TEST_CASE(changes_refused_for_scope_or_role_are_listed_like_other_rejections) {
    temp_dir dir;
    fake_server server;
    server.reject_codes = {{1, sync::errc::out_of_scope}, {2, sync::errc::forbidden}};
    sdk::device d(dir.file(), options_for(server));
    d.configure(test_settings());
    const auto outside = d.create("petition", "LS.OTHER", petition("xã khác"));
    const auto mine = d.create("petition", "LS.TP.P1", petition("của tôi"));
    d.create("petition", "LS.TP.P1", petition("được nhận"));
    const auto report = d.sync();
    BOOST_TEST(report.rejected == 2u);
    BOOST_TEST(report.applied == 1u);
    // D3: a rejected change leaves the view; the server keeps it for review.
    BOOST_TEST(!d.get(outside).has_value());
    BOOST_TEST(!d.get(mine).has_value());
    const auto rejected = d.rejected();
    BOOST_TEST_REQUIRE(rejected.size() == 2u);
    BOOST_TEST((rejected[0].error.code == sync::errc::out_of_scope));
    BOOST_TEST(rejected[0].record == outside);
    BOOST_TEST((rejected[1].error.code == sync::errc::forbidden));
    BOOST_TEST(rejected[1].error.message == "refused by the fake server");
    BOOST_TEST(d.status().rejected == 2u);
}

BOOST_AUTO_TEST_CASE(scope_changed_reconnects_once_and_the_sync_completes) {
    temp_dir dir;
    fake_server server;
    server.scope_change_at_pull = {0};
    const std::string theirs = "0190f5a2-7c41-7d3e-8a5b-00000000beef";
    server.apply_other(theirs, "petition", petition("của thiết bị khác"));
    sdk::device d(dir.file(), options_for(server));
    d.configure(test_settings());
    const auto mine = d.create("petition", "LS.TP.P1", petition("của tôi"));

    const auto report = d.sync();
    BOOST_TEST(report.scope_changed);
    BOOST_TEST(server.hellos.size() == 2u);  // one reconnect
    BOOST_TEST(report.sent == 1u);           // counted once: the first connection sent it
    BOOST_TEST(report.applied == 1u);
    BOOST_TEST(report.received == 2u);  // by the second connection's pull
    BOOST_TEST(server.applied.size() == 2u);
    BOOST_TEST(d.get(theirs).has_value());
    BOOST_TEST(d.get(mine)->pending == 0u);
    BOOST_TEST(!d.status().last_error.has_value());
}

BOOST_AUTO_TEST_CASE(scope_changed_twice_in_a_row_is_reported_and_keeps_the_work) {
    temp_dir dir;
    fake_server server;
    server.scope_change_at_pull = {0, 1};
    sdk::device d(dir.file(), options_for(server));
    d.configure(test_settings());
    d.create("petition", "LS.TP.P1", petition("của tôi"));
    try {
        d.sync();
        BOOST_FAIL("sync was expected to fail");
    } catch (const sdk::error& e) {
        BOOST_TEST((e.server_code == sync::errc::scope_changed));
        BOOST_TEST((e.kind() == sdk::error_kind::unreachable));  // run it again
    }
    BOOST_TEST(server.hellos.size() == 2u);  // only one reconnect
    BOOST_TEST(d.status().last_error.has_value());
    // The push was answered before the pull failed: nothing waits, and the next sync is
    // an ordinary one.
    BOOST_TEST(d.status().pending == 0u);
    const auto report = d.sync();
    BOOST_TEST(!report.scope_changed);
    BOOST_TEST(report.received == 1u);
}

BOOST_AUTO_TEST_CASE(a_conflict_is_kept_once_even_when_its_answer_comes_again_as_duplicate) {
    temp_dir dir;
    fake_server server;
    server.conflicts_for = [](const sync::change_msg& c) {
        std::vector<sync::conflict_info> out;
        if (c.set.contains("status")) {
            out.push_back({"17", "status", "lost", std::string("resolved"),
                           std::string("processing")});
        }
        return out;
    };
    sdk::device d(dir.file(), options_for(server));
    d.configure(test_settings());
    const auto id = d.create("petition", "LS.TP.P1", {{"summary", std::string("a")}});
    d.sync();
    d.edit(id, {{"status", std::string("processing")}});
    server.lose_push_answer = {1};
    BOOST_TEST((sync_failure(d) == sdk::error_kind::unreachable));
    BOOST_TEST(d.conflicts().empty());  // the answer carrying it was lost
    const auto report = d.sync();       // resent: duplicate, with the stored conflict
    BOOST_TEST(report.duplicate == 1u);
    BOOST_TEST(report.conflicts == 1u);
    const auto conflicts = d.conflicts();
    BOOST_TEST_REQUIRE(conflicts.size() == 1u);
    BOOST_TEST(conflicts[0].seq == 2u);
    BOOST_TEST(conflicts[0].record == id);
    BOOST_TEST(conflicts[0].outcome == "lost");
    BOOST_TEST((conflicts[0].kept == sync::value(std::string("resolved"))));
    // Answered again (a restore makes the device resend): still one.
    server.state.last_seq = 1;
    server.state.answers.erase(2);
    d.sync();
    BOOST_TEST(d.conflicts().size() == 1u);
    BOOST_TEST(d.status().conflicts == 1u);
}

BOOST_AUTO_TEST_CASE(a_replica_older_than_the_server_never_reuses_a_seq) {
    temp_dir dir;
    fake_server server;
    server.state.last_seq = 41;  // the phone's storage was restored from an old copy
    for (std::uint64_t s = 1; s <= 41; ++s) {
        server.state.answers[s] = sync::change_result{s, sync::change_status::applied, {}, {}};
    }
    sdk::device d(dir.file(), options_for(server));
    d.configure(test_settings());
    d.sync();
    d.create("petition", "LS.TP.P1", petition("mới"));
    d.sync();
    BOOST_TEST_REQUIRE(server.applied.size() == 1u);
    BOOST_TEST(server.applied[0].seq == 42u);
}

BOOST_AUTO_TEST_SUITE_END()
