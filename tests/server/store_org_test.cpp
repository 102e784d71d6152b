// The org tree in the SQLite store: imports all or nothing (access T3), every version
// kept and readable, the cached snapshot refreshed when another process imports.
#include "fixture.hpp"

#include <boost/test/unit_test.hpp>

namespace {
using namespace sotay;

access::org_row row(std::string code, std::string name, std::string parent, std::string level,
                    std::size_t line) {
    return {{std::move(code), std::move(name), std::move(parent), std::move(level)}, line};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(store_org)

BOOST_AUTO_TEST_CASE(a_new_store_has_an_empty_tree_at_version_zero) {
    test::store_env env;
    auto s = env.open(false);
    const auto t = s->org_tree();
    BOOST_TEST(t.version == 0u);
    BOOST_REQUIRE(t.tree != nullptr);
    BOOST_TEST(t.tree->empty());
    BOOST_TEST(s->org_tree_at(0).has_value());
    BOOST_TEST(!s->org_tree_at(1).has_value());
}

BOOST_AUTO_TEST_CASE(an_import_is_written_whole_and_reported) {
    test::store_env env;
    auto s = env.open(false);
    const auto r = s->import_org(test::test_org_rows());
    BOOST_REQUIRE(r.has_value());
    BOOST_TEST(r->applied);
    BOOST_TEST(r->errors.empty());
    BOOST_TEST(r->added == 6u);
    BOOST_TEST(r->version == 1u);
    const auto t = s->org_tree();
    BOOST_TEST(t.version == 1u);
    BOOST_TEST(t.tree->size() == 6u);
    BOOST_TEST(t.tree->contains("LS.TP", "LS.TP.P2"));
    BOOST_TEST(!t.tree->contains("LS.TP", "LS.CL.X1"));
    BOOST_TEST(t.tree->find("LS.CL.X1")->name == "Xã Chi Lăng");
}

BOOST_AUTO_TEST_CASE(an_import_with_one_bad_row_writes_nothing) {  // T3
    test::store_env env;
    auto s = env.open();
    const std::uint64_t epoch = s->security_epoch();
    const auto r = s->import_org({row("LS.TP.P3", "Phường Đông Kinh", "LS.TP", "Phường", 2),
                                  row("LS.CL.X2", "Xã Quang Lang", "LS.NOWHERE", "Xã", 3),
                                  row("LS.TP", "Thành phố (đổi tên)", "LS", "Thành phố", 4)});
    BOOST_REQUIRE(r.has_value());
    BOOST_TEST(!r->applied);
    BOOST_REQUIRE(r->errors.size() == 1u);
    BOOST_TEST(r->errors[0].line == 3u);
    BOOST_TEST(r->version == 1u);
    const auto t = s->org_tree();
    BOOST_TEST(t.version == 1u);
    BOOST_TEST(t.tree->find("LS.TP.P3") == nullptr);
    BOOST_TEST(t.tree->find("LS.TP")->name == "Thành phố Lạng Sơn");
    BOOST_TEST(s->security_epoch() == epoch);
    BOOST_TEST(!s->org_tree_at(2).has_value());
}

BOOST_AUTO_TEST_CASE(every_version_is_kept_and_an_unchanged_import_makes_none) {
    test::store_env env;
    auto s = env.open();  // version 1
    auto same = s->import_org(test::test_org_rows());
    BOOST_REQUIRE(same.has_value());
    BOOST_TEST(same->applied);
    BOOST_TEST(same->unchanged == 6u);
    BOOST_TEST(same->version == 1u);

    const auto v2 = s->import_org({row("LS.TP", "Thành phố Lạng Sơn (mới)", "LS", "Thành phố", 2),
                                   row("LS.TP.P3", "Phường Đông Kinh", "LS.TP", "Phường", 3)});
    BOOST_REQUIRE(v2.has_value());
    BOOST_TEST(v2->applied);
    BOOST_TEST(v2->updated == 1u);
    BOOST_TEST(v2->added == 1u);
    BOOST_TEST(v2->version == 2u);
    // A move: LS.TP.P2 goes under LS.CL.
    const auto v3 = s->import_org({row("LS.TP.P2", "Phường Hoàng Văn Thụ", "LS.CL", "Phường", 2)});
    BOOST_REQUIRE(v3.has_value());
    BOOST_TEST(v3->version == 3u);

    const auto at1 = s->org_tree_at(1);
    const auto at2 = s->org_tree_at(2);
    const auto at3 = s->org_tree_at(3);
    BOOST_REQUIRE(at1 && at2 && at3);
    BOOST_TEST(at1->tree->find("LS.TP")->name == "Thành phố Lạng Sơn");
    BOOST_TEST(at1->tree->find("LS.TP.P3") == nullptr);
    BOOST_TEST(at2->tree->find("LS.TP")->name == "Thành phố Lạng Sơn (mới)");
    BOOST_TEST(at2->tree->contains("LS.TP", "LS.TP.P2"));
    BOOST_TEST(at3->tree->contains("LS.CL", "LS.TP.P2"));
    BOOST_TEST(!at3->tree->contains("LS.TP", "LS.TP.P2"));
    BOOST_TEST(at3->tree->size() == 7u);
    BOOST_TEST(!s->org_tree_at(4).has_value());
    BOOST_TEST(s->org_tree().version == 3u);
    // The versions outlive the store object.
    auto reopened = env.open();
    BOOST_TEST(reopened->org_tree_at(1)->tree->size() == 6u);
    BOOST_TEST((*reopened->org_tree().tree == *at3->tree));
}

BOOST_AUTO_TEST_CASE(the_tree_snapshot_follows_an_import_made_by_another_store_object) {
    test::store_env env;
    auto server = env.open();
    auto admin = env.open();
    const auto before = server->org_tree();
    BOOST_TEST(before.version == 1u);
    BOOST_TEST(server->org_tree().tree == before.tree);  // cached: the same snapshot
    BOOST_REQUIRE(admin->import_org({row("LS.CL.X2", "Xã Quang Lang", "LS.CL", "Xã", 2)})->applied);
    const auto after = server->org_tree();
    BOOST_TEST(after.version == 2u);
    BOOST_TEST(after.tree->find("LS.CL.X2") != nullptr);
    BOOST_TEST(before.tree->find("LS.CL.X2") == nullptr);  // a snapshot never changes
    // The writer uses the tree as committed: a user may now be placed there and write.
    test::add_user(*server, "x2", access::role::officer, "LS.CL.X2");
    const auto dev = test::add_device(*server, "x2");
    BOOST_TEST(test::push(*server, dev, {test::change_in(1, 1, "LS.CL.X2")}).results.at(0).status ==
               sync::change_status::applied);
}

BOOST_AUTO_TEST_SUITE_END()
