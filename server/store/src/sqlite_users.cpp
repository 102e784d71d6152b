// Users, passwords and web sessions.
//
// Passwords are hashed (argon2id, ~0.1 s) before the writer lock is taken, so a login or
// a password reset never holds up the commit queue. Every change that can end a session
// or change a scope bumps security_epoch in the same transaction (S7).
#include "sqlite_store_impl.hpp"

#include <sotay/access/secrets.hpp>

#include <spdlog/spdlog.h>

#include <stdexcept>

namespace sotay::store::detail {

namespace {

// The columns read_user() expects, in its order.
#define SOTAY_USER_COLUMNS \
    "id, username, display_name, role, org_unit, disabled, password_hash IS NOT NULL, created_ms"
constexpr const char* user_columns = "SELECT " SOTAY_USER_COLUMNS " FROM users";

// Display names are for people; 200 bytes holds any Vietnamese full name with a title.
constexpr std::size_t display_name_max = 200;

user_info read_user(SQLite::Statement& q, int first = 0) {
    user_info u;
    u.id = q.getColumn(first).getInt64();
    u.username = q.getColumn(first + 1).getString();
    u.display_name = q.getColumn(first + 2).getString();
    const int role = q.getColumn(first + 3).getInt();
    if (role < 0 || role >= access::role_count)
        throw std::runtime_error("user " + u.username + " has an unknown role " +
                                 std::to_string(role));
    u.role = static_cast<access::role>(role);
    u.org_unit = q.getColumn(first + 4).getString();
    u.disabled = q.getColumn(first + 5).getInt() != 0;
    u.has_password = q.getColumn(first + 6).getInt() != 0;
    u.created_ms = q.getColumn(first + 7).getInt64();
    return u;
}

std::optional<error_info> username_problem(std::string_view name) {
    bool ok = name.size() >= 2 && name.size() <= 64;
    for (const char c : name) {
        ok = ok &&
             ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-');
    }
    if (ok) return std::nullopt;
    return invalid("username",
                   "a username is 2 to 64 characters of a-z, 0-9, '.', '_' and '-', such as "
                   "nguyen.van.a (tên đăng nhập)");
}

bool valid_role(access::role r) {
    const int v = static_cast<int>(r);
    return v >= 0 && v < access::role_count;
}

error_info bad_role() {
    return invalid("role", "role must be officer, reviewer, admin or auditor");
}

error_info no_user(const std::string& username) {
    return not_found("username", "there is no user named " + username);
}

error_info no_org_unit(const std::string& code) {
    return not_found("org_unit", "org unit " + code +
                                     " is not in the org tree; import it first or pick an "
                                     "existing unit");
}

// The same sentence for every failed login, so that nobody can learn which usernames
// exist (store.hpp).
error_info login_failed() {
    return {errc::auth_failed, "wrong username or password (Sai tên đăng nhập hoặc mật khẩu)",
            std::nullopt};
}

error_info session_ended() {
    return {errc::auth_failed, "your session has ended or expired; log in again", std::nullopt};
}

}  // namespace

// H1: a failed login is kept with the name as typed, cut to 64 bytes at the last whole
// UTF-8 character before the first byte that is not UTF-8 (a username is at most 64
// bytes of ASCII; anything longer or stranger is kept only as far as it can be read).
void sqlite_store::record_login_failure(const std::string& typed, const actor& by) {
    const std::string_view head = std::string_view(typed).substr(0, 64);
    const std::string name(head.substr(0, utf8_prefix(head)));
    std::lock_guard lock(write_mutex_);
    try {
        SQLite::Transaction tx(writer_, SQLite::TransactionBehavior::IMMEDIATE);
        append_admin("login_failed", by, {}, &name);
        tx.commit();
    } catch (const std::exception& e) {
        // The caller still gets its answer: a login refused is refused either way.
        spdlog::error("store could not record a failed login on {}: {}", path_, e.what());
    }
}

std::optional<user_info> sqlite_store::writer_user(const std::string& username) {
    SQLite::Statement q(writer_, std::string(user_columns) + " WHERE username = ?");
    q.bind(1, username);
    if (!q.executeStep()) return std::nullopt;
    return read_user(q);
}

result<user_info> sqlite_store::finish_user_change(SQLite::Transaction& tx,
                                                   const std::string& username) {
    bump_meta("security_epoch");
    auto u = writer_user(username);
    if (!u) throw std::runtime_error("user " + username + " vanished inside its transaction");
    tx.commit();
    return *u;
}

void sqlite_store::end_user_sessions(std::int64_t user_id) {
    SQLite::Statement q(writer_, "DELETE FROM web_sessions WHERE user_id = ?");
    q.bind(1, user_id);
    q.exec();
}

result<user_info> sqlite_store::add_user(const new_user& u, const actor& by) {
    if (auto e = username_problem(u.username)) return *e;
    if (u.display_name.size() > display_name_max)
        return invalid("display_name", "a display name is at most 200 bytes");
    if (!valid_role(u.role)) return bad_role();
    if (u.org_unit.empty()) return invalid("org_unit", "every user needs an org unit");
    std::optional<std::string> hash;
    if (!u.password.empty()) {
        if (auto p = access::password_problem(u.password)) return invalid("password", *p);
        hash = access::hash_password(u.password);
    }
    std::lock_guard lock(write_mutex_);
    try {
        SQLite::Transaction tx(writer_, SQLite::TransactionBehavior::IMMEDIATE);
        if (current_org(writer_).tree->find(u.org_unit) == nullptr) return no_org_unit(u.org_unit);
        if (writer_user(u.username)) {
            return error_info{errc::conflict, "the username " + u.username + " is taken",
                              std::string("username")};
        }
        SQLite::Statement q(writer_,
                            "INSERT INTO users(username, display_name, role, org_unit, "
                            "password_hash, created_ms) VALUES(?, ?, ?, ?, ?, ?)");
        q.bind(1, u.username);
        q.bind(2, u.display_name);
        q.bind(3, static_cast<int>(u.role));
        q.bind(4, u.org_unit);
        if (hash) {
            q.bind(5, *hash);
        } else {
            q.bind(5);
        }
        q.bind(6, now());
        q.exec();
        auto made = writer_user(u.username);
        append_admin("user_added", by,
                     {{"user", u.username},
                      {"role", access::role_name(u.role)},
                      {"org_unit", u.org_unit},
                      {"password_set", hash.has_value()}});
        tx.commit();  // a new user changes no existing scope: no epoch bump
        return *made;
    } catch (const std::exception& e) {
        return fail("add_user", e);
    }
}

result<user_info> sqlite_store::find_user(const std::string& username) {
    try {
        auto db = borrow_reader();
        SQLite::Statement q(*db, std::string(user_columns) + " WHERE username = ?");
        q.bind(1, username);
        if (!q.executeStep()) return no_user(username);
        return read_user(q);
    } catch (const std::exception& e) {
        return fail("find_user", e);
    }
}

std::vector<user_info> sqlite_store::list_users() {
    std::vector<user_info> out;
    auto db = borrow_reader();
    SQLite::Statement q(*db, std::string(user_columns) + " ORDER BY username");
    while (q.executeStep()) out.push_back(read_user(q));
    return out;
}

result<user_info> sqlite_store::set_user_disabled(const std::string& username, bool disabled,
                                                  const actor& by) {
    std::lock_guard lock(write_mutex_);
    try {
        SQLite::Transaction tx(writer_, SQLite::TransactionBehavior::IMMEDIATE);
        const auto u = writer_user(username);
        if (!u) return no_user(username);
        if (u->disabled == disabled) return *u;  // nothing to commit
        SQLite::Statement q(writer_, "UPDATE users SET disabled = ? WHERE id = ?");
        q.bind(1, disabled ? 1 : 0);
        q.bind(2, u->id);
        q.exec();
        if (disabled) end_user_sessions(u->id);
        append_admin(disabled ? "user_disabled" : "user_enabled", by, {{"user", username}});
        return finish_user_change(tx, username);
    } catch (const std::exception& e) {
        return fail("set_user_disabled", e);
    }
}

result<user_info> sqlite_store::move_user(const std::string& username, const std::string& org_unit,
                                          const actor& by) {
    std::lock_guard lock(write_mutex_);
    try {
        SQLite::Transaction tx(writer_, SQLite::TransactionBehavior::IMMEDIATE);
        const auto u = writer_user(username);
        if (!u) return no_user(username);
        if (current_org(writer_).tree->find(org_unit) == nullptr) return no_org_unit(org_unit);
        if (u->org_unit == org_unit) return *u;
        SQLite::Statement q(writer_, "UPDATE users SET org_unit = ? WHERE id = ?");
        q.bind(1, org_unit);
        q.bind(2, u->id);
        q.exec();
        append_admin("user_moved", by,
                     {{"user", username}, {"from", u->org_unit}, {"to", org_unit}});
        return finish_user_change(tx, username);
    } catch (const std::exception& e) {
        return fail("move_user", e);
    }
}

result<user_info> sqlite_store::set_user_role(const std::string& username, access::role r,
                                              const actor& by) {
    if (!valid_role(r)) return bad_role();
    std::lock_guard lock(write_mutex_);
    try {
        SQLite::Transaction tx(writer_, SQLite::TransactionBehavior::IMMEDIATE);
        const auto u = writer_user(username);
        if (!u) return no_user(username);
        if (u->role == r) return *u;
        SQLite::Statement q(writer_, "UPDATE users SET role = ? WHERE id = ?");
        q.bind(1, static_cast<int>(r));
        q.bind(2, u->id);
        q.exec();
        append_admin("user_role", by,
                     {{"user", username},
                      {"from", access::role_name(u->role)},
                      {"to", access::role_name(r)}});
        return finish_user_change(tx, username);
    } catch (const std::exception& e) {
        return fail("set_user_role", e);
    }
}

result<void> sqlite_store::set_password(const std::string& username, const std::string& password,
                                        const actor& by) {
    if (auto p = access::password_problem(password)) return invalid("password", *p);
    const std::string hash = access::hash_password(password);  // slow: outside the lock
    std::lock_guard lock(write_mutex_);
    try {
        SQLite::Transaction tx(writer_, SQLite::TransactionBehavior::IMMEDIATE);
        const auto u = writer_user(username);
        if (!u) return no_user(username);
        SQLite::Statement q(writer_, "UPDATE users SET password_hash = ? WHERE id = ?");
        q.bind(1, hash);
        q.bind(2, u->id);
        q.exec();
        end_user_sessions(u->id);
        append_admin("password_set", by, {{"user", username}});  // that it was set, never what
        finish_user_change(tx, username);
        return {};
    } catch (const std::exception& e) {
        return fail("set_password", e);
    }
}

result<user_info> sqlite_store::check_password(const std::string& username,
                                               const std::string& password, const actor& by) {
    std::optional<user_info> user;
    std::string stored;
    try {
        auto db = borrow_reader();
        SQLite::Statement q(
            *db, "SELECT " SOTAY_USER_COLUMNS ", password_hash FROM users WHERE username = ?");
        q.bind(1, username);
        if (q.executeStep()) {
            user = read_user(q);
            if (user->has_password) stored = q.getColumn(8).getString();
        }
    } catch (const std::exception& e) {
        return fail("check_password", e);
    }
    // An unknown user or one without a password costs the same argon2id check as a real
    // one, so the answer's timing does not tell which usernames exist.
    static const std::string decoy = access::hash_password("sotay decoy password, never valid");
    const bool match = access::verify_password(stored.empty() ? decoy : stored, password);
    if (!user || stored.empty() || !match || user->disabled) {
        record_login_failure(username, by);
        return login_failed();
    }
    return *user;
}

result<web_session> sqlite_store::create_web_session(std::int64_t user_id,
                                                     std::chrono::seconds ttl, const actor& by) {
    if (auto e = ttl_problem(ttl)) return *e;
    std::lock_guard lock(write_mutex_);
    try {
        SQLite::Transaction tx(writer_, SQLite::TransactionBehavior::IMMEDIATE);
        SQLite::Statement u(writer_, std::string(user_columns) + " WHERE id = ?");
        u.bind(1, user_id);
        if (!u.executeStep()) {
            return not_found("user_id", "there is no user with id " + std::to_string(user_id));
        }
        web_session s;
        s.user = read_user(u);
        u.reset();
        if (s.user.disabled) return login_failed();
        const std::int64_t t = now();
        // Housekeeping: sessions past their end are useless; a login is a fine moment.
        SQLite::Statement purge(writer_, "DELETE FROM web_sessions WHERE expires_ms <= ?");
        purge.bind(1, t);
        purge.exec();
        s.token = access::random_token();
        s.expires_ms = t + std::chrono::duration_cast<std::chrono::milliseconds>(ttl).count();
        const std::string h = access::token_hash(s.token);
        SQLite::Statement q(writer_,
                            "INSERT INTO web_sessions(token_hash, user_id, created_ms, expires_ms) "
                            "VALUES(?, ?, ?, ?)");
        q.bind(1, h.data(), static_cast<int>(h.size()));
        q.bind(2, user_id);
        q.bind(3, t);
        q.bind(4, s.expires_ms);
        q.exec();
        append_admin("login", by, {{"expires_ms", s.expires_ms}}, &s.user.username);
        tx.commit();
        return s;
    } catch (const std::exception& e) {
        return fail("create_web_session", e);
    }
}

result<user_info> sqlite_store::web_session_user(const std::string& token) {
    try {
        const std::string h = access::token_hash(token);
        auto db = borrow_reader();
        SQLite::Statement q(
            *db,
            "SELECT u.id, u.username, u.display_name, u.role, u.org_unit, u.disabled, "
            "u.password_hash IS NOT NULL, u.created_ms, s.expires_ms FROM web_sessions s "
            "JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?");
        q.bind(1, h.data(), static_cast<int>(h.size()));
        if (!q.executeStep()) return session_ended();
        auto u = read_user(q);
        if (q.getColumn(8).getInt64() <= now() || u.disabled) return session_ended();
        return u;
    } catch (const std::exception& e) {
        return fail("web_session_user", e);
    }
}

void sqlite_store::end_web_session(const std::string& token, const actor& by) {
    const std::string h = access::token_hash(token);
    std::lock_guard lock(write_mutex_);
    try {
        SQLite::Transaction tx(writer_, SQLite::TransactionBehavior::IMMEDIATE);
        SQLite::Statement who(writer_,
                              "SELECT u.username FROM web_sessions s JOIN users u ON "
                              "u.id = s.user_id WHERE s.token_hash = ?");
        who.bind(1, h.data(), static_cast<int>(h.size()));
        if (!who.executeStep()) return;  // no such session: nothing ended, nothing to record
        const std::string username = who.getColumn(0).getString();
        who.reset();
        SQLite::Statement q(writer_, "DELETE FROM web_sessions WHERE token_hash = ?");
        q.bind(1, h.data(), static_cast<int>(h.size()));
        q.exec();
        append_admin("logout", by, {}, &username);
        tx.commit();
    } catch (const std::exception& e) {
        // Logging out cannot fail for the user; the session still expires on its own.
        spdlog::error("store end_web_session failed on {}: {}", path_, e.what());
    }
}

}  // namespace sotay::store::detail
