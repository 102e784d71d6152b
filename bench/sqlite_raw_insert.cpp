// bench-sqlite-raw: how fast can SQLite alone durably insert the rows W1 pushes?
//
//   bench-sqlite-raw --dir DIR [--rows 100000] [--txn 1000] [--keys v7|v4]
//                    [--record-bytes 300] [--keep]
//
// The ceiling the server is measured against (docs/benchmarks.md): the same rows as
// sotay-loadgen sends (the same generator, clients/loadgen/payload.hpp: ~300-byte
// petition JSON keyed by a 16-byte UUID), inserted into one table in transactions of
// --txn rows, WAL + synchronous=FULL like the store, in a fresh file in DIR (put DIR on
// the disk the server uses). Nothing else: no change log, no merge, no network, so the
// server/raw ratio says how much of the disk's limit the server's extra work costs.
//
// Prints one JSON object on stdout; exit 1 on a SQLite failure, 2 on a usage error.
#include "../clients/loadgen/payload.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace fs = std::filesystem;
using sotay::loadgen::uuid16;

struct options {
    std::string dir;
    std::size_t rows = 100000;
    // Rows per commit: the figure the W1 brief fixes. Each commit is one fsync of the WAL,
    // so this number, not the row size, dominates the result on most disks.
    std::size_t txn = 1000;
    bool v4 = false;         // random keys instead of time-ordered ones
    std::size_t record_bytes = 300;
    bool keep = false;  // leave the database file for inspection
};

struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

options parse_args(int argc, char** argv) {
    options o;
    auto number = [](std::string_view flag, const char* text) {
        char* end = nullptr;
        const unsigned long long v = std::strtoull(text, &end, 10);
        if (end == text || *end != '\0' || v == 0) {
            throw usage_error(std::string(flag) + " needs a positive integer");
        }
        return static_cast<std::size_t>(v);
    };
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        auto value = [&]() -> const char* {
            if (i + 1 >= argc) throw usage_error(std::string(a) + " needs a value");
            return argv[++i];
        };
        if (a == "--dir") {
            o.dir = value();
        } else if (a == "--rows") {
            o.rows = number(a, value());
        } else if (a == "--txn") {
            o.txn = number(a, value());
        } else if (a == "--record-bytes") {
            o.record_bytes = number(a, value());
        } else if (a == "--keys") {
            const std::string_view k = value();
            if (k != "v7" && k != "v4") throw usage_error("--keys must be v7 or v4");
            o.v4 = k == "v4";
        } else if (a == "--keep") {
            o.keep = true;
        } else {
            throw usage_error("unknown argument " + std::string(a));
        }
    }
    if (o.dir.empty()) throw usage_error("--dir is required");
    return o;
}

// Owns one connection; every failure becomes an exception naming the statement.
class database {
public:
    explicit database(const std::string& path) {
        if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
            const std::string why = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
            sqlite3_close(db_);
            throw std::runtime_error("open " + path + ": " + why);
        }
    }
    ~database() { sqlite3_close(db_); }
    database(const database&) = delete;
    database& operator=(const database&) = delete;

    void exec(const char* sql) {
        char* err = nullptr;
        if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
            const std::string why = err != nullptr ? err : sqlite3_errmsg(db_);
            sqlite3_free(err);
            throw std::runtime_error(std::string(sql) + ": " + why);
        }
    }
    sqlite3* get() { return db_; }
    std::string error() const { return sqlite3_errmsg(db_); }

private:
    sqlite3* db_ = nullptr;
};

struct row {
    uuid16 key;
    std::string body;
};

// All rows are made before the clock starts: the figure is SQLite's, not the generator's.
std::vector<row> make_rows(const options& o) {
    sotay::loadgen::splitmix64 payload(1);  // content is irrelevant; its size is not
    std::random_device entropy;
    sotay::loadgen::splitmix64 key_rng((std::uint64_t{entropy()} << 32) ^ entropy());
    sotay::loadgen::uuid_v7_source v7(key_rng.next());
    const auto now_ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::system_clock::now().time_since_epoch())
            .count());
    std::vector<row> rows;
    rows.reserve(o.rows);
    for (std::size_t i = 0; i < o.rows; ++i) {
        const uuid16 key = o.v4 ? sotay::loadgen::uuid_v4(key_rng) : v7.next(now_ms);
        rows.push_back(row{key, sotay::loadgen::petition_json(
                                    sotay::loadgen::make_petition(payload, o.record_bytes))});
    }
    return rows;
}

double round3(double x) { return std::round(x * 1000) / 1000; }

// Bytes this process has caused to be written to storage (Linux /proc/self/io), so the
// baseline's write amplification can be set beside the server's; 0 where unavailable.
std::uintmax_t storage_write_bytes() {
    std::ifstream io("/proc/self/io");
    std::string key;
    std::uintmax_t value = 0;
    while (io >> key >> value) {
        if (key == "write_bytes:") return value;
    }
    return 0;
}

struct timing {
    double seconds = 0;
    std::uintmax_t db_bytes = 0;   // main file when the last commit returned
    std::uintmax_t wal_bytes = 0;  // and the write-ahead log beside it
};

// Inserts every row into a fresh database at path, o.txn rows per commit. The
// connection is closed (and the WAL checkpointed) when this returns.
timing insert_all(const fs::path& path, const options& o, const std::vector<row>& rows) {
    database db(path.string());
    db.exec("PRAGMA journal_mode=WAL");
    // FULL: the server's setting (store S1); NORMAL would skip the fsync per commit
    // and make the ceiling look higher than any durable server could reach.
    db.exec("PRAGMA synchronous=FULL");
    // WITHOUT ROWID: the id is the clustering key, the layout where time-ordered ids
    // (append at the right edge) and random ids (split pages anywhere) differ most.
    db.exec("CREATE TABLE records(id BLOB PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID");

    sqlite3_stmt* insert = nullptr;
    if (sqlite3_prepare_v3(db.get(), "INSERT INTO records(id, body) VALUES(?1, ?2)", -1,
                           SQLITE_PREPARE_PERSISTENT, &insert, nullptr) != SQLITE_OK) {
        throw std::runtime_error("prepare insert: " + db.error());
    }
    // Finalizes the statement however this function leaves.
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> owner(insert, sqlite3_finalize);

    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < rows.size(); i += o.txn) {
        db.exec("BEGIN");
        const std::size_t end = std::min(rows.size(), i + o.txn);
        for (std::size_t k = i; k < end; ++k) {
            sqlite3_bind_blob(insert, 1, rows[k].key.data(), 16, SQLITE_STATIC);
            sqlite3_bind_text(insert, 2, rows[k].body.data(),
                              static_cast<int>(rows[k].body.size()), SQLITE_STATIC);
            if (sqlite3_step(insert) != SQLITE_DONE) {
                throw std::runtime_error("insert row " + std::to_string(k) + ": " + db.error());
            }
            sqlite3_reset(insert);
        }
        db.exec("COMMIT");
    }
    timing t;
    t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::error_code ec;
    t.db_bytes = fs::file_size(path, ec);
    t.wal_bytes = fs::file_size(path.string() + "-wal", ec);
    return t;
}

int run(const options& o) {
    const std::vector<row> rows = make_rows(o);
    std::size_t body_bytes = 0;
    for (const auto& r : rows) body_bytes += r.body.size();

    const fs::path path = fs::path(o.dir) / "raw-insert.db";
    auto remove_files = [&path] {
        std::error_code ec;
        for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path.string() + suffix, ec);
    };
    remove_files();
    const std::uintmax_t written_before = storage_write_bytes();
    const timing t = insert_all(path, o, rows);
    // Includes the checkpoint at close: the rows' full trip to the database file.
    const std::uintmax_t written = storage_write_bytes() - written_before;
    if (!o.keep) remove_files();

    std::printf(
        "{\"phase\":\"sqlite_raw\",\"rows\":%zu,\"rows_per_txn\":%zu,\"keys\":\"%s\","
        "\"journal\":\"wal\",\"synchronous\":\"full\",\"avg_row_body_bytes\":%.1f,"
        "\"seconds\":%.3f,\"rows_per_s\":%.0f,\"db_bytes\":%ju,\"wal_bytes\":%ju,"
        "\"write_bytes_per_row\":%.0f,\"sqlite\":\"%s\"}\n",
        rows.size(), o.txn, o.v4 ? "v4" : "v7",
        static_cast<double>(body_bytes) / static_cast<double>(rows.size()), round3(t.seconds),
        static_cast<double>(rows.size()) / t.seconds, t.db_bytes, t.wal_bytes,
        static_cast<double>(written) / static_cast<double>(rows.size()), sqlite3_libversion());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(parse_args(argc, argv));
    } catch (const usage_error& e) {
        std::cerr << "bench-sqlite-raw: " << e.what()
                  << "\nusage: bench-sqlite-raw --dir DIR [--rows N] [--txn N] [--keys v7|v4]"
                     " [--record-bytes N] [--keep]\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "bench-sqlite-raw: FAILED: " << e.what() << '\n';
        return 1;
    }
}
