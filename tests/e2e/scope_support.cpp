#include "scope_support.hpp"

#include <sotay/access/org_tree.hpp>
#include <sotay/store/sqlite_store.hpp>

namespace sotay::e2e {

std::unique_ptr<store::store> open_store(const server_process& server) {
    return store::open_sqlite_store(server.db_path());
}

district_tree make_district(store::store& db) {
    district_tree t;
    const auto current = db.org_tree();
    const auto roots = current.tree->roots();
    std::vector<access::org_row> rows;
    std::size_t line = 1;
    auto row = [&](const std::string& code, const std::string& name, const std::string& parent,
                   const std::string& level) {
        rows.push_back({{code, name, parent, level}, ++line});
    };
    // A tree has one root: hang the district under the one there is.
    if (roots.empty()) {
        t.province = "LS";
        row(t.province, "Tỉnh ủy Lạng Sơn", "", "Tỉnh");
    } else {
        t.province = roots.front();
    }
    t.district = t.province + ".CL";
    t.communes = {t.district + ".X1", t.district + ".X2", t.district + ".X3"};
    row(t.district, "Huyện ủy Cao Lộc", t.province, "Huyện");
    row(t.communes[0], "Đảng ủy xã Hợp Thành", t.district, "Xã");
    row(t.communes[1], "Đảng ủy xã Mẫu Sơn", t.district, "Xã");
    row(t.communes[2], "Đảng ủy xã Thụy Hùng", t.district, "Xã");
    const auto report = must(db.import_org(rows), "import the district");
    if (!report.applied) {
        std::string why;
        for (const auto& e : report.errors)
            why += " line " + std::to_string(e.line) + ": " + e.message;
        throw std::runtime_error("the district's rows were refused:" + why);
    }
    return t;
}

device_credentials add_user_with_device(store::store& db, const std::string& username,
                                        access::role role, const std::string& org_unit) {
    store::new_user u;
    u.username = username;
    u.display_name = "Đồng chí " + username;
    u.role = role;
    u.org_unit = org_unit;
    must(db.add_user(u), "add user " + username);
    const auto d =
        must(db.add_device("điện thoại của " + username, username), "add a device for " + username);
    return {d.device_id, d.token};
}

void replica::apply(const sync::changes_msg& page) {
    for (const auto& id : page.evict) records_.erase(id);
    for (const auto& r : page.records) {
        if (r.deleted) {
            records_.erase(r.record);
        } else {
            records_[r.record] = r;
        }
    }
}

std::set<std::string> replica::ids() const {
    std::set<std::string> ids;
    for (const auto& [id, r] : records_) ids.insert(id);
    return ids;
}

std::vector<sync::changes_msg> pull_pages(client::sync_client& c, std::optional<std::string> cursor,
                                          std::uint32_t limit) {
    std::vector<sync::changes_msg> pages;
    sync::pull_msg p;
    p.limit = limit;
    p.cursor = std::move(cursor);
    // 10,000 pages: far more than any test needs; a server that never says more=false
    // fails the test instead of hanging it.
    for (int n = 0; n < 10000; ++n) {
        p.id = c.next_id();
        auto page = client::expect<sync::changes_msg>(c.request(p));
        if (page.id != p.id) throw std::runtime_error("changes answers another pull's id");
        pages.push_back(page);
        if (!page.more) return pages;
        p.cursor = page.cursor;
    }
    throw std::runtime_error("pull never reached more=false");
}

sync::error_msg expect_error(client::sync_client& c, std::chrono::milliseconds timeout) {
    auto m = c.receive(timeout);
    if (auto* e = std::get_if<sync::error_msg>(&m)) return *e;
    throw client::client_error(
        {sync::errc::bad_message,
         "expected an error, got message variant " + std::to_string(m.index()), std::nullopt});
}

std::optional<std::uint16_t> wait_for_close(client::sync_client& c,
                                            std::chrono::milliseconds timeout,
                                            std::vector<sync::message>* seen) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) throw std::runtime_error("the server did not close in time");
        try {
            auto m = c.receive(left);
            if (seen != nullptr) seen->push_back(std::move(m));
        } catch (const client::transport_error& e) {
            if (e.timed_out()) throw std::runtime_error("the server did not close in time");
            return c.close_code();
        }
    }
}

}  // namespace sotay::e2e
