// The commit queue (server/src/commit_queue.hpp) against a fake store that counts its
// write() calls and can hold a write open, so the tests control what is queued while a
// write is in progress. Invariants Q1-Q4 are those of commit_queue.hpp.
#include "commit_queue.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace {
using namespace sotay;
using server::commit_queue;
// Inside a class derived from store::store, `store` names that class: use an alias.
namespace st = sotay::store;

// A store whose write() can be held at its start until release(); every write is
// recorded. Only write() and head() are used by the queue; the rest refuse.
class fake_store : public st::store {
public:
    // Every write() waits at its start while held; the test waits for it with
    // wait_for_writes(n).
    void hold() {
        std::lock_guard lock(mu_);
        held_ = true;
    }
    void release() {
        std::lock_guard lock(mu_);
        held_ = false;
        cv_.notify_all();
    }
    void fail_writes(bool fail) {
        std::lock_guard lock(mu_);
        fail_ = fail;
    }
    // Waits until n write() calls have begun.
    bool wait_for_writes(std::size_t n) {
        std::unique_lock lock(mu_);
        return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return started_ >= n; });
    }
    std::vector<st::write_batch> batches() {
        std::lock_guard lock(mu_);
        return batches_;
    }

    st::result<st::write_outcome> write(const st::write_batch& batch) override {
        std::unique_lock lock(mu_);
        ++started_;
        cv_.notify_all();
        cv_.wait(lock, [&] { return !held_; });
        batches_.push_back(batch);
        if (fail_) return sync::error_info{sync::errc::internal, "disk full", std::nullopt};
        // Each push is applied whole: last_seq = its last seq, head grows per change.
        st::write_outcome out;
        for (const auto& p : batch.pushes) {
            st::push_outcome o;
            o.last_seq = p.changes.empty() ? 0 : p.changes.back().seq;
            head_ += p.changes.size();
            out.pushes.push_back(std::move(o));
        }
        out.head = head_;
        return out;
    }
    std::uint64_t head() override {
        std::lock_guard lock(mu_);
        return head_;
    }

    // The rest of the interface is not the queue's business.
    st::result<st::org_import_report> import_org(const std::vector<access::org_row>&,
                                                 const st::actor&) override {
        return refuse();
    }
    st::org_snapshot org_tree() override {
        return {0, std::make_shared<const access::org_tree>()};
    }
    std::optional<st::org_snapshot> org_tree_at(std::uint64_t) override { return std::nullopt; }
    st::result<st::user_info> add_user(const st::new_user&, const st::actor&) override {
        return refuse();
    }
    st::result<st::user_info> find_user(const std::string&) override { return refuse(); }
    std::vector<st::user_info> list_users() override { return {}; }
    st::result<st::user_info> set_user_disabled(const std::string&, bool,
                                                const st::actor&) override {
        return refuse();
    }
    st::result<st::user_info> move_user(const std::string&, const std::string&,
                                        const st::actor&) override {
        return refuse();
    }
    st::result<st::user_info> set_user_role(const std::string&, access::role,
                                            const st::actor&) override {
        return refuse();
    }
    st::result<void> set_password(const std::string&, const std::string&,
                                      const st::actor&) override {
        return refuse();
    }
    st::result<st::user_info> check_password(const std::string&, const std::string&,
                                             const st::actor&) override {
        return refuse();
    }
    st::result<st::web_session> create_web_session(std::int64_t, std::chrono::seconds,
                                                   const st::actor&) override {
        return refuse();
    }
    st::result<st::user_info> web_session_user(const std::string&) override { return refuse(); }
    void end_web_session(const std::string&, const st::actor&) override {}
    st::result<st::new_device> add_device(const std::string&, const std::string&,
                                          const st::actor&) override {
        return refuse();
    }
    st::result<st::enrollment_code> create_enrollment_code(const std::string&, std::chrono::seconds,
                                                           const st::actor&) override {
        return refuse();
    }
    st::result<st::enrolled_device> enroll(const std::string&, const std::string&,
                                           const st::actor&) override {
        return refuse();
    }
    st::result<st::device_info> authenticate(const std::string&, const std::string&) override {
        return refuse();
    }
    st::result<st::device_info> device_access(const std::string&) override { return refuse(); }
    st::result<st::device_info> revoke_device(const std::string&, const st::actor&) override {
        return refuse();
    }
    std::vector<st::device_info> list_devices(const st::scope_filter&) override { return {}; }
    std::uint64_t security_epoch() override { return 0; }
    std::string server_secret(const std::string&) override { return std::string(32, 'k'); }
    st::result<st::pull_page> pull(const st::scope_filter&, std::uint64_t, std::size_t) override {
        return refuse();
    }
    st::result<st::exit_page> scope_exits(const st::scope_filter&, const st::scope_filter&,
                                          std::uint64_t, const std::string&,
                                          std::size_t) override {
        return refuse();
    }
    int schema_version() override { return 1; }
    std::vector<st::logged_change> change_log(const std::optional<std::string>&) override {
        return {};
    }
    std::vector<st::logged_change> quarantine(const st::scope_filter&, std::size_t) override {
        return {};
    }
    std::vector<st::conflict_row> conflicts() override { return {}; }
    st::result<sync::record_msg> record(const std::string&, const st::scope_filter&) override {
        return refuse();
    }
    st::result<st::review_page> review_items(const st::review_query&) override { return refuse(); }
    st::result<sync::review_item_msg> review_item(std::int64_t, const st::scope_filter&) override {
        return refuse();
    }
    st::result<st::decision_outcome> decide(const st::review_decision&) override {
        return refuse();
    }
    std::uint64_t review_seq() override { return 0; }
    std::string follow_merged(const std::string& record) override { return record; }
    st::result<st::history_page> history(const st::history_query&) override { return refuse(); }
    st::result<st::verify_report> verify_history(
        const std::optional<audit::signed_head>&,
        const std::function<void(std::uint64_t)>&) override {
        return refuse();
    }
    std::pair<std::uint64_t, audit::digest> history_head() override { return {0, audit::genesis}; }
    st::result<void> record_event(const std::string&, const st::actor&,
                                  const boost::json::object&) override {
        return refuse();
    }
    st::result<st::refresh_report> refresh_report_facts(
        const reports::definitions&,
        const std::function<void(std::uint64_t, std::uint64_t)>&) override {
        return refuse();
    }
    st::result<st::report_data> report_values(const reports::definitions&, const reports::period&,
                                              const st::scope_filter&) override {
        return refuse();
    }
    std::vector<reports::device_sync> device_syncs(const st::scope_filter&) override { return {}; }

private:
    static sync::error_info refuse() {
        return {sync::errc::internal, "not in the fake", std::nullopt};
    }

    std::mutex mu_;
    std::condition_variable cv_;
    bool held_ = false;
    bool fail_ = false;
    std::size_t started_ = 0;
    std::uint64_t head_ = 0;
    std::vector<st::write_batch> batches_;
};

// A push of `n` changes whose seqs end at `last`, so the fake's last_seq names it.
st::push_request push_ending_at(std::uint64_t last, std::size_t n = 1) {
    st::push_request r;
    r.device_id = "0190f5a2-7c41-7d3e-8a5b-000000000001";
    for (std::size_t i = 0; i < n; ++i) {
        sync::change_msg c;
        c.seq = last - n + 1 + i;
        r.changes.push_back(std::move(c));
    }
    return r;
}

// Completions as they arrive (on the writer thread).
struct answers {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<st::result<st::push_outcome>> got;

    commit_queue::push_completion sink() {
        return [this](st::result<st::push_outcome> r) {
            std::lock_guard lock(mu);
            got.push_back(std::move(r));
            cv.notify_all();
        };
    }
    bool wait_for(std::size_t n) {
        std::unique_lock lock(mu);
        return cv.wait_for(lock, std::chrono::seconds(10), [&] { return got.size() >= n; });
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(commit_queue_tests)

BOOST_AUTO_TEST_CASE(pushes_submitted_during_a_write_share_the_next_write) {
    fake_store db;
    answers a;
    commit_queue q(db, 20000, nullptr);

    db.hold();
    q.submit(push_ending_at(1), a.sink());
    BOOST_REQUIRE(db.wait_for_writes(1));
    // 50 submissions while the first write is held open.
    for (std::uint64_t i = 2; i <= 51; ++i) q.submit(push_ending_at(i), a.sink());
    db.release();
    BOOST_REQUIRE(a.wait_for(51));

    // Group commit: 51 pushes, 2 transactions (the first alone, the 50 together).
    BOOST_TEST(q.writes() == 2u);
    const auto batches = db.batches();
    BOOST_REQUIRE(batches.size() == 2u);
    BOOST_TEST(batches[0].pushes.size() == 1u);
    BOOST_TEST(batches[1].pushes.size() == 50u);
}

BOOST_AUTO_TEST_CASE(completions_run_in_submission_order) {
    // Q1, across batches and within one.
    fake_store db;
    answers a;
    commit_queue q(db, 20000, nullptr);

    db.hold();
    q.submit(push_ending_at(1), a.sink());
    BOOST_REQUIRE(db.wait_for_writes(1));
    for (std::uint64_t i = 2; i <= 20; ++i) q.submit(push_ending_at(i), a.sink());
    db.release();
    BOOST_REQUIRE(a.wait_for(20));

    std::lock_guard lock(a.mu);
    for (std::size_t i = 0; i < a.got.size(); ++i) {
        BOOST_REQUIRE(a.got[i].has_value());
        BOOST_TEST(a.got[i]->last_seq == i + 1);
    }
}

BOOST_AUTO_TEST_CASE(a_failed_write_answers_every_push_of_its_batch_with_internal) {
    // Q2: nothing of a failed batch is acknowledged.
    fake_store db;
    answers a;
    commit_queue q(db, 20000, nullptr);

    db.hold();
    q.submit(push_ending_at(1), a.sink());
    BOOST_REQUIRE(db.wait_for_writes(1));
    for (std::uint64_t i = 2; i <= 5; ++i) q.submit(push_ending_at(i), a.sink());
    db.fail_writes(true);
    db.release();
    BOOST_REQUIRE(a.wait_for(5));

    std::lock_guard lock(a.mu);
    for (const auto& r : a.got) {
        BOOST_REQUIRE(r.has_error());
        BOOST_TEST(static_cast<int>(r.error().code) == static_cast<int>(sync::errc::internal));
    }
}

BOOST_AUTO_TEST_CASE(the_batch_cap_splits_a_backlog_into_several_writes) {
    // Cap 10 work items, pushes of 4 changes: at most two pushes per write.
    fake_store db;
    answers a;
    commit_queue q(db, 10, nullptr);

    db.hold();
    q.submit(push_ending_at(4, 4), a.sink());
    BOOST_REQUIRE(db.wait_for_writes(1));
    for (std::uint64_t i = 2; i <= 6; ++i) q.submit(push_ending_at(4 * i, 4), a.sink());
    db.release();
    BOOST_REQUIRE(a.wait_for(6));

    const auto batches = db.batches();
    BOOST_REQUIRE(batches.size() == 4u);  // [1] [2 3] [4 5] [6]
    for (const auto& b : batches) {
        std::size_t changes = 0;
        for (const auto& p : b.pushes) changes += p.changes.size();
        BOOST_TEST(changes <= 10u);
    }
}

BOOST_AUTO_TEST_CASE(a_push_larger_than_the_cap_is_still_written_alone) {
    fake_store db;
    answers a;
    commit_queue q(db, 10, nullptr);
    q.submit(push_ending_at(25, 25), a.sink());
    BOOST_REQUIRE(a.wait_for(1));
    BOOST_REQUIRE(a.got[0].has_value());
    BOOST_TEST(a.got[0]->last_seq == 25u);
    BOOST_TEST(q.writes() == 1u);
}

BOOST_AUTO_TEST_CASE(hellos_are_written_with_the_pushes_around_them) {
    fake_store db;
    answers a;
    commit_queue q(db, 20000, nullptr);

    db.hold();
    q.submit(push_ending_at(1), a.sink());
    BOOST_REQUIRE(db.wait_for_writes(1));
    q.submit(st::hello_record{"0190f5a2-7c41-7d3e-8a5b-000000000002", 5, 7});
    q.submit(push_ending_at(2), a.sink());
    db.release();
    BOOST_REQUIRE(a.wait_for(2));

    const auto batches = db.batches();
    BOOST_REQUIRE(batches.size() == 2u);
    BOOST_REQUIRE(batches[1].hellos.size() == 1u);
    BOOST_TEST(batches[1].hellos[0].client_time_ms == 5);
    BOOST_TEST(batches[1].pushes.size() == 1u);
}

BOOST_AUTO_TEST_CASE(pull_marks_are_batched_with_the_pushes_around_them) {
    fake_store db;
    answers a;
    commit_queue q(db, 20000, nullptr);

    db.hold();
    q.submit(push_ending_at(1), a.sink());
    BOOST_REQUIRE(db.wait_for_writes(1));
    q.submit(st::pull_mark{"0190f5a2-7c41-7d3e-8a5b-000000000002", 40});
    q.submit(st::pull_mark{"0190f5a2-7c41-7d3e-8a5b-000000000003", 41});
    q.submit(push_ending_at(2), a.sink());
    db.release();
    BOOST_REQUIRE(a.wait_for(2));

    const auto batches = db.batches();
    BOOST_REQUIRE(batches.size() == 2u);
    BOOST_TEST(batches[0].pulls.empty());
    BOOST_REQUIRE(batches[1].pulls.size() == 2u);
    BOOST_TEST(batches[1].pulls[0].after == 40u);
    BOOST_TEST(batches[1].pulls[1].device_id == "0190f5a2-7c41-7d3e-8a5b-000000000003");
    BOOST_TEST(batches[1].pushes.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_pull_mark_alone_is_written_and_one_after_stop_is_dropped) {
    fake_store db;
    commit_queue q(db, 20000, nullptr);
    q.submit(st::pull_mark{"0190f5a2-7c41-7d3e-8a5b-000000000002", 7});
    q.stop();  // writes what is queued
    BOOST_REQUIRE(db.batches().size() == 1u);
    BOOST_TEST(db.batches()[0].pulls.size() == 1u);
    q.submit(st::pull_mark{"0190f5a2-7c41-7d3e-8a5b-000000000002", 8});
    BOOST_TEST(db.batches().size() == 1u);
}

BOOST_AUTO_TEST_CASE(stop_writes_what_is_queued_then_refuses_with_shutting_down) {
    // Q3: queued work is finished by stop(); later submissions are refused.
    fake_store db;
    answers a;
    commit_queue q(db, 20000, nullptr);

    db.hold();
    q.submit(push_ending_at(1), a.sink());
    BOOST_REQUIRE(db.wait_for_writes(1));
    for (std::uint64_t i = 2; i <= 4; ++i) q.submit(push_ending_at(i), a.sink());
    std::thread releaser([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        db.release();
    });
    q.stop();  // returns only once the 4 queued pushes are written
    releaser.join();

    {
        std::lock_guard lock(a.mu);
        BOOST_REQUIRE(a.got.size() == 4u);
        for (const auto& r : a.got) BOOST_TEST(r.has_value());
    }

    q.submit(push_ending_at(5), a.sink());
    BOOST_REQUIRE(a.wait_for(5));
    std::lock_guard lock(a.mu);
    BOOST_REQUIRE(a.got[4].has_error());
    BOOST_TEST(static_cast<int>(a.got[4].error().code) ==
               static_cast<int>(sync::errc::shutting_down));
    BOOST_TEST(db.batches().size() == 2u);
}

BOOST_AUTO_TEST_CASE(the_head_listener_hears_each_advance_once) {
    // Q4: one notification per write that moved the head, none for a hello-only write.
    fake_store db;
    answers a;
    std::mutex mu;
    std::vector<std::uint64_t> heads;
    commit_queue q(db, 20000, [&](std::uint64_t h) {
        std::lock_guard lock(mu);
        heads.push_back(h);
    });

    q.submit(push_ending_at(3, 3), a.sink());
    BOOST_REQUIRE(a.wait_for(1));
    q.submit(st::hello_record{"0190f5a2-7c41-7d3e-8a5b-000000000002", 5, 7});
    q.submit(push_ending_at(5, 2), a.sink());
    BOOST_REQUIRE(a.wait_for(2));
    q.stop();

    std::lock_guard lock(mu);
    BOOST_TEST(heads == (std::vector<std::uint64_t>{3, 5}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
