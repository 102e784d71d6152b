// chain_verifier: each way of tampering with one row is named, with the entry it concerns.
#include <sotay/audit/chain.hpp>
#include <sotay/audit/entry.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <optional>
#include <vector>

using namespace sotay::audit;

namespace {

// A row as the store keeps it.
struct stored {
    std::uint64_t seq = 0;
    std::string body;
    digest hash{};
};
using rows = std::vector<stored>;

// A history of n intact entries, numbered 1..n.
rows history(std::uint64_t n) {
    rows out;
    digest prev = genesis;
    for (std::uint64_t i = 1; i <= n; ++i) {
        history_entry e;
        e.seq = i;
        e.at_ms = 1718000000000 + static_cast<std::int64_t>(i);
        e.kind = "change";
        e.username = "tp.officer";
        e.record = "0190f5a2-7c41-7d3e-8a5b-1c2d3e4f5a6b";
        e.type = "petition";
        e.org_unit = "LS.TP.P1";
        e.detail["status"] = "step " + std::to_string(i);
        std::string body = entry_body(e);
        prev = link(prev, i, body);
        out.push_back({i, std::move(body), prev});
    }
    return out;
}

stored& at(rows& r, std::uint64_t seq) {
    const auto it = std::find_if(r.begin(), r.end(), [&](const stored& s) { return s.seq == seq; });
    BOOST_REQUIRE(it != r.end());
    return *it;
}

// What an editor of the database file does to one row's content.
void change_body(rows& r, std::uint64_t seq) {
    std::string& body = at(r, seq).body;
    body.replace(body.find("tp.officer"), 10, "xx.officer");
}

// What someone who knows the format does after changing a row: recompute hashes from that
// row on (only `count` of them; all when 0).
void rehash_from(rows& r, std::uint64_t seq, std::size_t count = 0) {
    digest prev = seq == 1 ? genesis : at(r, seq - 1).hash;
    std::size_t done = 0;
    for (stored& s : r) {
        if (s.seq < seq) continue;
        if (count != 0 && done++ == count) break;
        s.hash = link(prev, s.seq, s.body);
        prev = s.hash;
    }
}

// The store lists rows by seq.
void sort_by_seq(rows& r) {
    std::stable_sort(r.begin(), r.end(),
                     [](const stored& a, const stored& b) { return a.seq < b.seq; });
}

struct head_at {
    std::uint64_t seq;
    digest hash;
};

std::optional<chain_problem> verify(const rows& r, std::optional<head_at> head = std::nullopt) {
    chain_verifier v;
    if (head) v.expect(head->seq, head->hash);
    for (const stored& s : r) v.add(s.seq, s.body, s.hash);
    return v.finish();
}

bool starts_with(const std::string& text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(chain_verification)

BOOST_AUTO_TEST_CASE(an_intact_history_has_no_problem_and_reports_its_head) {
    const rows r = history(10);
    chain_verifier v;
    for (const stored& s : r) v.add(s.seq, s.body, s.hash);
    BOOST_TEST(!v.settled());
    BOOST_TEST(!v.finish().has_value());
    BOOST_TEST(v.rows() == 10u);
    BOOST_TEST(v.verified_seq() == 10u);
    BOOST_TEST(hex(v.verified_hash()) == hex(r.back().hash));
}

BOOST_AUTO_TEST_CASE(an_empty_history_is_intact) {
    chain_verifier v;
    BOOST_TEST(!v.finish().has_value());
    BOOST_TEST(v.verified_seq() == 0u);
}

BOOST_AUTO_TEST_CASE(a_changed_body_is_named) {
    for (const std::uint64_t k : {1u, 5u, 10u}) {
        rows r = history(10);
        change_body(r, k);
        const auto p = verify(r);
        BOOST_REQUIRE(p.has_value());
        BOOST_TEST((p->kind == problem_kind::changed), "entry " << k);
        BOOST_TEST(p->seq == k);
        BOOST_TEST(starts_with(p->message, "entry " + std::to_string(k) +
                                               " was changed: its hash does not match its content"),
                   p->message);
    }
}

BOOST_AUTO_TEST_CASE(a_changed_stored_hash_is_named_as_such_when_an_entry_follows_it) {
    rows r = history(10);
    at(r, 5).hash[0] ^= 1;
    const auto p = verify(r);
    BOOST_REQUIRE(p.has_value());
    BOOST_TEST((p->kind == problem_kind::hash_changed));
    BOOST_TEST(p->seq == 5u);
    BOOST_TEST(starts_with(p->message, "entry 5's stored hash was changed"), p->message);
}

BOOST_AUTO_TEST_CASE(the_last_entry_s_changed_hash_needs_a_signed_head_to_be_told_apart) {
    rows r = history(10);
    const digest true_hash = at(r, 10).hash;
    at(r, 10).hash[31] ^= 0x80;
    // Alone, the last row cannot say whether its content or its hash changed.
    auto p = verify(r);
    BOOST_REQUIRE(p.has_value());
    BOOST_TEST((p->kind == problem_kind::changed));
    BOOST_TEST(p->seq == 10u);
    // A head signed over the true hash shows the content is what was signed.
    p = verify(r, head_at{10, true_hash});
    BOOST_REQUIRE(p.has_value());
    BOOST_TEST((p->kind == problem_kind::hash_changed));
    BOOST_TEST(p->seq == 10u);
}

BOOST_AUTO_TEST_CASE(a_deleted_first_entry_is_named) {
    rows r = history(10);
    r.erase(r.begin());
    const auto p = verify(r);
    BOOST_REQUIRE(p.has_value());
    BOOST_TEST((p->kind == problem_kind::missing));
    BOOST_TEST(p->seq == 1u);
    BOOST_TEST(p->message == "the history starts at entry 2: entry 1 is missing");
}

BOOST_AUTO_TEST_CASE(a_deleted_middle_entry_is_named) {
    rows r = history(10);
    r.erase(r.begin() + 4);  // entry 5
    const auto p = verify(r);
    BOOST_REQUIRE(p.has_value());
    BOOST_TEST((p->kind == problem_kind::missing));
    BOOST_TEST(p->seq == 5u);
    BOOST_TEST(p->message == "entry 6 follows entry 4: entry 5 is missing");
}

BOOST_AUTO_TEST_CASE(several_deleted_entries_are_named_as_a_range) {
    rows r = history(10);
    r.erase(r.begin() + 4, r.begin() + 7);  // entries 5, 6, 7
    const auto p = verify(r);
    BOOST_REQUIRE(p.has_value());
    BOOST_TEST((p->kind == problem_kind::missing));
    BOOST_TEST(p->message == "entry 8 follows entry 4: entries 5 to 7 are missing");
}

BOOST_AUTO_TEST_CASE(a_deleted_last_entry_shows_only_against_a_signed_head) {
    rows r = history(10);
    const digest last = r.back().hash;
    r.pop_back();
    // A shorter chain is intact by itself (chain.hpp says so)...
    BOOST_TEST(!verify(r).has_value());
    // ...and a head signed while entry 10 existed names what went.
    const auto p = verify(r, head_at{10, last});
    BOOST_REQUIRE(p.has_value());
    BOOST_TEST((p->kind == problem_kind::truncated));
    BOOST_TEST(p->seq == 10u);
    BOOST_TEST(p->message ==
               "the history ends at entry 9, but a signed head covers entry 10: entry 10 was "
               "removed");
}

BOOST_AUTO_TEST_CASE(adjacent_swapped_rows_are_named) {
    for (const std::uint64_t k : {1u, 5u, 9u}) {
        rows r = history(10);
        std::swap(at(r, k).seq, at(r, k + 1).seq);  // UPDATE ... SET seq = ...
        sort_by_seq(r);
        const auto p = verify(r);
        BOOST_REQUIRE(p.has_value());
        BOOST_TEST((p->kind == problem_kind::swapped), "entry " << k);
        BOOST_TEST(p->seq == k);
        BOOST_TEST(p->message == "entries " + std::to_string(k) + " and " + std::to_string(k + 1) +
                                     " are swapped: each is stored in the other's place");
    }
}

BOOST_AUTO_TEST_CASE(distant_swapped_rows_are_named) {
    rows r = history(10);
    std::swap(at(r, 3).seq, at(r, 8).seq);
    sort_by_seq(r);
    const auto p = verify(r);
    BOOST_REQUIRE(p.has_value());
    BOOST_TEST((p->kind == problem_kind::swapped));
    BOOST_TEST(p->seq == 3u);
    BOOST_TEST(p->message == "entries 3 and 8 are swapped: each is stored in the other's place");
}

BOOST_AUTO_TEST_CASE(a_row_moved_past_the_end_is_named) {
    rows r = history(10);
    at(r, 5).seq = 11;
    sort_by_seq(r);
    const auto p = verify(r);
    BOOST_REQUIRE(p.has_value());
    BOOST_TEST((p->kind == problem_kind::moved));
    BOOST_TEST(p->seq == 5u);
    BOOST_TEST(p->message == "entry 5 was moved: it is stored as entry 11");
}

BOOST_AUTO_TEST_CASE(the_last_row_moved_to_a_higher_number_is_named) {
    rows r = history(10);
    at(r, 10).seq = 15;
    const auto p = verify(r);
    BOOST_REQUIRE(p.has_value());
    BOOST_TEST((p->kind == problem_kind::moved));
    BOOST_TEST(p->seq == 10u);
    BOOST_TEST(p->message == "entry 10 was moved: it is stored as entry 15");
}

BOOST_AUTO_TEST_CASE(a_row_moved_before_the_first_is_named) {
    rows r = history(10);
    at(r, 4).seq = 0;
    sort_by_seq(r);
    const auto p = verify(r);
    BOOST_REQUIRE(p.has_value());
    BOOST_TEST((p->kind == problem_kind::moved));
    BOOST_TEST(p->seq == 4u);
    BOOST_TEST(p->message == "entry 4 was moved: it is stored as entry 0");
}

BOOST_AUTO_TEST_CASE(a_row_listed_twice_is_named) {
    rows r = history(10);
    r.insert(r.begin() + 5, r[4]);  // entry 5 again, right after itself
    const auto p = verify(r);
    BOOST_REQUIRE(p.has_value());
    BOOST_TEST((p->kind == problem_kind::duplicated));
    BOOST_TEST(p->seq == 5u);
    BOOST_TEST(p->message == "entry 5 appears twice");
}

BOOST_AUTO_TEST_CASE(a_row_copied_under_a_new_number_is_named) {
    rows r = history(10);
    stored copy = at(r, 3);
    copy.seq = 11;
    r.push_back(copy);
    const auto p = verify(r);
    BOOST_REQUIRE(p.has_value());
    BOOST_TEST((p->kind == problem_kind::duplicated));
    BOOST_TEST(p->seq == 11u);
    BOOST_TEST(starts_with(p->message,
                           "the row stored as entry 11 says it is entry 3, which is "
                           "also in its place"),
               p->message);
}

BOOST_AUTO_TEST_CASE(a_deleted_row_whose_successors_were_renumbered_is_named) {
    rows r = history(10);
    r.erase(r.begin() + 4);  // entry 5
    for (stored& s : r)
        if (s.seq > 5) --s.seq;  // and the gap closed
    const auto p = verify(r);
    BOOST_REQUIRE(p.has_value());
    BOOST_TEST((p->kind == problem_kind::renumbered));
    BOOST_TEST(p->seq == 5u);
    BOOST_TEST(starts_with(p->message,
                           "entry 5 is missing, and the entries after were "
                           "renumbered"),
               p->message);
}

BOOST_AUTO_TEST_CASE(a_change_with_a_recomputed_hash_shows_at_the_next_entry_and_says_so) {
    rows r = history(10);
    change_body(r, 5);
    rehash_from(r, 5, 1);  // entry 5's own hash only
    const auto p = verify(r);
    BOOST_REQUIRE(p.has_value());
    BOOST_TEST((p->kind == problem_kind::changed));
    BOOST_TEST(p->seq == 6u);
    BOOST_TEST(p->message ==
               "entry 6 was changed: its hash does not match its content (or entry 5 was "
               "rewritten and its hash recomputed)");
}

BOOST_AUTO_TEST_CASE(a_history_rewritten_after_a_signed_head_differs_from_it) {
    rows r = history(10);
    const digest signed_hash = at(r, 8).hash;
    change_body(r, 3);
    rehash_from(r, 3);  // every hash from entry 3 on recomputed: intact by itself
    BOOST_TEST(!verify(r).has_value());
    const auto p = verify(r, head_at{8, signed_hash});
    BOOST_REQUIRE(p.has_value());
    BOOST_TEST((p->kind == problem_kind::head_differs));
    BOOST_TEST(p->seq == 8u);
    BOOST_TEST(starts_with(p->message, "entry 8 differs from the signed head"), p->message);
    // The untouched history matches the same head.
    BOOST_TEST(!verify(history(10), head_at{8, signed_hash}).has_value());
}

BOOST_AUTO_TEST_CASE(two_neighbouring_changed_rows_are_a_broken_link) {
    rows r = history(10);
    change_body(r, 5);
    change_body(r, 6);
    const auto p = verify(r);
    BOOST_REQUIRE(p.has_value());
    BOOST_TEST((p->kind == problem_kind::link_broken));
    BOOST_TEST(p->seq == 5u);
    BOOST_TEST(starts_with(p->message, "entry 5 does not follow entry 4"), p->message);
}

BOOST_AUTO_TEST_CASE(a_walk_may_start_after_a_trusted_entry) {
    rows r = history(10);
    chain_verifier v(5, at(r, 5).hash);
    for (const stored& s : r)
        if (s.seq > 5) v.add(s.seq, s.body, s.hash);
    BOOST_TEST(!v.finish().has_value());
    BOOST_TEST(v.verified_seq() == 10u);

    // From a hash that is not entry 5's, entry 6 does not follow.
    chain_verifier w(5, at(r, 4).hash);
    for (const stored& s : r)
        if (s.seq > 5) w.add(s.seq, s.body, s.hash);
    const auto p = w.finish();
    BOOST_REQUIRE(p.has_value());
    BOOST_TEST(p->seq == 6u);
}

BOOST_AUTO_TEST_CASE(once_settled_the_caller_may_stop_and_the_last_good_entry_is_known) {
    rows r = history(10);
    change_body(r, 4);
    chain_verifier v;
    std::size_t given = 0;
    for (const stored& s : r) {
        v.add(s.seq, s.body, s.hash);
        ++given;
        if (v.settled()) break;
    }
    BOOST_TEST(given == 5u);  // entry 4, and entry 5 to tell content from hash
    BOOST_TEST(v.verified_seq() == 3u);
    BOOST_TEST(hex(v.verified_hash()) == hex(at(r, 3).hash));
    const auto p = v.finish();
    BOOST_REQUIRE(p.has_value());
    BOOST_TEST((p->kind == problem_kind::changed));
    BOOST_TEST(p->seq == 4u);
}

BOOST_AUTO_TEST_CASE(a_row_that_is_not_an_entry_body_is_still_verified_by_its_hash) {
    // The chain does not depend on the body format: any bytes link.
    rows r;
    digest prev = genesis;
    for (std::uint64_t i = 1; i <= 4; ++i) {
        std::string body(i, 'x');
        prev = link(prev, i, body);
        r.push_back({i, body, prev});
    }
    BOOST_TEST(!verify(r).has_value());
    r[2].body = "yyy";
    const auto p = verify(r);
    BOOST_REQUIRE(p.has_value());
    BOOST_TEST((p->kind == problem_kind::changed));
    BOOST_TEST(p->seq == 3u);
}

// Every position, every pair: one tampered row is named by its kind and its entry.
BOOST_AUTO_TEST_CASE(one_tampered_row_is_named_rightly_wherever_it_is) {
    const std::uint64_t n = 12;
    auto expect_named = [](const rows& r, problem_kind kind, std::uint64_t seq,
                           const std::string& what) {
        const auto p = verify(r);
        BOOST_TEST_REQUIRE(p.has_value(), what);
        BOOST_TEST((p->kind == kind), what << ": " << p->message);
        BOOST_TEST(p->seq == seq, what << ": " << p->message);
    };
    for (std::uint64_t k = 1; k <= n; ++k) {
        const std::string at_k = " at " + std::to_string(k);
        rows r = history(n);
        change_body(r, k);
        expect_named(r, problem_kind::changed, k, "changed body" + at_k);

        r = history(n);
        at(r, k).hash[k % 32] ^= 0x40;
        // The last row has no successor to tell its hash from its content.
        expect_named(r, k == n ? problem_kind::changed : problem_kind::hash_changed, k,
                     "changed hash" + at_k);

        if (k < n) {  // a deleted last entry needs a signed head (tested above)
            r = history(n);
            r.erase(r.begin() + static_cast<std::ptrdiff_t>(k - 1));
            expect_named(r, problem_kind::missing, k, "deleted" + at_k);
        }

        r = history(n);
        at(r, k).seq = n + 5;
        sort_by_seq(r);
        expect_named(r, problem_kind::moved, k, "moved past the end" + at_k);

        r = history(n);
        r.insert(r.begin() + static_cast<std::ptrdiff_t>(k), r[k - 1]);
        expect_named(r, problem_kind::duplicated, k, "listed twice" + at_k);

        for (std::uint64_t j = k + 1; j <= n; ++j) {
            r = history(n);
            std::swap(at(r, k).seq, at(r, j).seq);
            sort_by_seq(r);
            expect_named(r, problem_kind::swapped, k,
                         "swapped with " + std::to_string(j) + at_k);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
