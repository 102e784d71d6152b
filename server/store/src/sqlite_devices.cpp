// Devices: registration (directly or with an enrollment code), the hello check,
// revocation (S7) and the list with what each device has yet to receive.
//
// Tokens and codes are stored only as access::token_hash (BLAKE2b-256 of the text): the
// same construction the store used before users existed, so older tokens still match.
#include "sqlite_store_impl.hpp"

#include <sotay/access/roles.hpp>
#include <sotay/access/secrets.hpp>

#include <sodium.h>

#include <algorithm>
#include <array>
#include <map>
#include <unordered_map>
#include <stdexcept>

namespace sotay::store::detail {

namespace {

// The columns read_device() expects, in its order (token_hash last, for authenticate).
constexpr const char* device_columns =
    "SELECT d.device_id, d.name, d.revoked, d.last_seq, d.clock_offset_ms, d.last_seen_ms, "
    "d.created_ms, d.revoked_ms, d.pulled_seq, d.user_id, u.username, u.role, u.org_unit, "
    "u.disabled, d.id, d.token_hash FROM devices d LEFT JOIN users u ON u.id = d.user_id";
constexpr int device_token_column = 15;
constexpr int device_rowid_column = 14;

// Names are for people reading a list; 200 bytes is a long Vietnamese place name.
constexpr std::size_t device_name_max = 200;

device_info read_device(SQLite::Statement& q) {
    device_info d;
    d.device_id = q.getColumn(0).getString();
    d.name = q.getColumn(1).getString();
    d.revoked = q.getColumn(2).getInt() != 0;
    d.last_seq = static_cast<std::uint64_t>(q.getColumn(3).getInt64());
    d.clock_offset_ms = q.getColumn(4).getInt64();
    d.last_seen_ms = q.getColumn(5).getInt64();
    d.created_ms = q.getColumn(6).getInt64();
    d.revoked_ms = q.getColumn(7).getInt64();
    d.pulled_seq = static_cast<std::uint64_t>(q.getColumn(8).getInt64());
    if (!q.getColumn(9).isNull()) {
        d.user_id = q.getColumn(9).getInt64();
        d.username = q.getColumn(10).getString();
        d.role = static_cast<access::role>(q.getColumn(11).getInt());
        d.org_unit = q.getColumn(12).getString();
        d.user_disabled = q.getColumn(13).getInt() != 0;
    }
    return d;
}

std::string random_uuid_v7(std::int64_t now) {
    std::array<std::uint8_t, 10> random{};
    randombytes_buf(random.data(), random.size());
    return sync::format_uuid(sync::make_uuid_v7(static_cast<std::uint64_t>(now), random));
}

std::optional<error_info> device_name_problem(const std::string& name) {
    if (!name.empty() && name.size() <= device_name_max) return std::nullopt;
    return invalid("name", "a device name is 1 to 200 bytes, such as \"xã Nà Khương - máy 1\"");
}

error_info no_device(const std::string& device_id) {
    return not_found("device_id", "there is no device " + device_id);
}

error_info user_disabled_error(const std::string& username) {
    return {errc::conflict,
            "the user " + username + " is disabled; enable the account before adding a device",
            std::string("username")};
}

error_info enroll_failed(std::string why) {
    return {errc::auth_failed, std::move(why), std::nullopt};
}

}  // namespace

// The id of an enabled user, for what only an enabled user may be given (a device, a
// code); in the writer's transaction.
result<std::int64_t> sqlite_store::enabled_user_id(const std::string& username) {
    SQLite::Statement u(writer_, "SELECT id, disabled FROM users WHERE username = ?");
    u.bind(1, username);
    if (!u.executeStep()) return not_found("username", "there is no user named " + username);
    if (u.getColumn(1).getInt() != 0) return user_disabled_error(username);
    return u.getColumn(0).getInt64();
}

new_device sqlite_store::insert_device(const std::string& name, std::int64_t user_id) {
    const std::int64_t t = now();
    new_device d{random_uuid_v7(t), access::random_token()};
    const std::string h = access::token_hash(d.token);
    SQLite::Statement q(writer_,
                        "INSERT INTO devices(device_id, name, token_hash, created_ms, user_id) "
                        "VALUES(?, ?, ?, ?, ?)");
    q.bind(1, d.device_id);
    q.bind(2, name);
    q.bind(3, h.data(), static_cast<int>(h.size()));
    q.bind(4, t);
    q.bind(5, user_id);
    q.exec();
    return d;
}

result<new_device> sqlite_store::add_device(const std::string& name, const std::string& username,
                                            const actor& by) {
    if (auto e = device_name_problem(name)) return *e;
    std::lock_guard lock(write_mutex_);
    try {
        SQLite::Transaction tx(writer_, SQLite::TransactionBehavior::IMMEDIATE);
        const auto user_id = enabled_user_id(username);
        if (!user_id) return user_id.error();
        auto d = insert_device(name, *user_id);
        append_admin("device_added", by,
                     {{"user", username}, {"device", d.device_id}, {"name", name}});
        tx.commit();
        return d;
    } catch (const std::exception& e) {
        return fail("add_device", e);
    }
}

result<enrollment_code> sqlite_store::create_enrollment_code(const std::string& username,
                                                             std::chrono::seconds ttl,
                                                             const actor& by) {
    if (auto e = ttl_problem(ttl)) return *e;
    std::lock_guard lock(write_mutex_);
    try {
        SQLite::Transaction tx(writer_, SQLite::TransactionBehavior::IMMEDIATE);
        const auto user_id = enabled_user_id(username);
        if (!user_id) return user_id.error();
        enrollment_code out;
        out.code = access::random_enrollment_code();
        out.username = username;
        const std::int64_t t = now();
        out.expires_ms = t + std::chrono::duration_cast<std::chrono::milliseconds>(ttl).count();
        const auto canonical = access::normalize_enrollment_code(out.code);
        if (!canonical) throw std::runtime_error("a fresh enrollment code does not normalise");
        const std::string h = access::token_hash(*canonical);
        // 50 random bits: a clash with a stored code is all but impossible, and the
        // primary key turns it into an error rather than two users sharing a code.
        SQLite::Statement q(writer_,
                            "INSERT INTO enrollment_codes(code_hash, user_id, created_ms, "
                            "expires_ms) VALUES(?, ?, ?, ?)");
        q.bind(1, h.data(), static_cast<int>(h.size()));
        q.bind(2, *user_id);
        q.bind(3, t);
        q.bind(4, out.expires_ms);
        q.exec();
        // For whom and until when; never the code.
        append_admin("enrollment_code", by, {{"user", username}, {"expires_ms", out.expires_ms}});
        tx.commit();
        return out;
    } catch (const std::exception& e) {
        return fail("create_enrollment_code", e);
    }
}

result<enrolled_device> sqlite_store::enroll(const std::string& typed_code,
                                             const std::string& device_name, const actor& by) {
    if (auto e = device_name_problem(device_name)) return *e;
    const auto canonical = access::normalize_enrollment_code(typed_code);
    if (!canonical) {
        return enroll_failed(
            "that is not an enrollment code: it has 10 letters and digits, such as ABCDE-FGHJK "
            "(Mã đăng ký không hợp lệ)");
    }
    const std::string h = access::token_hash(*canonical);
    // Single use: the code is read and marked used in one IMMEDIATE transaction under
    // the writer lock, so of two redemptions (threads or processes) exactly one wins.
    std::lock_guard lock(write_mutex_);
    try {
        SQLite::Transaction tx(writer_, SQLite::TransactionBehavior::IMMEDIATE);
        SQLite::Statement q(writer_,
                            "SELECT c.user_id, c.expires_ms, c.used_ms, u.username, u.disabled "
                            "FROM enrollment_codes c JOIN users u ON u.id = c.user_id "
                            "WHERE c.code_hash = ?");
        q.bind(1, h.data(), static_cast<int>(h.size()));
        if (!q.executeStep()) {
            return enroll_failed(
                "unknown enrollment code; check what you typed or ask your administrator for a "
                "new code (Mã đăng ký không đúng)");
        }
        if (!q.getColumn(2).isNull()) {
            return enroll_failed(
                "this enrollment code was already used; ask your administrator for a new one "
                "(Mã đăng ký đã được dùng)");
        }
        if (q.getColumn(1).getInt64() <= now()) {
            return enroll_failed(
                "this enrollment code has expired; ask your administrator for a new one "
                "(Mã đăng ký đã hết hạn)");
        }
        if (q.getColumn(4).getInt() != 0) {
            return enroll_failed(
                "the account this code was made for is disabled; ask your administrator "
                "(Tài khoản đã bị khóa)");
        }
        const std::int64_t user_id = q.getColumn(0).getInt64();
        const std::string username = q.getColumn(3).getString();
        q.reset();
        enrolled_device out;
        out.device = insert_device(device_name, user_id);
        SQLite::Statement used(writer_,
                               "UPDATE enrollment_codes SET used_ms = ?, device_id = ? "
                               "WHERE code_hash = ? AND used_ms IS NULL");
        used.bind(1, now());
        used.bind(2, out.device.device_id);
        used.bind(3, h.data(), static_cast<int>(h.size()));
        if (used.exec() != 1)
            throw std::runtime_error("enrollment code used twice in one transaction");
        auto user = writer_user(username);
        if (!user) throw std::runtime_error("the code's user vanished inside its transaction");
        out.user = std::move(*user);
        // The phone's user enrolled it with the code they were given.
        append_admin("device_enrolled", by,
                     {{"user", username},
                      {"device", out.device.device_id},
                      {"name", device_name}},
                     &username);
        tx.commit();
        return out;
    } catch (const std::exception& e) {
        return fail("enroll", e);
    }
}

result<device_info> sqlite_store::authenticate(const std::string& device_id,
                                               const std::string& token) {
    try {
        auto db = borrow_reader();
        SQLite::Statement q(*db, std::string(device_columns) + " WHERE d.device_id = ?");
        q.bind(1, device_id);
        const std::string h = access::token_hash(token);
        if (!q.executeStep()) return auth_failed();
        const auto stored = q.getColumn(device_token_column);
        if (stored.getBytes() != static_cast<int>(h.size()) ||
            sodium_memcmp(stored.getBlob(), h.data(), h.size()) != 0)
            return auth_failed();
        device_info d = read_device(q);
        if (d.user_id == 0) {
            return error_info{errc::auth_failed,
                              "this device was registered before users existed; enrol it again "
                              "(Thiết bị cần đăng ký lại)",
                              std::nullopt};
        }
        if (d.revoked) {
            return error_info{errc::device_revoked,
                              "this device was revoked by an administrator; enrol it again to "
                              "sync (Thiết bị đã bị thu hồi)",
                              std::nullopt};
        }
        if (d.user_disabled) {
            return error_info{errc::device_revoked,
                              "the account of this device's user was disabled by an "
                              "administrator (Tài khoản đã bị khóa)",
                              std::nullopt};
        }
        return d;
    } catch (const std::exception& e) {
        return fail("authenticate", e);
    }
}

result<device_info> sqlite_store::device_access(const std::string& device_id) {
    try {
        auto db = borrow_reader();
        SQLite::Statement q(*db, std::string(device_columns) + " WHERE d.device_id = ?");
        q.bind(1, device_id);
        if (!q.executeStep()) return no_device(device_id);
        return read_device(q);
    } catch (const std::exception& e) {
        return fail("device_access", e);
    }
}

result<device_info> sqlite_store::revoke_device(const std::string& device_id, const actor& by) {
    std::lock_guard lock(write_mutex_);
    try {
        SQLite::Transaction tx(writer_, SQLite::TransactionBehavior::IMMEDIATE);
        SQLite::Statement q(writer_,
                            "UPDATE devices SET revoked = 1, revoked_ms = ? "
                            "WHERE device_id = ? AND revoked = 0");
        q.bind(1, now());
        q.bind(2, device_id);
        const bool revoked_now = q.exec() == 1;
        if (revoked_now) bump_meta("security_epoch");  // S7; twice is not an error
        SQLite::Statement r(writer_, std::string(device_columns) + " WHERE d.device_id = ?");
        r.bind(1, device_id);
        if (!r.executeStep()) return no_device(device_id);
        auto d = read_device(r);
        r.reset();
        if (revoked_now) {
            append_admin("device_revoked", by,
                         {{"user", d.username}, {"device", d.device_id}, {"name", d.name}});
        }
        tx.commit();
        return d;
    } catch (const std::exception& e) {
        return fail("revoke_device", e);
    }
}

std::vector<device_info> sqlite_store::list_devices(const scope_filter& scope) {
    std::vector<device_info> out;
    std::vector<std::int64_t> rowids;
    auto db = borrow_reader();
    // One snapshot for the rows and their counts.
    SQLite::Transaction tx(*db, SQLite::TransactionBehavior::DEFERRED);
    {
        SQLite::Statement q(*db, std::string(device_columns) + " ORDER BY d.id");
        while (q.executeStep()) {
            auto d = read_device(q);
            if (!scope.everything && (d.user_id == 0 || !scope.contains(d.org_unit))) continue;
            rowids.push_back(q.getColumn(device_rowid_column).getInt64());
            out.push_back(std::move(d));
        }
    }
    // Rejected changes per device: the partial index holds only those. Named, because
    // GROUP BY device would otherwise lead the planner to scan the whole log in its
    // primary key order.
    std::map<std::int64_t, std::uint64_t> rejected;
    {
        SQLite::Statement q(*db,
                            "SELECT device, count(*) FROM changes INDEXED BY changes_rejected "
                            "WHERE status = 2 GROUP BY device");
        while (q.executeStep())
            rejected[q.getColumn(0).getInt64()] =
                static_cast<std::uint64_t>(q.getColumn(1).getInt64());
    }
    // What each reader has yet to receive: records of its subtree after its pull mark.
    // One pass over the covering index from the lowest mark: each record counts for
    // every listed user unit on its path to the root, and each device then counts the
    // seqs of its unit above its own mark. Synced devices make the pass short.
    const auto tree = current_org(*db).tree;
    std::unordered_map<std::string, std::vector<std::uint64_t>> seqs_by_unit;
    std::optional<std::uint64_t> lowest;
    auto reads = [](const device_info& d) {
        return d.user_id != 0 && access::allowed(d.role, access::permission::read_records);
    };
    for (std::size_t i = 0; i < out.size(); ++i) {
        auto& d = out[i];
        if (auto it = rejected.find(rowids[i]); it != rejected.end()) d.rejected = it->second;
        if (!reads(d)) continue;
        seqs_by_unit.try_emplace(d.org_unit);
        lowest = std::min(lowest.value_or(d.pulled_seq), d.pulled_seq);
    }
    if (lowest) {
        SQLite::Statement q(*db,
                            "SELECT server_seq, org_unit FROM records INDEXED BY "
                            "records_by_seq_org WHERE server_seq > ? ORDER BY server_seq");
        q.bind(1, static_cast<std::int64_t>(*lowest));
        while (q.executeStep()) {
            const auto seq = static_cast<std::uint64_t>(q.getColumn(0).getInt64());
            for (const auto* u = tree->find(text_of(q.getColumn(1))); u != nullptr;
                 u = u->parent.empty() ? nullptr : tree->find(u->parent)) {
                if (auto it = seqs_by_unit.find(u->code); it != seqs_by_unit.end())
                    it->second.push_back(seq);  // ascending: the scan is in seq order
            }
        }
    }
    for (auto& d : out) {
        if (!reads(d)) continue;
        const auto& seqs = seqs_by_unit.at(d.org_unit);
        d.pending_pull = static_cast<std::uint64_t>(
            seqs.end() - std::upper_bound(seqs.begin(), seqs.end(), d.pulled_seq));
    }
    tx.commit();
    return out;
}

std::uint64_t sqlite_store::security_epoch() {
    return watched_meta("security_epoch");
}

}  // namespace sotay::store::detail
