// The org tree in the store: imports (T3, S7), every committed version kept whole in
// org_versions, and a cached snapshot per version.
//
// Versions are immutable once committed, so a snapshot is cached by version number and
// never goes stale; "which version is current" is one meta value, re-read on each call
// (sotay-admin may import from another process).
#include "sqlite_store_impl.hpp"

#include <boost/json.hpp>

#include <stdexcept>

namespace sotay::store::detail {

namespace {

// How many versions besides the current one stay parsed in memory: devices whose
// cursors name an older version are few and short-lived (they pull and move on).
constexpr std::size_t org_cache_max = 4;

std::string tree_json(const access::org_tree& t) {
    boost::json::array a;
    a.reserve(t.size());
    for (const auto& u : t.units()) {
        a.push_back(boost::json::object{
            {"code", u.code}, {"name", u.name}, {"parent", u.parent}, {"level", u.level}});
    }
    return boost::json::serialize(a);
}

access::org_tree parse_tree(std::string_view text, std::uint64_t version) {
    const auto where = "org tree version " + std::to_string(version);
    boost::system::error_code ec;
    const auto v = boost::json::parse(text, ec);
    if (ec || !v.is_array()) throw std::runtime_error(where + " is not a JSON array");
    std::vector<access::org_unit> units;
    units.reserve(v.as_array().size());
    for (const auto& e : v.as_array()) {
        const auto* o = e.if_object();
        if (o == nullptr) throw std::runtime_error(where + ": a unit is not an object");
        auto str = [&](const char* k) -> std::string {
            const auto* s = o->if_contains(k);
            if (s == nullptr || !s->is_string()) throw std::runtime_error(where + ": bad " + k);
            return std::string(s->as_string());
        };
        units.push_back({str("code"), str("name"), str("parent"), str("level")});
    }
    auto tree = access::org_tree::build(std::move(units));
    if (!tree) throw std::runtime_error(where + " does not form a tree");
    return std::move(*tree);
}

org_snapshot empty_snapshot() {
    static const auto empty = std::make_shared<const access::org_tree>();
    return {0, empty};
}

}  // namespace

std::optional<org_snapshot> sqlite_store::snapshot_at(SQLite::Database& db, std::uint64_t version) {
    if (version == 0) return empty_snapshot();
    {
        std::lock_guard lock(org_mutex_);
        if (org_current_.tree && org_current_.version == version) return org_current_;
        if (auto it = org_cache_.find(version); it != org_cache_.end()) return it->second;
    }
    SQLite::Statement q(db, "SELECT tree FROM org_versions WHERE version = ?");
    q.bind(1, static_cast<std::int64_t>(version));
    if (!q.executeStep()) return std::nullopt;
    org_snapshot s{version, std::make_shared<const access::org_tree>(
                                parse_tree(text_of(q.getColumn(0)), version))};
    std::lock_guard lock(org_mutex_);
    org_cache_.emplace(version, s);
    while (org_cache_.size() > org_cache_max) org_cache_.erase(org_cache_.begin());
    return s;
}

org_snapshot sqlite_store::current_org(SQLite::Database& db) {
    const std::uint64_t version = read_meta(db, "org_version");
    auto s = snapshot_at(db, version);
    if (!s) throw std::runtime_error("org tree version " + std::to_string(version) + " is missing");
    std::lock_guard lock(org_mutex_);
    if (version >= org_current_.version) org_current_ = *s;
    return *s;
}

org_snapshot sqlite_store::org_tree() {
    // The usual call: one meta lookup, and the snapshot already in hand.
    const std::uint64_t version = watched_meta("org_version");
    {
        std::lock_guard lock(org_mutex_);
        if (org_current_.tree && org_current_.version == version) return org_current_;
    }
    auto db = borrow_reader();
    SQLite::Transaction tx(*db, SQLite::TransactionBehavior::DEFERRED);
    auto s = current_org(*db);
    tx.commit();
    return s;
}

std::optional<org_snapshot> sqlite_store::org_tree_at(std::uint64_t version) {
    auto db = borrow_reader();
    return snapshot_at(*db, version);
}

result<org_import_report> sqlite_store::import_org(const std::vector<access::org_row>& rows,
                                                   const actor& by) {
    std::lock_guard lock(write_mutex_);
    try {
        SQLite::Transaction tx(writer_, SQLite::TransactionBehavior::IMMEDIATE);
        const org_snapshot before = current_org(writer_);
        auto merged = before.tree->merge(rows);  // T3: every row checked before any write
        org_import_report report;
        report.errors = std::move(merged.errors);
        report.added = merged.added;
        report.updated = merged.updated;
        report.unchanged = merged.unchanged;
        report.version = before.version;
        if (!merged.tree) return report;  // nothing written
        report.applied = true;
        if (merged.added == 0 && merged.updated == 0) return report;  // same tree, same version

        SQLite::Statement put(writer_,
                              "INSERT INTO org_units(code, name, parent, level) VALUES(?, ?, ?, ?) "
                              "ON CONFLICT(code) DO UPDATE SET name = excluded.name, "
                              "parent = excluded.parent, level = excluded.level");
        boost::json::array changed;  // for the history: which units, not their names
        for (const auto& u : merged.tree->units()) {
            const auto* old = before.tree->find(u.code);
            if (old != nullptr && *old == u) continue;
            changed.emplace_back(u.code);
            put.reset();
            put.bind(1, u.code);
            put.bind(2, u.name);
            put.bind(3, u.parent);
            put.bind(4, u.level);
            put.exec();
        }
        report.version = before.version + 1;
        SQLite::Statement ver(
            writer_, "INSERT INTO org_versions(version, created_ms, tree) VALUES(?, ?, ?)");
        ver.bind(1, static_cast<std::int64_t>(report.version));
        ver.bind(2, now());
        ver.bind(3, tree_json(*merged.tree));
        ver.exec();
        bump_meta("org_version");
        bump_meta("security_epoch");  // S7: scopes may have changed
        append_admin("org_import", by,
                     {{"version", report.version},
                      {"added", report.added},
                      {"updated", report.updated},
                      {"units", std::move(changed)}});
        tx.commit();

        std::lock_guard org_lock(org_mutex_);
        org_current_ = {report.version,
                        std::make_shared<const access::org_tree>(std::move(*merged.tree))};
        return report;
    } catch (const std::exception& e) {
        return fail("import_org", e);
    }
}

}  // namespace sotay::store::detail
