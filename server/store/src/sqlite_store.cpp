// The SQLite implementation of the central store (store.hpp states the invariants).
//
// Connections: one writer connection, used under write_mutex_ by write() and the
// administrative writes; a small pool of reader connections for everything else. WAL
// mode lets readers run while the writer commits, so pulls never wait for a push.
#include <sotay/store/sqlite_store.hpp>

#include "sqlite_schema.hpp"

#include <sotay/sync/admission.hpp>
#include <sotay/sync/ids.hpp>
#include <sotay/sync/log_codec.hpp>
#include <sotay/sync/merge.hpp>
#include <sotay/sync/record.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <thread>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

namespace sotay::store {
namespace {

using sync::errc;
using sync::error_info;

std::int64_t system_now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Tokens are 256 random bits, so a fast keyed-free hash is enough to keep a stolen
// database from yielding usable tokens; there is no dictionary to attack (passwords,
// which have one, get argon2id in the user store).
std::array<unsigned char, 32> hash_token(std::string_view token) {
    std::array<unsigned char, 32> h{};
    crypto_generichash(h.data(), h.size(), reinterpret_cast<const unsigned char*>(token.data()),
                       token.size(), nullptr, 0);
    return h;
}

std::string random_token() {
    std::array<unsigned char, 32> raw{};
    randombytes_buf(raw.data(), raw.size());
    std::string out(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                    '\0');
    sodium_bin2base64(out.data(), out.size(), raw.data(), raw.size(),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    out.resize(std::strlen(out.c_str()));
    return out;
}

std::string random_uuid_v7(std::int64_t now) {
    std::array<std::uint8_t, 10> random{};
    randombytes_buf(random.data(), random.size());
    return sync::format_uuid(sync::make_uuid_v7(static_cast<std::uint64_t>(now), random));
}

void open_connection(SQLite::Database& db, const sqlite_options& o) {
    db.setBusyTimeout(o.busy_timeout_ms);
    db.exec("PRAGMA journal_mode=WAL");
    db.exec(o.synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
}

// A device row as the write transaction sees and updates it.
struct device_row {
    std::int64_t id = 0;
    std::uint64_t last_seq = 0;
    sync::hlc last_hlc;
    bool revoked = false;
    bool dirty = false;
};

// A record touched by the current transaction: written back once at the end.
struct record_entry {
    sync::record_state state;
    std::uint64_t server_seq = 0;
    bool dirty = false;
};

// A TEXT column without a copy; valid until the statement steps again.
std::string_view text_of(const SQLite::Column& c) {
    return {static_cast<const char*>(c.getBlob()), static_cast<std::size_t>(c.getBytes())};
}

std::string key_of(const sync::uuid_bytes& id) {
    return std::string(reinterpret_cast<const char*>(id.data()), id.size());
}

// Copies committed WAL frames back into the database file on its own thread and
// connection. SQLite's automatic checkpoint would run inside the commit that crosses
// 1,000 WAL pages, on the writer thread every session waits for; here the writer only
// pokes this thread after each commit. PASSIVE never blocks the writer or readers; the
// WAL is reused from its start once a checkpoint has caught up.
class checkpointer {
public:
    checkpointer(const std::string& path, int busy_timeout_ms)
        : db_(path, SQLite::OPEN_READWRITE | SQLite::OPEN_NOMUTEX) {
        db_.setBusyTimeout(busy_timeout_ms);
        thread_ = std::thread([this] { run(); });
    }
    ~checkpointer() {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        wake_.notify_one();
        thread_.join();
    }
    void poke() {
        {
            std::lock_guard lock(mutex_);
            pending_ = true;
        }
        wake_.notify_one();
    }

private:
    void run() {
        std::unique_lock lock(mutex_);
        for (;;) {
            wake_.wait(lock, [this] { return stop_ || pending_; });
            if (stop_) return;
            pending_ = false;
            lock.unlock();
            try {
                db_.exec("PRAGMA wal_checkpoint(PASSIVE)");
            } catch (const std::exception& e) {
                spdlog::warn("checkpoint failed (the WAL keeps the data): {}", e.what());
            }
            lock.lock();
        }
    }

    SQLite::Database db_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool pending_ = false;
    bool stop_ = false;
    std::thread thread_;
};

// The columns read_device() expects, in its order (token_hash last, for authenticate).
constexpr const char* device_columns =
    "SELECT device_id, name, revoked, last_seq, clock_offset_ms, last_seen_ms, created_ms, "
    "token_hash FROM devices";

device_info read_device(SQLite::Statement& q) {
    device_info d;
    d.device_id = q.getColumn(0).getString();
    d.name = q.getColumn(1).getString();
    d.revoked = q.getColumn(2).getInt() != 0;
    d.last_seq = static_cast<std::uint64_t>(q.getColumn(3).getInt64());
    d.clock_offset_ms = q.getColumn(4).getInt64();
    d.last_seen_ms = q.getColumn(5).getInt64();
    d.created_ms = q.getColumn(6).getInt64();
    return d;
}

class sqlite_store final : public store {
public:
    sqlite_store(std::string path, sqlite_options options)
        : path_(std::move(path)),
          options_(std::move(options)),
          writer_(path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX) {
        if (!options_.now_ms) options_.now_ms = system_now_ms;
        // 16 KiB pages: a record row (key, ~300-byte fields, clocks) then always fits in its
        // B-tree page instead of spilling to an overflow page (4 KiB pages allow only
        // ~1,000 bytes in-page for WITHOUT ROWID tables). Takes effect only on a new file,
        // and only before WAL is switched on.
        writer_.exec("PRAGMA page_size=16384");
        open_connection(writer_, options_);
        // The writer's cache holds the hot end of the B-trees; 64 MiB is plenty for
        // millions of rows keyed by time and costs nothing until used.
        writer_.exec("PRAGMA cache_size=-65536");
        migrate();
        if (options_.schema) adopt_schema(*options_.schema);
        prepare_writer();
        writer_.exec("PRAGMA wal_autocheckpoint=0");  // the checkpointer thread does it
        // Once a checkpoint has caught up, a WAL that grew during a burst is cut back to
        // 64 MiB instead of keeping its peak size on disk.
        writer_.exec("PRAGMA journal_size_limit=67108864");
        checkpoints_ = std::make_unique<checkpointer>(path_, options_.busy_timeout_ms);
    }

    // Devices ------------------------------------------------------------------------

    result<new_device> add_device(const std::string& name) override {
        std::lock_guard lock(write_mutex_);
        try {
            new_device d{random_uuid_v7(options_.now_ms()), random_token()};
            const auto h = hash_token(d.token);
            SQLite::Transaction tx(writer_, SQLite::TransactionBehavior::IMMEDIATE);
            SQLite::Statement q(writer_,
                                "INSERT INTO devices(device_id, name, token_hash, created_ms) "
                                "VALUES(?, ?, ?, ?)");
            q.bind(1, d.device_id);
            q.bind(2, name);
            q.bind(3, h.data(), static_cast<int>(h.size()));
            q.bind(4, static_cast<std::int64_t>(options_.now_ms()));
            q.exec();
            tx.commit();
            return d;
        } catch (const std::exception& e) {
            return fail("add_device", e);
        }
    }

    result<device_info> authenticate(const std::string& device_id,
                                     const std::string& token) override {
        try {
            auto db = borrow_reader();
            SQLite::Statement q(*db, std::string(device_columns) + " WHERE device_id = ?");
            q.bind(1, device_id);
            const auto h = hash_token(token);
            if (!q.executeStep()) return auth_failed();
            const auto stored = q.getColumn(7);
            if (stored.getBytes() != static_cast<int>(h.size()) ||
                sodium_memcmp(stored.getBlob(), h.data(), h.size()) != 0)
                return auth_failed();
            device_info d = read_device(q);
            if (d.revoked) {
                return error_info{errc::device_revoked,
                                  "this device was revoked by an administrator; enroll it again "
                                  "to sync (Thiết bị đã bị thu hồi)", std::nullopt};
            }
            return d;
        } catch (const std::exception& e) {
            return fail("authenticate", e);
        }
    }

    std::vector<device_info> list_devices() override {
        std::vector<device_info> out;
        auto db = borrow_reader();
        SQLite::Statement q(*db, std::string(device_columns) + " ORDER BY id");
        while (q.executeStep()) out.push_back(read_device(q));
        return out;
    }

    // Writes -------------------------------------------------------------------------

    result<write_outcome> write(const write_batch& batch) override {
        std::lock_guard lock(write_mutex_);
        devices_.clear();
        records_.clear();
        try {
            SQLite::Transaction tx(writer_, SQLite::TransactionBehavior::IMMEDIATE);
            head_ = read_head();
            const std::int64_t now = options_.now_ms();
            for (const auto& h : batch.hellos) record_hello(h);
            write_outcome out;
            out.pushes.reserve(batch.pushes.size());
            for (const auto& p : batch.pushes) out.pushes.push_back(apply_push(p, now));
            flush();
            tx.commit();  // S1: durable (synchronous=FULL) before anyone is answered
            checkpoints_->poke();
            out.head = head_;
            return out;
        } catch (const std::exception& e) {
            // The transaction rolled back: nothing of this batch is kept or answered.
            return fail("write", e);
        }
    }

    // Reads --------------------------------------------------------------------------

    result<pull_page> pull(std::uint64_t after, std::size_t limit) override {
        try {
            auto db = borrow_reader();
            SQLite::Statement q(*db,
                                "SELECT id, type, org_unit, version, deleted, server_seq, fields "
                                "FROM records WHERE server_seq > ? ORDER BY server_seq LIMIT ?");
            q.bind(1, static_cast<std::int64_t>(after));
            q.bind(2, static_cast<std::int64_t>(limit) + 1);  // one more tells `more`
            pull_page page;
            page.next = after;
            while (q.executeStep()) {
                if (page.records.size() == limit) {
                    page.more = true;
                    break;
                }
                sync::record_msg r;
                const auto id = q.getColumn(0);
                if (id.getBytes() != 16) throw std::runtime_error("corrupt record id");
                sync::uuid_bytes bytes{};
                std::memcpy(bytes.data(), id.getBlob(), bytes.size());
                r.record = sync::format_uuid(bytes);
                r.type = q.getColumn(1).getString();
                r.org_unit = q.getColumn(2).getString();
                r.version = static_cast<std::uint64_t>(q.getColumn(3).getInt64());
                r.deleted = q.getColumn(4).getInt() != 0;
                page.next = static_cast<std::uint64_t>(q.getColumn(5).getInt64());
                // A tombstone travels without its fields: the client only needs to drop
                // its copy (the values stay on the server, for history and a restore).
                if (!r.deleted && !sync::decode_fields_json(text_of(q.getColumn(6)), r.fields))
                    throw std::runtime_error("corrupt fields of record " + r.record);
                page.records.push_back(std::move(r));
            }
            return page;
        } catch (const std::exception& e) {
            return fail("pull", e);
        }
    }

    std::uint64_t head() override {
        auto db = borrow_reader();
        return read_head(*db);
    }

    int schema_version() override {
        auto db = borrow_reader();
        SQLite::Statement q(*db, "SELECT value FROM meta WHERE key = 'schema_version'");
        return q.executeStep() ? std::stoi(q.getColumn(0).getString()) : 0;
    }

    std::vector<logged_change> change_log(const std::optional<std::string>& device_id) override {
        std::vector<logged_change> out;
        auto db = borrow_reader();
        SQLite::Statement q(
            *db,
            "SELECT d.device_id, c.seq, c.record, c.type, c.org_unit, c.device_hlc, "
            "c.effective_hlc, c.base, c.received_ms, c.server_seq, c.status, c.body, c.result "
            "FROM changes c JOIN devices d ON d.id = c.device "
            "WHERE ? IS NULL OR d.device_id = ? ORDER BY c.received_ms, d.device_id, c.seq");
        if (device_id) {
            q.bind(1, *device_id);
            q.bind(2, *device_id);
        }
        while (q.executeStep()) {
            logged_change c;
            c.device_id = q.getColumn(0).getString();
            c.seq = static_cast<std::uint64_t>(q.getColumn(1).getInt64());
            c.record = q.getColumn(2).getString();
            c.type = q.getColumn(3).getString();
            c.org_unit = q.getColumn(4).getString();
            c.device_hlc = q.getColumn(5).getString();
            c.effective_hlc = q.getColumn(6).getString();
            c.base = static_cast<std::uint64_t>(q.getColumn(7).getInt64());
            c.received_ms = q.getColumn(8).getInt64();
            c.server_seq = q.getColumn(9).isNull()
                               ? 0
                               : static_cast<std::uint64_t>(q.getColumn(9).getInt64());
            c.status = sync::status_name(static_cast<sync::change_status>(q.getColumn(10).getInt()));
            c.body_json = q.getColumn(11).getString();
            c.result_json = q.getColumn(12).getString();
            out.push_back(std::move(c));
        }
        return out;
    }

    std::vector<conflict_row> conflicts() override {
        std::vector<conflict_row> out;
        auto db = borrow_reader();
        SQLite::Statement q(*db,
                            "SELECT id, record, field, winner_device, loser_device, kept, other, "
                            "created_ms, state FROM conflicts ORDER BY id");
        while (q.executeStep()) {
            conflict_row c;
            c.id = q.getColumn(0).getInt64();
            c.record = q.getColumn(1).getString();
            c.field = q.getColumn(2).getString();
            c.winner_device = q.getColumn(3).getString();
            c.loser_device = q.getColumn(4).getString();
            c.kept_json = q.getColumn(5).getString();
            c.other_json = q.getColumn(6).getString();
            c.created_ms = q.getColumn(7).getInt64();
            c.state = q.getColumn(8).getString();
            out.push_back(std::move(c));
        }
        return out;
    }

private:
    // A reader connection on loan; returned to the pool when the handle dies.
    struct reader_deleter {
        sqlite_store* owner;
        void operator()(SQLite::Database* db) const {
            std::lock_guard lock(owner->readers_mutex_);
            owner->readers_.emplace_back(db);
        }
    };
    using reader_handle = std::unique_ptr<SQLite::Database, reader_deleter>;

    reader_handle borrow_reader() {
        {
            std::lock_guard lock(readers_mutex_);
            if (!readers_.empty()) {
                auto* db = readers_.back().release();
                readers_.pop_back();
                return reader_handle(db, reader_deleter{this});
            }
        }
        auto db = std::make_unique<SQLite::Database>(path_, SQLite::OPEN_READONLY | SQLite::OPEN_NOMUTEX);
        db->setBusyTimeout(options_.busy_timeout_ms);
        return reader_handle(db.release(), reader_deleter{this});
    }

    error_info fail(const char* what, const std::exception& e) {
        spdlog::error("store {} failed on {}: {}", what, path_, e.what());
        return error_info{errc::internal,
                          std::string("the server could not store or read data (") + what +
                              "); retry later",
                          std::nullopt};
    }

    static error_info auth_failed() {
        return error_info{errc::auth_failed,
                          "unknown device or wrong token; check the credentials this device "
                          "was given (Sai mã thiết bị hoặc khóa)",
                          std::nullopt};
    }

    void migrate() {
        SQLite::Transaction tx(writer_, SQLite::TransactionBehavior::IMMEDIATE);
        writer_.exec(detail::schema_v1);
        SQLite::Statement fmt(writer_, "SELECT value FROM meta WHERE key = 'store_format'");
        if (fmt.executeStep()) {
            const int found = std::stoi(fmt.getColumn(0).getString());
            if (found > detail::store_format_version) {
                throw std::runtime_error(path_ + ": store format " + std::to_string(found) +
                                         " is newer than this server understands (" +
                                         std::to_string(detail::store_format_version) +
                                         "); upgrade sotay-server");
            }
        }
        fmt.reset();
        writer_.exec(
            "INSERT INTO meta(key, value) VALUES('store_format', '1'), ('head', '0'), "
            "('schema_version', '1') ON CONFLICT(key) DO NOTHING");
        tx.commit();
    }

    // Evolution: a schema that older devices or stored records cannot follow is refused
    // unless the operator says otherwise (docs/schema.md).
    void adopt_schema(const schema::schema& s) {
        SQLite::Transaction tx(writer_, SQLite::TransactionBehavior::IMMEDIATE);
        SQLite::Statement q(writer_, "SELECT value FROM meta WHERE key = 'schema_json'");
        if (q.executeStep()) {
            const std::string stored_text = q.getColumn(0).getString();
            q.reset();
            std::vector<std::string> problems;
            try {
                const auto stored = schema::parse_schema(stored_text, path_ + " (stored schema)");
                problems = schema::incompatible_changes(stored, s);
                if (s.version < stored.version) {
                    problems.push_back("version " + std::to_string(s.version) +
                                       " is older than the stored version " +
                                       std::to_string(stored.version));
                }
            } catch (const schema::load_error& e) {
                spdlog::warn("ignoring the unreadable stored schema: {}", e.what());
            }
            if (!problems.empty()) {
                std::string m = "the schema is not compatible with the one this database was "
                                "last served with:";
                for (const auto& p : problems) m += "\n  - " + p;
                if (!options_.allow_incompatible_schema) {
                    throw std::runtime_error(m + "\n(start with --allow-incompatible-schema to "
                                                 "accept it)");
                }
                spdlog::warn("{} (accepted: --allow-incompatible-schema)", m);
            }
        }
        q.reset();
        SQLite::Statement u(writer_,
                            "INSERT INTO meta(key, value) VALUES('schema_version', ?), "
                            "('schema_json', ?) ON CONFLICT(key) DO UPDATE SET value = "
                            "excluded.value");
        u.bind(1, std::to_string(s.version));
        u.bind(2, s.text);
        u.exec();
        tx.commit();
    }

    void prepare_writer() {
        sel_device_ = std::make_unique<SQLite::Statement>(
            writer_, "SELECT id, last_seq, last_hlc, revoked FROM devices WHERE device_id = ?");
        upd_device_ = std::make_unique<SQLite::Statement>(
            writer_, "UPDATE devices SET last_seq = ?, last_hlc = ? WHERE id = ?");
        sel_result_ = std::make_unique<SQLite::Statement>(
            writer_, "SELECT result FROM changes WHERE device = ? AND seq = ?");
        ins_change_ = std::make_unique<SQLite::Statement>(
            writer_,
            "INSERT INTO changes(device, seq, record, type, org_unit, base, device_hlc, "
            "effective_hlc, received_ms, server_seq, status, body, result) "
            "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        sel_record_ = std::make_unique<SQLite::Statement>(
            writer_, "SELECT fields, clocks, server_seq FROM records WHERE id = ?");
        put_record_ = std::make_unique<SQLite::Statement>(
            writer_,
            "INSERT INTO records(id, type, org_unit, version, deleted, server_seq, fields, clocks) "
            "VALUES(?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
            "type = excluded.type, org_unit = excluded.org_unit, version = excluded.version, "
            "deleted = excluded.deleted, server_seq = excluded.server_seq, "
            "fields = excluded.fields, clocks = excluded.clocks");
        ins_conflict_ = std::make_unique<SQLite::Statement>(
            writer_,
            "INSERT INTO conflicts(record, field, winner_device, loser_device, kept, other, "
            "change_device, change_seq, created_ms) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)");
    }

    std::uint64_t read_head() { return read_head(writer_); }
    static std::uint64_t read_head(SQLite::Database& db) {
        SQLite::Statement q(db, "SELECT value FROM meta WHERE key = 'head'");
        return q.executeStep() ? std::stoull(q.getColumn(0).getString()) : 0;
    }

    device_row* load_device(const std::string& device_id) {
        if (auto it = devices_.find(device_id); it != devices_.end()) return &it->second;
        auto& q = *sel_device_;
        q.reset();
        q.bind(1, device_id);
        if (!q.executeStep()) return nullptr;
        device_row d;
        d.id = q.getColumn(0).getInt64();
        d.last_seq = static_cast<std::uint64_t>(q.getColumn(1).getInt64());
        d.last_hlc = sync::parse_hlc(q.getColumn(2).getString()).value_or(sync::hlc{});
        d.revoked = q.getColumn(3).getInt() != 0;
        return &devices_.emplace(device_id, d).first->second;
    }

    record_entry& load_record(const sync::uuid_bytes& id, const std::string& id_text) {
        const std::string key = key_of(id);
        if (auto it = records_.find(key); it != records_.end()) return it->second;
        record_entry e;
        auto& q = *sel_record_;
        q.reset();
        q.bind(1, id.data(), static_cast<int>(id.size()));
        if (q.executeStep()) {
            if (!sync::decode_record(text_of(q.getColumn(0)), text_of(q.getColumn(1)), id_text,
                                     e.state))
                throw std::runtime_error("corrupt state of record " + id_text);
            e.server_seq = static_cast<std::uint64_t>(q.getColumn(2).getInt64());
        }
        return records_.emplace(key, std::move(e)).first->second;
    }

    void record_hello(const hello_record& h) {
        device_row* d = load_device(h.device_id);
        if (d == nullptr) return;  // deleted since it authenticated: nothing to record
        const std::int64_t offset = h.server_time_ms - h.client_time_ms;
        SQLite::Statement u(writer_,
                            "UPDATE devices SET clock_offset_ms = ?, last_seen_ms = ? WHERE id = ?");
        u.bind(1, offset);
        u.bind(2, h.server_time_ms);
        u.bind(3, d->id);
        u.exec();
        SQLite::Statement i(writer_,
                            "INSERT INTO hellos(device, server_ms, client_ms, offset_ms) "
                            "VALUES(?, ?, ?, ?)");
        i.bind(1, d->id);
        i.bind(2, h.server_time_ms);
        i.bind(3, h.client_time_ms);
        i.bind(4, offset);
        i.exec();
    }

    push_outcome apply_push(const push_request& p, std::int64_t now) {
        push_outcome out;
        device_row* d = load_device(p.device_id);
        if (d == nullptr) {
            out.refused = auth_failed();
            return out;
        }
        out.last_seq = d->last_seq;
        if (d->revoked) {
            out.refused = error_info{errc::device_revoked, "this device was revoked", std::nullopt};
            return out;
        }
        std::vector<std::uint64_t> seqs;
        seqs.reserve(p.changes.size());
        for (const auto& c : p.changes) seqs.push_back(c.seq);
        const auto plan = sync::admit(d->last_seq, seqs);
        if (const auto* no = std::get_if<sync::admission_refusal>(&plan)) {
            out.refused = error_info{no->gap ? errc::seq_gap : errc::bad_message, no->message,
                                     std::string("seq")};
            return out;
        }
        const std::size_t first_new = std::get<sync::admission_plan>(plan).first_new;
        out.results.reserve(p.changes.size());
        for (std::size_t i = 0; i < first_new; ++i) out.results.push_back(stored_answer(*d, p.changes[i]));
        for (std::size_t i = first_new; i < p.changes.size(); ++i) {
            const std::string* body = p.bodies.size() == p.changes.size() ? &p.bodies[i] : nullptr;
            const std::optional<error_info>* checked =
                p.checked.size() == p.changes.size() ? &p.checked[i] : nullptr;
            out.results.push_back(apply_change(*d, p, p.changes[i], body, checked, now));
        }
        out.last_seq = d->last_seq;
        return out;
    }

    // S2: a resend gets the answer given the first time; applied becomes duplicate.
    sync::change_result stored_answer(const device_row& d, const sync::change_msg& c) {
        auto& q = *sel_result_;
        q.reset();
        q.bind(1, d.id);
        q.bind(2, static_cast<std::int64_t>(c.seq));
        sync::change_result r;
        r.seq = c.seq;
        r.status = sync::change_status::duplicate;
        if (q.executeStep()) {
            if (auto stored = sync::result_from_json(q.getColumn(0).getString())) {
                r = std::move(*stored);
                if (r.status == sync::change_status::applied) r.status = sync::change_status::duplicate;
            }
        }
        return r;
    }

    sync::change_result apply_change(device_row& d, const push_request& p,
                                     const sync::change_msg& c, const std::string* body,
                                     const std::optional<error_info>* checked,
                                     std::int64_t now) {
        sync::change_result res;
        res.seq = c.seq;
        std::string effective_text;
        std::uint64_t server_seq = 0;

        auto reject = [&](errc code, std::string message, std::string field) {
            res.status = sync::change_status::rejected;
            res.error = error_info{code, std::move(message), std::move(field)};
        };
        const auto id = sync::parse_uuid(c.record);
        const auto device_clock = sync::parse_hlc(c.hlc);
        if (!id) {
            reject(errc::validation, "record must be a lowercase UUID such as "
                                     "0190f5a2-7c41-7d3e-8a5b-1c2d3e4f5a6b", "record");
        } else if (!device_clock) {
            reject(errc::validation, "hlc must be \"<wall_ms>:<counter>\" in decimal", "hlc");
        } else if (c.type.empty() || c.type.size() > 64) {
            reject(errc::unknown_type, "type must name a record type", "type");
        } else if (c.org_unit.empty() || c.org_unit.size() > 128) {
            reject(errc::validation, "org_unit must name the record's org unit", "org_unit");
        } else if (c.del && !c.set.empty()) {
            reject(errc::validation, "a delete carries no `set`", "set");
        } else {
            record_entry& entry = load_record(*id, c.record);
            // Schema check: a change that fails is kept in the log as rejected (the
            // quarantine, `sotay-admin quarantine`) and still uses up its seq below.
            if (checked != nullptr && checked->has_value()) {
                res.status = sync::change_status::rejected;
                res.error = **checked;
            } else if (options_.schema) {
                const bool is_create = entry.state.version == 0;
                const schema::change_view view{c.type, c.org_unit, &c.set, c.del};
                // Values already checked off this thread: only the create rule is left.
                const auto bad = checked != nullptr
                                     ? (is_create ? schema::missing_required(*options_.schema, view)
                                                  : std::vector<schema::violation>{})
                                     : schema::validate(*options_.schema, view, is_create);
                if (!bad.empty()) {
                    res.status = sync::change_status::rejected;
                    res.error = schema::to_error(bad.front());
                }
            }
        }
        if (res.status != sync::change_status::rejected && id && device_clock) {
            const sync::hlc effective =
                sync::effective_clock(*device_clock, p.clock_offset_ms,
                                      static_cast<std::uint64_t>(now), d.last_hlc, options_.clock);
            record_entry& entry = load_record(*id, c.record);
            sync::change engine_change{c.record, c.type, c.org_unit, p.device_id, c.seq,
                                       effective, c.base, c.set, c.del};
            // The same name typed on two phones (NFC or NFD) must compare equal.
            if (options_.schema && checked == nullptr) schema::normalize(engine_change.set);
            auto applied = sync::apply(entry.state, engine_change);
            if (!applied) {
                res.status = sync::change_status::rejected;
                res.error = applied.error();
            } else {
                server_seq = ++head_;  // S3
                entry.server_seq = server_seq;
                entry.dirty = true;
                d.last_hlc = effective;
                effective_text = sync::format_hlc(effective);
                for (const auto& k : applied->conflicts)
                    res.conflicts.push_back(record_conflict(d, p.device_id, c, k, now));
            }
        }
        d.last_seq = c.seq;  // applied or rejected, the seq is used up
        d.dirty = true;
        insert_change(d, c, body, effective_text, now, server_seq, res);
        return res;
    }

    sync::conflict_info record_conflict(const device_row& d, const std::string& device_id,
                                        const sync::change_msg& c, const sync::conflict& k,
                                        std::int64_t now) {
        const value_json kept(k.kept());
        const value_json other(k.won ? k.theirs : k.yours);
        auto& q = *ins_conflict_;
        q.reset();
        q.bind(1, c.record);
        q.bind(2, k.field);
        q.bind(3, k.won ? device_id : k.other.device_id);
        q.bind(4, k.won ? k.other.device_id : device_id);
        q.bind(5, kept.text);
        q.bind(6, other.text);
        q.bind(7, d.id);
        q.bind(8, static_cast<std::int64_t>(c.seq));
        q.bind(9, now);
        q.exec();
        return sync::conflict_info{std::to_string(writer_.getLastInsertRowid()), k.field,
                                   k.won ? "won" : "lost", k.kept(), k.yours};
    }

    // A JSON value as text, for the conflicts table.
    struct value_json {
        std::string text;
        explicit value_json(const sync::value& v) {
            sync::field_map m{{"v", v}};
            const std::string obj = sync::encode_fields_json(m);  // {"v":...}
            text = obj.substr(5, obj.size() - 6);
        }
    };

    void insert_change(const device_row& d, const sync::change_msg& c, const std::string* body,
                       const std::string& effective_text, std::int64_t now,
                       std::uint64_t server_seq, const sync::change_result& res) {
        auto& q = *ins_change_;
        q.reset();
        q.bind(1, d.id);
        q.bind(2, static_cast<std::int64_t>(c.seq));
        q.bind(3, c.record);
        q.bind(4, c.type);
        q.bind(5, c.org_unit);
        q.bind(6, static_cast<std::int64_t>(c.base));
        q.bind(7, c.hlc);
        q.bind(8, effective_text);
        q.bind(9, now);
        if (server_seq != 0) {
            q.bind(10, static_cast<std::int64_t>(server_seq));
        } else {
            q.bind(10);  // NULL: rejected
        }
        q.bind(11, static_cast<int>(res.status));
        const std::string made = body != nullptr ? std::string() : sync::change_to_json(c);
        const std::string result = sync::result_to_json(res);
        q.bindNoCopy(12, body != nullptr ? *body : made);  // both outlive exec()
        q.bindNoCopy(13, result);
        q.exec();
    }

    // Writes back every record and device the transaction touched, once each.
    void flush() {
        for (auto& [key, e] : records_) {
            if (!e.dirty) continue;
            const std::string clocks = sync::encode_clocks(e.state);
            const std::string fields = sync::encode_fields_json(e.state.visible_fields());
            auto& q = *put_record_;
            q.reset();
            q.bind(1, key.data(), static_cast<int>(key.size()));
            q.bind(2, e.state.type);
            q.bind(3, e.state.org_unit_code());
            q.bind(4, static_cast<std::int64_t>(e.state.version));
            q.bind(5, e.state.is_deleted() ? 1 : 0);
            q.bind(6, static_cast<std::int64_t>(e.server_seq));
            q.bindNoCopy(7, fields);  // locals outlive exec()
            q.bindNoCopy(8, clocks);
            q.exec();
        }
        for (auto& [id, d] : devices_) {
            if (!d.dirty) continue;
            auto& q = *upd_device_;
            q.reset();
            q.bind(1, static_cast<std::int64_t>(d.last_seq));
            q.bind(2, sync::format_hlc(d.last_hlc));
            q.bind(3, d.id);
            q.exec();
        }
        SQLite::Statement h(writer_, "UPDATE meta SET value = ? WHERE key = 'head'");
        h.bind(1, std::to_string(head_));
        h.exec();
        // No statement may stay mid-step past the commit.
        for (auto* q : {sel_device_.get(), sel_result_.get(), sel_record_.get()}) q->reset();
    }

    std::string path_;
    sqlite_options options_;

    std::mutex write_mutex_;  // guards writer_, its statements and the caches below
    SQLite::Database writer_;
    std::unique_ptr<SQLite::Statement> sel_device_, upd_device_, sel_result_, ins_change_,
        sel_record_, put_record_, ins_conflict_;
    std::unordered_map<std::string, device_row> devices_;    // per transaction
    std::unordered_map<std::string, record_entry> records_;  // per transaction
    std::uint64_t head_ = 0;

    std::mutex readers_mutex_;
    std::vector<std::unique_ptr<SQLite::Database>> readers_;

    std::unique_ptr<checkpointer> checkpoints_;  // after writer_: stops before it closes
};

}  // namespace

std::unique_ptr<store> open_sqlite_store(const std::string& path, const sqlite_options& options) {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
    try {
        return std::make_unique<sqlite_store>(path, options);
    } catch (const SQLite::Exception& e) {
        throw std::runtime_error("cannot open database " + path + ": " + e.what());
    }
}

}  // namespace sotay::store
