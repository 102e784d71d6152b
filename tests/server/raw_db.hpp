// A raw connection to a store's file, below the store's interface: what an operator, an
// older program or a fault does to the file (the migration, history and reports tests).
#pragma once

#include <sqlite3.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace sotay::test {

class raw_db {
  public:
    explicit raw_db(const std::string& path) {
        if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) throw std::runtime_error("open");
        sqlite3_busy_timeout(db_, 5000);
    }
    ~raw_db() { sqlite3_close(db_); }
    raw_db(const raw_db&) = delete;
    raw_db& operator=(const raw_db&) = delete;

    void exec(const std::string& sql) {
        char* err = nullptr;
        if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
            const std::string m = err != nullptr ? err : "?";
            sqlite3_free(err);
            throw std::runtime_error(m + " in: " + sql);
        }
    }

    // Runs a statement with text/blob parameters (a blob is passed as std::string with
    // is_blob), returning the first column of the first row as text ("" for none or NULL).
    std::string one(const std::string& sql,
                    const std::vector<std::pair<std::string, bool>>& params = {}) {
        sqlite3_stmt* st = prepare(sql.c_str());
        for (std::size_t i = 0; i < params.size(); ++i) {
            const auto& [v, blob] = params[i];
            const int at = static_cast<int>(i) + 1;
            if (blob) {
                sqlite3_bind_blob(st, at, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
            } else {
                sqlite3_bind_text(st, at, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
            }
        }
        std::string out;
        const int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
            out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) throw std::runtime_error("step failed: " + sql);
        return out;
    }

  protected:
    // The caller finalizes it.
    sqlite3_stmt* prepare(const char* sql) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK)
            throw std::runtime_error(std::string(sqlite3_errmsg(db_)) + " in: " + sql);
        return st;
    }

  private:
    sqlite3* db_ = nullptr;
};

}  // namespace sotay::test
