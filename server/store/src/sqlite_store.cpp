// The SQLite implementation of the central store (store.hpp states the invariants):
// opening, migration, schema adoption, connections and meta values. The members are
// implemented by topic in the other sqlite_*.cpp files (sqlite_store_impl.hpp).
#include "sqlite_store_impl.hpp"

#include "sqlite_schema.hpp"

#include <sotay/access/secrets.hpp>

#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <stdexcept>
#include <thread>

namespace sotay::store {
namespace detail {

std::int64_t system_now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string codes_json(const std::vector<std::string>& codes) {
    std::string out = "[";
    for (const auto& c : codes) {
        if (out.size() > 1) out += ',';
        out += '"';
        // Valid codes are [A-Za-z0-9._-]; anything else is escaped rather than trusted.
        for (const char ch : c) {
            if (ch == '"' || ch == '\\') {
                out += '\\';
                out += ch;
            } else if (static_cast<unsigned char>(ch) < 0x20) {
                static constexpr char hex[] = "0123456789abcdef";
                out += "\\u00";
                out += hex[(ch >> 4) & 0xf];
                out += hex[ch & 0xf];
            } else {
                out += ch;
            }
        }
        out += '"';
    }
    out += ']';
    return out;
}

namespace {

void open_connection(SQLite::Database& db, const sqlite_options& o) {
    db.setBusyTimeout(o.busy_timeout_ms);
    db.exec("PRAGMA journal_mode=WAL");
    db.exec(o.synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
}

}  // namespace

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

void checkpoint_poke(checkpointer& c) {
    c.poke();
}

sqlite_store::sqlite_store(std::string path, sqlite_options options)
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
    watch_db_ =
        std::make_unique<SQLite::Database>(path_, SQLite::OPEN_READONLY | SQLite::OPEN_NOMUTEX);
    watch_db_->setBusyTimeout(options_.busy_timeout_ms);
    watch_q_ =
        std::make_unique<SQLite::Statement>(*watch_db_, "SELECT value FROM meta WHERE key = ?");
    checkpoints_ = std::make_unique<checkpointer>(path_, options_.busy_timeout_ms);
}

// Out of line: checkpointer is complete only here.
sqlite_store::~sqlite_store() = default;

void sqlite_store::reader_deleter::operator()(SQLite::Database* db) const {
    std::lock_guard lock(owner->readers_mutex_);
    owner->readers_.emplace_back(db);
}

sqlite_store::reader_handle sqlite_store::borrow_reader() {
    {
        std::lock_guard lock(readers_mutex_);
        if (!readers_.empty()) {
            auto* db = readers_.back().release();
            readers_.pop_back();
            return reader_handle(db, reader_deleter{this});
        }
    }
    auto db =
        std::make_unique<SQLite::Database>(path_, SQLite::OPEN_READONLY | SQLite::OPEN_NOMUTEX);
    db->setBusyTimeout(options_.busy_timeout_ms);
    return reader_handle(db.release(), reader_deleter{this});
}

error_info sqlite_store::fail(const char* what, const std::exception& e) {
    spdlog::error("store {} failed on {}: {}", what, path_, e.what());
    return error_info{
        errc::internal,
        std::string("the server could not store or read data (") + what + "); retry later",
        std::nullopt};
}

error_info sqlite_store::auth_failed() {
    return error_info{errc::auth_failed,
                      "unknown device or wrong token; check the credentials this device "
                      "was given (Sai mã thiết bị hoặc khóa)",
                      std::nullopt};
}

std::uint64_t sqlite_store::read_meta(SQLite::Database& db, const char* key) {
    SQLite::Statement q(db, "SELECT value FROM meta WHERE key = ?");
    q.bind(1, key);
    return q.executeStep() ? std::stoull(q.getColumn(0).getString()) : 0;
}

// One prepared statement on a connection of its own: a poll costs one B-tree lookup in
// a table of a dozen rows, with no statement to prepare and no pool to visit.
std::uint64_t sqlite_store::watched_meta(const char* key) {
    std::lock_guard lock(watch_mutex_);
    auto& q = *watch_q_;
    q.reset();
    q.bind(1, key);
    const std::uint64_t v = q.executeStep() ? std::stoull(q.getColumn(0).getString()) : 0;
    q.reset();  // ends the read transaction: the next poll sees later commits
    return v;
}

// Kept in meta as hex under "secret.<name>"; INSERT ... DO NOTHING then read back, so two
// processes making it at once agree on the first one committed.
std::string sqlite_store::server_secret(const std::string& name) {
    const std::string key = "secret." + name;
    std::lock_guard lock(write_mutex_);
    SQLite::Transaction tx(writer_, SQLite::TransactionBehavior::IMMEDIATE);
    {
        const std::string fresh = access::random_key();
        std::string hex;
        for (const char c : fresh) {
            static constexpr char digits[] = "0123456789abcdef";
            hex += digits[static_cast<unsigned char>(c) >> 4];
            hex += digits[static_cast<unsigned char>(c) & 0x0F];
        }
        SQLite::Statement ins(writer_,
                              "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO NOTHING");
        ins.bind(1, key);
        ins.bind(2, hex);
        ins.exec();
    }
    SQLite::Statement q(writer_, "SELECT value FROM meta WHERE key = ?");
    q.bind(1, key);
    if (!q.executeStep()) throw std::runtime_error("meta value missing: " + key);
    const std::string hex = q.getColumn(0).getString();
    q.reset();
    tx.commit();
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    }
    return out;
}

void sqlite_store::bump_meta(const char* key) {
    SQLite::Statement q(writer_,
                        "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) "
                        "WHERE key = ?");
    q.bind(1, key);
    if (q.exec() != 1) throw std::runtime_error(std::string("meta value missing: ") + key);
}

void sqlite_store::migrate() {
    SQLite::Transaction tx(writer_, SQLite::TransactionBehavior::IMMEDIATE);
    int found = 1;  // a new file is made as version 1, then migrated like any other
    bool existing = false;
    if (writer_.tableExists("meta")) {
        SQLite::Statement fmt(writer_, "SELECT value FROM meta WHERE key = 'store_format'");
        if (fmt.executeStep()) {
            found = std::stoi(fmt.getColumn(0).getString());
            existing = true;
        }
    }
    // Only on a file without a format: version 1's IF NOT EXISTS would bring back the
    // conflicts table that format 3 dropped.
    if (!existing) writer_.exec(detail::schema_v1);
    if (found > detail::store_format_version) {
        throw std::runtime_error(path_ + ": store format " + std::to_string(found) +
                                 " is newer than this server understands (" +
                                 std::to_string(detail::store_format_version) +
                                 "); upgrade sotay-server");
    }
    writer_.exec(
        "INSERT INTO meta(key, value) VALUES('store_format', '1'), ('head', '0'), "
        "('schema_version', '1') ON CONFLICT(key) DO NOTHING");
    if (found < 2) {
        for (const char* step : detail::migrate_v1_to_v2) writer_.exec(step);
        if (existing) spdlog::info("{}: store format 1 -> 2 (org tree, users, scoped sync)", path_);
    }
    if (found < 3) {
        for (const char* step : detail::migrate_v2_to_v3) writer_.exec(step);
        migrate_conflicts();
        fill_creators();
        // Keys need the schema: the one stored by the last server start. Opening with
        // another schema rebuilds them again if its keys differ (adopt_schema).
        if (const auto stored = stored_schema()) rebuild_keys(*stored);
        if (existing) spdlog::info("{}: store format 2 -> 3 (review queue, natural keys)", path_);
    }
    if (found < 4) {
        for (const char* step : detail::migrate_v3_to_v4) writer_.exec(step);
        backfill_history();  // a new file has no changes: nothing to copy
        if (existing) spdlog::info("{}: store format 3 -> 4 (history)", path_);
    }
    if (found < 5) {
        for (const char* step : detail::migrate_v4_to_v5) writer_.exec(step);
        if (existing) spdlog::info("{}: store format 4 -> 5 (report facts)", path_);
    }
    // Format 6 changes what new rows hold, not the layout: old rows stay as they are.
    if (found < 6 && existing)
        spdlog::info("{}: store format 5 -> 6 (one copy of what devices sent)", path_);
    writer_.exec("UPDATE meta SET value = '" + std::to_string(detail::store_format_version) +
                 "' WHERE key = 'store_format'");
    tx.commit();
}

std::shared_ptr<const schema::schema> sqlite_store::stored_schema() {
    SQLite::Statement q(writer_, "SELECT value FROM meta WHERE key = 'schema_json'");
    if (!q.executeStep()) return nullptr;
    try {
        return std::make_shared<const schema::schema>(
            schema::parse_schema(q.getColumn(0).getString(), path_ + " (stored schema)"));
    } catch (const schema::load_error& e) {
        spdlog::warn("ignoring the unreadable stored schema: {}", e.what());
        return nullptr;
    }
}

namespace {

// Whether two schemas give every record the same natural key.
bool same_natural_keys(const schema::schema& a, const schema::schema& b) {
    auto keys_of = [](const schema::schema& s, const std::string& type) {
        const auto* t = s.find(type);
        return t != nullptr ? t->natural_key : std::vector<std::string>{};
    };
    for (const auto& [type, t] : a.types)
        if (keys_of(b, type) != t.natural_key) return false;
    for (const auto& [type, t] : b.types)
        if (keys_of(a, type) != t.natural_key) return false;
    return true;
}

}  // namespace

// Evolution: a schema that older devices or stored records cannot follow is refused
// unless the operator says otherwise (docs/schema.md).
void sqlite_store::adopt_schema(const schema::schema& s) {
    SQLite::Transaction tx(writer_, SQLite::TransactionBehavior::IMMEDIATE);
    const auto previous = stored_schema();
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
            std::string m =
                "the schema is not compatible with the one this database was "
                "last served with:";
            for (const auto& p : problems) m += "\n  - " + p;
            if (!options_.allow_incompatible_schema) {
                throw std::runtime_error(m +
                                         "\n(start with --allow-incompatible-schema to "
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
    // R2 looks up the records' key hashes: they must be this schema's keys.
    if (!previous || !same_natural_keys(*previous, s)) rebuild_keys(s);
    tx.commit();
}

}  // namespace detail

std::unique_ptr<store> open_sqlite_store(const std::string& path, const sqlite_options& options) {
    access::init_crypto();  // tokens, codes and passwords (throws if libsodium cannot start)
    try {
        return std::make_unique<detail::sqlite_store>(path, options);
    } catch (const SQLite::Exception& e) {
        throw std::runtime_error("cannot open database " + path + ": " + e.what());
    }
}

}  // namespace sotay::store
