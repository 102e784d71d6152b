// Users, passwords, web sessions, enrollment codes, device registration and revocation,
// and S7 (security_epoch) in the SQLite store.
#include "fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <thread>

namespace {
using namespace sotay;

constexpr const char* good_password = "mật khẩu đủ dài";

store::new_user user(std::string name, std::string org_unit = "LS.TP",
                     access::role r = access::role::officer, std::string password = "") {
    store::new_user u;
    u.username = std::move(name);
    u.display_name = "Nguyễn Văn A";
    u.role = r;
    u.org_unit = std::move(org_unit);
    u.password = std::move(password);
    return u;
}

void expect_error(const auto& r, sync::errc code, const std::string& field) {
    BOOST_REQUIRE(r.has_error());
    BOOST_TEST(r.error().code == code);
    BOOST_TEST(r.error().field.value_or("") == field);
    BOOST_TEST(!r.error().message.empty());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(store_users)

BOOST_AUTO_TEST_CASE(a_user_is_added_found_and_listed) {
    test::store_env env;
    auto s = env.open();
    auto u = s->add_user(user("nguyen.van-a_2", "LS.TP", access::role::reviewer));
    BOOST_REQUIRE(u.has_value());
    BOOST_TEST(u->id > 0);
    BOOST_TEST((u->role == access::role::reviewer));
    BOOST_TEST(u->org_unit == "LS.TP");
    BOOST_TEST(!u->has_password);
    BOOST_TEST(!u->disabled);
    BOOST_TEST(u->created_ms == test::store_env::start_ms);
    const auto found = s->find_user("nguyen.van-a_2");
    BOOST_REQUIRE(found.has_value());
    BOOST_TEST(found->display_name == "Nguyễn Văn A");
    expect_error(s->find_user("nobody"), sync::errc::not_found, "username");
    const auto all = s->list_users();
    BOOST_REQUIRE(all.size() == 2u);  // and the fixture's officer
    BOOST_TEST(all[0].username == "nguyen.van-a_2");
    BOOST_TEST(all[1].username == test::officer);
}

BOOST_AUTO_TEST_CASE(every_bad_user_is_refused_with_its_field) {
    test::store_env env;
    auto s = env.open();
    const std::string longest(64, 'n');
    for (const std::string bad : {"a", "Nam", "nam nguyen", "nam@x", "", "ngườidùng"}) {
        expect_error(s->add_user(user(bad)), sync::errc::validation, "username");
    }
    expect_error(s->add_user(user(longest + "n")), sync::errc::validation, "username");
    BOOST_TEST(s->add_user(user(longest)).has_value());  // 64 bytes is the most
    expect_error(s->add_user(user("role.x", "LS.TP", static_cast<access::role>(9))),
                 sync::errc::validation, "role");
    expect_error(s->add_user(user("org.x", "LS.NOWHERE")), sync::errc::not_found, "org_unit");
    expect_error(s->add_user(user("org.y", "")), sync::errc::validation, "org_unit");
    expect_error(s->add_user(user("pw.x", "LS", access::role::admin, "short")),
                 sync::errc::validation, "password");
    auto long_name = user("name.x");
    long_name.display_name.assign(201, 'x');
    expect_error(s->add_user(long_name), sync::errc::validation, "display_name");
    expect_error(s->add_user(user(test::officer)), sync::errc::conflict, "username");
    BOOST_TEST(s->list_users().size() == 2u);  // the officer and the 64-byte name only
}

BOOST_AUTO_TEST_CASE(check_password_has_one_answer_for_every_failure) {
    test::store_env env;
    auto s = env.open();
    BOOST_REQUIRE(s->add_user(user("admin.ls", "LS", access::role::admin, good_password)));
    BOOST_REQUIRE(s->add_user(user("no.password", "LS")));
    const auto ok = s->check_password("admin.ls", good_password);
    BOOST_REQUIRE(ok.has_value());
    BOOST_TEST(ok->has_password);
    BOOST_TEST((ok->role == access::role::admin));
    const auto wrong = s->check_password("admin.ls", "mật khẩu sai rồi");
    const auto unknown = s->check_password("nobody", good_password);
    const auto none = s->check_password("no.password", good_password);
    BOOST_REQUIRE(s->set_user_disabled("admin.ls", true));
    const auto disabled = s->check_password("admin.ls", good_password);
    for (const auto* r : {&wrong, &unknown, &none, &disabled}) {
        BOOST_REQUIRE(r->has_error());
        BOOST_TEST(r->error().code == sync::errc::auth_failed);
        BOOST_TEST(r->error().message == wrong.error().message);
    }
}

BOOST_AUTO_TEST_CASE(set_password_replaces_the_old_one_and_ends_web_sessions) {
    test::store_env env;
    auto s = env.open();
    const auto u = s->add_user(user("reviewer.tp", "LS.TP", access::role::reviewer, good_password));
    BOOST_REQUIRE(u.has_value());
    const auto session = s->create_web_session(u->id, std::chrono::hours(8));
    BOOST_REQUIRE(session.has_value());
    expect_error(s->set_password("reviewer.tp", "ngắn"), sync::errc::validation, "password");
    BOOST_TEST(s->web_session_user(session->token).has_value());  // a refused reset ends nothing
    expect_error(s->set_password("nobody", "một mật khẩu mới"), sync::errc::not_found, "username");
    BOOST_REQUIRE(s->set_password("reviewer.tp", "một mật khẩu mới"));
    BOOST_TEST(!s->check_password("reviewer.tp", good_password).has_value());
    BOOST_TEST(s->check_password("reviewer.tp", "một mật khẩu mới").has_value());
    BOOST_TEST(!s->web_session_user(session->token).has_value());
}

BOOST_AUTO_TEST_CASE(a_web_session_lasts_until_it_expires_or_ends) {
    test::store_env env;
    auto s = env.open();
    const auto u = s->find_user(test::officer);
    const auto a = s->create_web_session(u->id, std::chrono::hours(1));
    const auto b = s->create_web_session(u->id, std::chrono::hours(2));
    BOOST_REQUIRE(a.has_value() && b.has_value());
    BOOST_TEST(a->token != b->token);
    BOOST_TEST(a->token.size() == 64u);
    BOOST_TEST(a->expires_ms == test::store_env::start_ms + 3'600'000);
    BOOST_TEST(a->user.username == test::officer);
    BOOST_TEST(s->web_session_user(a->token)->username == test::officer);
    expect_error(s->web_session_user("not a token"), sync::errc::auth_failed, "");

    env.advance(std::chrono::minutes(61));
    expect_error(s->web_session_user(a->token), sync::errc::auth_failed, "");
    BOOST_TEST(s->web_session_user(b->token).has_value());
    s->end_web_session(b->token);
    expect_error(s->web_session_user(b->token), sync::errc::auth_failed, "");
    s->end_web_session(b->token);  // twice: nothing happens

    expect_error(s->create_web_session(987654, std::chrono::hours(1)), sync::errc::not_found,
                 "user_id");
    expect_error(s->create_web_session(u->id, std::chrono::seconds(0)), sync::errc::validation,
                 "ttl");
}

BOOST_AUTO_TEST_CASE(disabling_a_user_ends_their_web_sessions_for_good) {
    test::store_env env;
    auto s = env.open();
    const auto u = s->find_user(test::officer);
    const auto session = s->create_web_session(u->id, std::chrono::hours(8));
    BOOST_REQUIRE(session.has_value());
    const auto off = s->set_user_disabled(test::officer, true);
    BOOST_REQUIRE(off.has_value());
    BOOST_TEST(off->disabled);
    expect_error(s->web_session_user(session->token), sync::errc::auth_failed, "");
    expect_error(s->create_web_session(u->id, std::chrono::hours(1)), sync::errc::auth_failed, "");
    BOOST_REQUIRE(s->set_user_disabled(test::officer, false));
    BOOST_TEST(!s->web_session_user(session->token).has_value());  // not revived
    BOOST_TEST(s->create_web_session(u->id, std::chrono::hours(1)).has_value());
    expect_error(s->set_user_disabled("nobody", true), sync::errc::not_found, "username");
}

BOOST_AUTO_TEST_CASE(moving_a_user_and_changing_a_role_are_checked) {
    test::store_env env;
    auto s = env.open();
    test::add_user(*s, "tp", access::role::officer, "LS.TP");
    const auto moved = s->move_user("tp", "LS.CL.X1");
    BOOST_REQUIRE(moved.has_value());
    BOOST_TEST(moved->org_unit == "LS.CL.X1");
    expect_error(s->move_user("tp", "LS.NOWHERE"), sync::errc::not_found, "org_unit");
    expect_error(s->move_user("nobody", "LS"), sync::errc::not_found, "username");
    const auto role = s->set_user_role("tp", access::role::auditor);
    BOOST_REQUIRE(role.has_value());
    BOOST_TEST((role->role == access::role::auditor));
    expect_error(s->set_user_role("tp", static_cast<access::role>(-1)), sync::errc::validation,
                 "role");
    BOOST_TEST((s->find_user("tp")->role == access::role::auditor));
}

BOOST_AUTO_TEST_CASE(a_device_belongs_to_a_user_and_carries_its_access) {
    test::store_env env;
    auto s = env.open();
    test::add_user(*s, "tp", access::role::reviewer, "LS.TP");
    const auto d = s->add_device("xã Nà Khương", "tp");
    BOOST_REQUIRE(d.has_value());
    BOOST_TEST(d->token.size() == 64u);
    const auto a = s->authenticate(d->device_id, d->token);
    BOOST_REQUIRE(a.has_value());
    BOOST_TEST(a->username == "tp");
    BOOST_TEST((a->role == access::role::reviewer));
    BOOST_TEST(a->org_unit == "LS.TP");
    BOOST_TEST(a->user_id == s->find_user("tp")->id);
    expect_error(s->add_device("phone", "nobody"), sync::errc::not_found, "username");
    expect_error(s->add_device("", "tp"), sync::errc::validation, "name");
    BOOST_REQUIRE(s->set_user_disabled("tp", true));
    expect_error(s->add_device("phone", "tp"), sync::errc::conflict, "username");
    const auto refused = s->authenticate(d->device_id, d->token);
    expect_error(refused, sync::errc::device_revoked, "");
    // device_access answers without a token, whatever the state.
    const auto state = s->device_access(d->device_id);
    BOOST_REQUIRE(state.has_value());
    BOOST_TEST(state->user_disabled);
    expect_error(s->device_access("0190f5a2-7c41-7d3e-8a5b-000000000000"), sync::errc::not_found,
                 "device_id");
}

BOOST_AUTO_TEST_CASE(a_revoked_device_is_refused_at_hello_and_keeps_its_revocation_time) {
    test::store_env env;
    auto s = env.open();
    const auto d = s->add_device("phone", test::officer);
    env.advance(std::chrono::seconds(30));
    const auto r = s->revoke_device(d->device_id);
    BOOST_REQUIRE(r.has_value());
    BOOST_TEST(r->revoked);
    BOOST_TEST(r->revoked_ms == test::store_env::start_ms + 30'000);
    env.advance(std::chrono::seconds(30));
    const auto again = s->revoke_device(d->device_id);  // not an error, same time kept
    BOOST_REQUIRE(again.has_value());
    BOOST_TEST(again->revoked_ms == test::store_env::start_ms + 30'000);
    expect_error(s->authenticate(d->device_id, d->token), sync::errc::device_revoked, "");
    expect_error(s->revoke_device("0190f5a2-7c41-7d3e-8a5b-000000000000"), sync::errc::not_found,
                 "device_id");
}

BOOST_AUTO_TEST_CASE(an_enrollment_code_makes_one_device_for_its_user) {
    test::store_env env;
    auto s = env.open();
    test::add_user(*s, "tp", access::role::officer, "LS.TP");
    const auto code = s->create_enrollment_code("tp", std::chrono::hours(72));
    BOOST_REQUIRE(code.has_value());
    BOOST_TEST(code->code.size() == 11u);  // ABCDE-FGHJK
    BOOST_TEST(code->username == "tp");
    BOOST_TEST(code->expires_ms == test::store_env::start_ms + 72LL * 3'600'000);
    // As a person may type it: lower case, spaces instead of the dash.
    std::string typed;
    for (char c : code->code) typed += c == '-' ? ' ' : static_cast<char>(std::tolower(c));
    const auto e = s->enroll(" " + typed + " ", "máy của tp");
    BOOST_REQUIRE(e.has_value());
    BOOST_TEST(e->user.username == "tp");
    const auto a = s->authenticate(e->device.device_id, e->device.token);
    BOOST_REQUIRE(a.has_value());
    BOOST_TEST(a->name == "máy của tp");
    BOOST_TEST(a->org_unit == "LS.TP");

    const auto twice = s->enroll(code->code, "another");
    expect_error(twice, sync::errc::auth_failed, "");
    BOOST_TEST(twice.error().message.find("already used") != std::string::npos);
    BOOST_TEST(s->list_devices().size() == 1u);

    expect_error(s->create_enrollment_code("nobody", std::chrono::hours(1)), sync::errc::not_found,
                 "username");
    expect_error(s->create_enrollment_code("tp", std::chrono::seconds(-5)), sync::errc::validation,
                 "ttl");
}

BOOST_AUTO_TEST_CASE(an_unknown_malformed_expired_or_disabled_code_is_refused_with_its_reason) {
    test::store_env env;
    auto s = env.open();
    test::add_user(*s, "tp", access::role::officer, "LS.TP");
    test::add_user(*s, "cl", access::role::officer, "LS.CL");
    const auto short_lived = s->create_enrollment_code("tp", std::chrono::minutes(10));
    const auto for_cl = s->create_enrollment_code("cl", std::chrono::hours(1));
    BOOST_REQUIRE(short_lived.has_value() && for_cl.has_value());

    auto reason = [&](const std::string& typed) {
        const auto r = s->enroll(typed, "phone");
        BOOST_REQUIRE(r.has_error());
        BOOST_TEST(r.error().code == sync::errc::auth_failed);
        return r.error().message;
    };
    BOOST_TEST(reason("00000-00000").find("unknown enrollment code") != std::string::npos);
    BOOST_TEST(reason("ABCDE").find("not an enrollment code") != std::string::npos);
    BOOST_TEST(reason("ABCDE-FGHJ!").find("not an enrollment code") != std::string::npos);
    env.advance(std::chrono::minutes(11));
    BOOST_TEST(reason(short_lived->code).find("expired") != std::string::npos);
    BOOST_REQUIRE(s->set_user_disabled("cl", true));
    BOOST_TEST(reason(for_cl->code).find("disabled") != std::string::npos);
    expect_error(s->create_enrollment_code("cl", std::chrono::hours(1)), sync::errc::conflict,
                 "username");
    BOOST_TEST(s->list_devices().empty());
}

BOOST_AUTO_TEST_CASE(two_redemptions_of_one_code_make_exactly_one_device) {
    // Threads on one store object, and on two store objects on the same file (the
    // server and another process): either way one wins and the other is told it is used.
    test::store_env env;
    auto first = env.open();
    auto second = env.open();
    for (int round = 0; round < 2; ++round) {
        const auto code = first->create_enrollment_code(test::officer, std::chrono::hours(1));
        BOOST_REQUIRE(code.has_value());
        store::store* a = first.get();
        store::store* b = round == 0 ? first.get() : second.get();
        std::atomic<int> ready{0};
        store::result<store::enrolled_device> ra = sync::error_info{};
        store::result<store::enrolled_device> rb = sync::error_info{};
        auto redeem = [&](store::store* s, store::result<store::enrolled_device>& out) {
            ++ready;
            while (ready.load() < 2) std::this_thread::yield();
            out = s->enroll(code->code, "phone");
        };
        std::thread ta(redeem, a, std::ref(ra));
        std::thread tb(redeem, b, std::ref(rb));
        ta.join();
        tb.join();
        BOOST_TEST(ra.has_value() + rb.has_value() == 1);
        const auto& lost = ra.has_value() ? rb : ra;
        BOOST_REQUIRE(lost.has_error());
        BOOST_TEST(lost.error().code == sync::errc::auth_failed);
        BOOST_TEST(lost.error().message.find("already used") != std::string::npos);
    }
    BOOST_TEST(first->list_devices().size() == 2u);
}

BOOST_AUTO_TEST_CASE(security_epoch_grows_with_every_change_of_access_and_is_seen_elsewhere) {
    // S7: kept in the database, so another store object (sotay-admin's process) sees it.
    test::store_env env;
    auto s = env.open();
    auto other = env.open();
    test::add_user(*s, "tp", access::role::officer, "LS.TP");
    const auto d = s->add_device("phone", "tp");
    std::uint64_t last = other->security_epoch();
    auto grew = [&](const char* what) {
        const std::uint64_t now = other->security_epoch();
        BOOST_TEST(now > last, what);
        BOOST_TEST(s->security_epoch() == now, what);
        last = now;
    };
    auto same = [&](const char* what) { BOOST_TEST(other->security_epoch() == last, what); };

    BOOST_REQUIRE(s->set_user_disabled("tp", true));
    grew("disable");
    BOOST_REQUIRE(s->set_user_disabled("tp", true));
    same("disable again");
    BOOST_REQUIRE(s->set_user_disabled("tp", false));
    grew("enable");
    BOOST_REQUIRE(s->move_user("tp", "LS.CL"));
    grew("move");
    BOOST_REQUIRE(s->set_user_role("tp", access::role::reviewer));
    grew("role");
    BOOST_REQUIRE(s->set_password("tp", good_password));
    grew("password");
    BOOST_REQUIRE(s->revoke_device(d->device_id));
    grew("revoke");
    BOOST_REQUIRE(s->revoke_device(d->device_id));
    same("revoke again");
    auto rows = test::test_org_rows();
    BOOST_REQUIRE(s->import_org(rows)->applied);
    same("import of the same tree");
    rows[1].unit.name = "Thành phố Lạng Sơn (mới)";
    BOOST_REQUIRE(s->import_org(rows)->applied);
    grew("import");
    BOOST_REQUIRE(s->add_user(user("new.user")));
    same("a new user changes nobody's access");
}

BOOST_AUTO_TEST_SUITE_END()
