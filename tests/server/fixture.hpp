// What every store test starts from: a small org tree and an officer at its root, so
// that devices (which belong to users since issue 5) can be added and may write
// anywhere in the tree.
//
//   LS               Tỉnh      (province, the root)
//   ├── LS.CL        Huyện
//   │   └── LS.CL.X1 Xã
//   └── LS.TP        Thành phố
//       ├── LS.TP.P1 Phường
//       └── LS.TP.P2 Phường
#pragma once

#include <sotay/store/sqlite_store.hpp>
#include <sotay/sync/hlc.hpp>

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace sotay::test {

inline constexpr const char* officer = "officer";  // an officer at LS: the whole tree

inline std::vector<access::org_row> test_org_rows() {
    std::vector<access::org_row> rows;
    std::size_t line = 1;  // line 1 is the CSV header
    auto add = [&](std::string code, std::string name, std::string parent, std::string level) {
        rows.push_back(
            {{std::move(code), std::move(name), std::move(parent), std::move(level)}, ++line});
    };
    add("LS", "Tỉnh Lạng Sơn", "", "Tỉnh");
    add("LS.TP", "Thành phố Lạng Sơn", "LS", "Thành phố");
    add("LS.TP.P1", "Phường Chi Lăng", "LS.TP", "Phường");
    add("LS.TP.P2", "Phường Hoàng Văn Thụ", "LS.TP", "Phường");
    add("LS.CL", "Huyện Chi Lăng", "LS", "Huyện");
    add("LS.CL.X1", "Xã Chi Lăng", "LS.CL", "Xã");
    return rows;
}

// Imports the test tree and adds `officer`, once per database file (a reopened file
// already has them).
inline void seed(store::store& s) {
    if (s.find_user(officer)) return;
    const auto imported = s.import_org(test_org_rows());
    BOOST_REQUIRE(imported.has_value());
    BOOST_REQUIRE(imported->applied);
    store::new_user u;
    u.username = officer;
    u.display_name = "Cán bộ thử";
    u.role = access::role::officer;
    u.org_unit = "LS";
    BOOST_REQUIRE(s.add_user(u).has_value());
}

// A fresh directory for database files, removed with everything in it.
struct temp_dir {
    std::filesystem::path dir;
    explicit temp_dir(const std::string& prefix) {
        std::random_device rd;
        dir = std::filesystem::temp_directory_path() / (prefix + std::to_string(rd()));
        std::filesystem::create_directories(dir);
    }
    ~temp_dir() { std::filesystem::remove_all(dir); }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    std::string path(const std::string& name = "central.db") const { return (dir / name).string(); }
};

// Store objects on one fresh file, sharing a clock the test moves (expiry tests).
struct store_env {
    static constexpr std::int64_t start_ms = 1'795'000'000'000LL;
    temp_dir dir{"sotay-store-env-"};
    std::shared_ptr<std::atomic<std::int64_t>> clock =
        std::make_shared<std::atomic<std::int64_t>>(start_ms);
    // The record schema the stores validate against (none: no validation, no keys).
    std::shared_ptr<const schema::schema> schema;

    // A new store object on the file (several may be open, as the server and
    // sotay-admin are); seeded with the test tree and `officer` unless told otherwise.
    std::unique_ptr<store::store> open(bool seeded = true) const {
        store::sqlite_options o;
        o.now_ms = [c = clock] { return c->load(); };
        o.schema = schema;
        auto s = store::open_sqlite_store(dir.path(), o);
        if (seeded) seed(*s);
        return s;
    }
    void advance(std::chrono::milliseconds d) const { *clock += d.count(); }
};

inline std::string record_id(int n) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "0190f5a2-7c41-7d3e-8a5b-%012d", n);
    return buf;
}

// A change to record `rec` placing it in `org_unit`, with a distinct clock per seq.
inline sync::change_msg change_in(std::uint64_t seq, int rec, std::string org_unit,
                                  sync::field_map set = {{"status", sync::value{"received"}}},
                                  std::uint64_t base = 0) {
    sync::change_msg c;
    c.seq = seq;
    c.record = record_id(rec);
    c.type = "petition";
    c.org_unit = std::move(org_unit);
    c.hlc = sync::format_hlc({static_cast<std::uint64_t>(store_env::start_ms) + seq * 10, 0});
    c.base = base;
    c.set = std::move(set);
    return c;
}

inline store::push_outcome push(store::store& s, const std::string& device,
                                std::vector<sync::change_msg> changes) {
    store::write_batch b;
    b.pushes.push_back({device, 0, std::move(changes)});
    auto out = s.write(b);
    BOOST_REQUIRE(out.has_value());
    return out->pushes.at(0);
}

// Adds a user without a password (device-only) at `org_unit`.
inline store::user_info add_user(store::store& s, const std::string& name, access::role r,
                                 const std::string& org_unit) {
    store::new_user u;
    u.username = name;
    u.display_name = name;
    u.role = r;
    u.org_unit = org_unit;
    auto made = s.add_user(u);
    BOOST_REQUIRE_MESSAGE(made.has_value(), "add_user " + name);
    return *made;
}

inline std::string add_device(store::store& s, const std::string& username) {
    auto d = s.add_device("phone of " + username, username);
    BOOST_REQUIRE(d.has_value());
    return d->device_id;
}

inline store::scope_filter subtree(store::store& s, const std::string& root) {
    return store::scope_filter::of(s.org_tree().tree->subtree(root));
}

}  // namespace sotay::test
