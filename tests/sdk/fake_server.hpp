// An in-process stand-in for sotay-server, so the SDK's sync logic is tested without
// sockets: it speaks the protocol's messages (messages.hpp) through an sdk::link, keeps
// a naive record state (last arrival wins; the real merge is tested in tests/sync) and a
// review queue whose items the test writes (the real one is tested in tests/server), and
// can be told to fail at chosen points: a lost answer, a refused hello, a restore from
// an older snapshot, a seq_gap, a server older than get_review.
#pragma once

#include <sotay/client/sync_client.hpp>
#include <sotay/sdk/device.hpp>
#include <sotay/sdk/link.hpp>
#include <sotay/sync/merge.hpp>

#include <boost/system/errc.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace sotay::sdk_test {

inline std::int64_t real_now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// A temporary directory with one replica file in it, removed at the end of the test.
struct temp_dir {
    std::filesystem::path dir;
    temp_dir() {
        std::random_device rd;
        dir = std::filesystem::temp_directory_path() /
              ("sotay-sdk-test-" + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(dir);
    }
    ~temp_dir() {
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    std::filesystem::path file(const std::string& name = "device.db") const { return dir / name; }
};

// What the server holds; copied whole to model a backup and a restore.
struct server_state {
    std::uint64_t last_seq = 0;
    std::uint64_t head = 0;
    std::map<std::string, std::pair<sync::record_msg, std::uint64_t>> records;  // + server_seq
    std::map<std::uint64_t, sync::change_result> answers;                      // by seq
    // The review queue: items by id, each carrying the review seq of its last change of
    // state (R7); review_seq is the highest given out.
    std::map<std::int64_t, sync::review_item_msg> review;
    std::uint64_t review_seq = 0;
};

inline client::transport_error link_lost() {
    return client::transport_error(
        boost::system::errc::make_error_code(boost::system::errc::connection_reset),
        "read failed: Connection reset by peer");
}

class fake_server {
public:
    server_state state;
    std::int64_t time_offset_ms = 0;  // server_time = real time + this
    sync::limits_info limits{1024 * 1024, 1000};

    // What arrived, for the checks.
    std::vector<sync::hello_msg> hellos;
    std::vector<sync::push_msg> pushes;
    std::vector<sync::pull_msg> pulls;
    std::vector<sync::change_msg> applied;  // every change applied, in order
    std::vector<sync::get_review_msg> review_requests;

    // Faults.
    std::optional<sync::errc> refuse_hello;
    std::set<std::size_t> lose_push_answer;  // push numbers (0-based): applied, answer lost
    std::set<std::size_t> fail_pull;         // pull numbers (0-based): the link drops first
    std::set<std::uint64_t> reject_seqs;     // answered rejected (validation)
    std::map<std::uint64_t, sync::errc> reject_codes;  // answered rejected with this code
    // Pull numbers (0-based) answered `error scope_changed` (no id), as the server does
    // when the device's user is moved or the org tree changes while it is connected.
    std::set<std::size_t> scope_change_at_pull;
    // A server older than the review queue: get_review is answered bad_message.
    bool knows_review = true;
    std::set<std::size_t> fail_review;  // get_review numbers (0-based): the link drops first
    // get_review numbers (0-based) answered `error scope_changed`, as at a pull.
    std::set<std::size_t> scope_change_at_review;
    // Called before each push is handled (e.g. to roll the state back: a seq_gap).
    std::function<void(const sync::push_msg&)> before_push;
    // Conflicts to report for a change.
    std::function<std::vector<sync::conflict_info>(const sync::change_msg&)> conflicts_for;

    sync::welcome_msg welcome(const sync::hello_msg& h) {
        hellos.push_back(h);
        if (refuse_hello) {
            throw client::client_error({*refuse_hello, "refused by the fake server", {}});
        }
        sync::welcome_msg w;
        w.server_time = real_now_ms() + time_offset_ms;
        w.last_seq = state.last_seq;
        w.schema_version = 1;
        w.limits = limits;
        return w;
    }

    sync::message handle(const sync::message& m) {
        if (const auto* p = std::get_if<sync::push_msg>(&m)) {
            const std::size_t n = pushes.size();
            pushes.push_back(*p);
            if (before_push) {
                before_push(*p);
            }
            auto answer = push(*p);
            if (lose_push_answer.contains(n)) {
                throw link_lost();
            }
            return answer;
        }
        if (const auto* p = std::get_if<sync::pull_msg>(&m)) {
            const std::size_t n = pulls.size();
            pulls.push_back(*p);
            if (fail_pull.contains(n)) {
                throw link_lost();
            }
            if (scope_change_at_pull.contains(n)) {
                return sync::error_msg{std::nullopt,
                                       {sync::errc::scope_changed,
                                        "your scope changed; reconnect and pull again", {}}};
            }
            return pull(*p);
        }
        if (const auto* g = std::get_if<sync::get_review_msg>(&m)) {
            const std::size_t n = review_requests.size();
            review_requests.push_back(*g);
            if (!knows_review) {
                return sync::error_msg{g->id,
                                       {sync::errc::bad_message, "unknown message type", {}}};
            }
            if (fail_review.contains(n)) {
                throw link_lost();
            }
            if (scope_change_at_review.contains(n)) {
                return sync::error_msg{std::nullopt,
                                       {sync::errc::scope_changed,
                                        "your scope changed; reconnect and pull again", {}}};
            }
            return review_page(*g);
        }
        return sync::error_msg{std::nullopt, {sync::errc::bad_message, "unexpected", {}}};
    }

    // A change made by another device, applied directly.
    void apply_other(const std::string& record, const std::string& type, sync::field_map set) {
        sync::change_msg c;
        c.record = record;
        c.type = type;
        c.org_unit = "LS.TP.P1";
        c.set = std::move(set);
        apply(c);
    }

    // Opens an item, or records a new state of one (same item id): it gets the next
    // review seq, as the server's every change of state does. Returns the item's id.
    std::int64_t put_review(sync::review_item_msg item) {
        if (item.item == 0) {
            item.item = state.review.empty() ? 1 : state.review.rbegin()->first + 1;
        }
        item.seq = ++state.review_seq;
        const auto id = item.item;
        state.review.insert_or_assign(id, std::move(item));
        return id;
    }

    // A reviewer's merge of a duplicate (docs/review.md): `away` becomes a tombstone whose
    // fields include `_merged_into`, as the real server sends it.
    void merge_away(const std::string& away, const std::string& survivor) {
        auto& [rec, server_seq] = state.records.at(away);
        rec.deleted = true;
        rec.fields.insert_or_assign(std::string(sync::merged_into_field), survivor);
        ++rec.version;
        server_seq = ++state.head;
    }

    // A reviewer's restore: the record is live again, with `fields`.
    void restore(const std::string& id, sync::field_map fields) {
        auto& [rec, server_seq] = state.records.at(id);
        rec.deleted = false;
        rec.fields = std::move(fields);
        ++rec.version;
        server_seq = ++state.head;
    }

    std::optional<sync::record_msg> record(const std::string& id) const {
        const auto it = state.records.find(id);
        if (it == state.records.end()) {
            return std::nullopt;
        }
        return it->second.first;
    }

private:
    sync::message push(const sync::push_msg& p) {
        sync::push_result_msg r;
        r.id = p.id;
        for (const auto& c : p.changes) {
            if (c.seq > state.last_seq + 1) {
                return sync::error_msg{p.id,
                                       {sync::errc::seq_gap,
                                        "expected seq " + std::to_string(state.last_seq + 1) +
                                            " next, got " + std::to_string(c.seq),
                                        std::string("seq")}};
            }
            if (c.seq <= state.last_seq) {
                auto stored = state.answers.at(c.seq);
                if (stored.status == sync::change_status::applied) {
                    stored.status = sync::change_status::duplicate;
                }
                r.results.push_back(stored);
                continue;
            }
            sync::change_result res;
            res.seq = c.seq;
            if (reject_seqs.contains(c.seq)) {
                res.status = sync::change_status::rejected;
                res.error = sync::error_info{sync::errc::validation, "bad date", "received_on"};
            } else if (const auto code = reject_codes.find(c.seq); code != reject_codes.end()) {
                res.status = sync::change_status::rejected;
                res.error = sync::error_info{code->second, "refused by the fake server", {}};
            } else {
                apply(c);
                if (conflicts_for) {
                    res.conflicts = conflicts_for(c);
                }
            }
            state.last_seq = c.seq;
            state.answers[c.seq] = res;
            r.results.push_back(res);
        }
        r.last_seq = state.last_seq;
        return r;
    }

    void apply(const sync::change_msg& c) {
        auto& [rec, server_seq] = state.records[c.record];
        if (rec.record.empty()) {
            rec.record = c.record;
            rec.type = c.type;
        }
        rec.org_unit = c.org_unit;
        ++rec.version;
        if (c.del) {
            rec.deleted = true;
            rec.fields.clear();
        }
        for (const auto& [name, v] : c.set) {
            if (rec.deleted) {
                break;
            }
            if (sync::is_null(v)) {
                rec.fields.erase(name);
            } else {
                rec.fields.insert_or_assign(name, v);
            }
        }
        server_seq = ++state.head;
        applied.push_back(c);
    }

    // Items changed after `after`, in review seq order; `next` is the last one sent. A
    // cursor past the end (a server restored from an older copy) reads from the start,
    // as sotay-server does.
    sync::review_msg review_page(const sync::get_review_msg& g) const {
        const std::uint64_t after = g.after > state.review_seq ? 0 : g.after;
        std::map<std::uint64_t, const sync::review_item_msg*> by_seq;
        for (const auto& [id, item] : state.review) {
            if (item.seq > after) {
                by_seq.emplace(item.seq, &item);
            }
        }
        sync::review_msg page;
        page.id = g.id;
        page.next = after;
        for (const auto& [seq, item] : by_seq) {
            if (page.items.size() == g.limit) {
                page.more = true;
                break;
            }
            page.items.push_back(*item);
            page.next = seq;
        }
        return page;
    }

    sync::changes_msg pull(const sync::pull_msg& p) {
        std::uint64_t after = 0;
        if (p.cursor) {
            after = std::stoull(p.cursor->substr(2));  // "f.N"
        }
        std::map<std::uint64_t, const sync::record_msg*> by_seq;
        for (const auto& [id, entry] : state.records) {
            if (entry.second > after) {
                by_seq.emplace(entry.second, &entry.first);
            }
        }
        sync::changes_msg page;
        page.id = p.id;
        std::uint64_t next = after;
        for (const auto& [seq, rec] : by_seq) {
            if (page.records.size() == p.limit) {
                page.more = true;
                break;
            }
            page.records.push_back(*rec);
            next = seq;
        }
        page.cursor = "f." + std::to_string(next);
        return page;
    }
};

class fake_link final : public sdk::link {
public:
    explicit fake_link(fake_server& s) : s_(s) {}
    sync::welcome_msg open(const sync::hello_msg& hello) override { return s_.welcome(hello); }
    sync::message request(const sync::message& m) override { return s_.handle(m); }
    void close() noexcept override {}

private:
    fake_server& s_;
};

// Device options that connect to `server` and read the clock from `clock_ms` when it
// is set (a phone with a wrong date), the real clock otherwise.
inline sdk::options options_for(fake_server& server, const std::int64_t* clock_ms = nullptr) {
    sdk::options o;
    o.connect = [&server](const sdk::link_target&) { return std::make_unique<fake_link>(server); };
    if (clock_ms != nullptr) {
        o.system_clock = [clock_ms] { return *clock_ms; };
    }
    return o;
}

inline sdk::device_settings test_settings() {
    return {"ws://127.0.0.1:9/sync", "0190f5a2-7c41-7d3e-8a5b-1c2d3e4f5a6b", "secret",
            sync::wire_format::binary};
}

inline sync::field_map petition(const std::string& summary) {
    return {{"kind", std::string("complaint")},
            {"received_on", std::string("2022-03-04")},
            {"status", std::string("received")},
            {"summary", summary}};
}

}  // namespace sotay::sdk_test
