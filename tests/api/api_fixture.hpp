// A real SQLite store in a temporary directory, an org tree, users with sessions, and
// requests built in memory and passed to handle_api: the whole API without sockets.
//
// The tree (codes as records carry them):
//   LS            Tỉnh Lạng Sơn           (province, the root)
//     LS.CL       Huyện Cao Lộc
//       LS.CL.X1  Xã Hợp Thành
//     LS.TP       Thành phố Lạng Sơn
//       LS.TP.P1  Phường Chi Lăng
//       LS.TP.P2  Phường Tam Thanh
#pragma once

#include "api/api.hpp"

#include <sotay/access/rate_limit.hpp>
#include <sotay/access/roles.hpp>
#include <sotay/reports/indicators.hpp>
#include <sotay/schema/schema.hpp>
#include <sotay/store/sqlite_store.hpp>
#include <sotay/sync/messages.hpp>

#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace sotay::api_test {

using request = server::http::request<server::http::string_body>;
using response = server::http::response<server::http::string_body>;
namespace http = server::http;

inline constexpr std::int64_t start_ms = 1'795'000'000'000LL;
// Passwords cost an argon2id hash each (~0.1 s), so only the tests about login use them.
inline constexpr const char* good_password = "mật khẩu đủ dài";

// schema/default.json as the build copies it next to the test binary: tests whose store
// must know the record types' natural keys (duplicates) open it with this.
std::shared_ptr<const schema::schema> default_schema();
// schema/indicators.json as the build copies it next to the test binary, checked against
// default_schema(): every fixture's settings carry it (the report endpoints).
std::shared_ptr<const reports::definitions> default_indicators();

// A review item made for a test, with the record it is about (store.hpp R1, R2).
struct made_item {
    std::string record;
    std::string other_record;  // duplicates: the record created second's twin
    std::int64_t item = 0;
};

struct api_fixture {
    // With a schema the store validates changes and finds duplicates (natural keys).
    explicit api_fixture(std::shared_ptr<const schema::schema> schema = nullptr);
    ~api_fixture();

    // A user with no password (sessions come from the store directly) unless one is given.
    store::user_info add_user(const std::string& username, access::role role,
                              const std::string& org_unit, const std::string& password = "");
    // "sotay_session=<token>" for a new web session of the user.
    std::string session_of(const std::string& username);

    // Requests as a browser or a phone would send them, from `remote`.
    response get(const std::string& target, const std::string& cookie = "");
    response post(const std::string& target, const std::string& body,
                  const std::string& cookie = "",
                  const std::string& content_type = "application/json");
    response send(request req);

    // Pushes one change creating a petition record in `org_unit` from the device; returns
    // the record id. Rejected changes (out of scope) are kept in quarantine.
    std::string push_petition(const std::string& device_id, const std::string& org_unit);

    // A change from the device: its next seq and the fixture's next clock reading.
    sync::change_msg change(const std::string& device_id, const std::string& record,
                            const std::string& org_unit, std::uint64_t base, sync::field_map set,
                            bool del = false);
    // Writes the changes of one device as one push; every one must be applied.
    void push(const std::string& device_id, std::vector<sync::change_msg> changes);
    std::string new_record_id();
    // The fields of a new petition; `petitioner` fills in its natural key (with the fixed
    // received_on and kind), so two petitions of one petitioner are duplicates.
    static sync::field_map petition(const std::string& petitioner = "");

    // Review items, each made as two officers' phones make them offline (docs/review.md):
    //   field_conflict: a creates a petition; a sets status processing and b (who saw
    //                   version 1) sets it resolved: one "field" item on "status";
    //   delete_edit:    a creates, a deletes, b (who saw version 1) edits: "delete_edit";
    //   duplicate:      a and b each create a petition of the same petitioner: "duplicate".
    // The item is the open one about the record, found through the store.
    made_item field_conflict(const std::string& a, const std::string& b,
                             const std::string& org_unit);
    made_item delete_edit(const std::string& a, const std::string& b,
                          const std::string& org_unit);
    made_item duplicate(const std::string& a, const std::string& b, const std::string& org_unit,
                        const std::string& petitioner);
    // The id of the one open item of this kind about the record (fails the test otherwise).
    std::int64_t open_item(const std::string& record, const std::string& kind);

    std::filesystem::path dir;
    std::atomic<std::int64_t> now_ms{start_ms};  // the store's clock
    std::unique_ptr<store::store> db;
    server::api_settings settings;
    access::rate_limiter login_limiter{5, std::chrono::seconds{300}};
    access::rate_limiter enroll_limiter{5, std::chrono::seconds{300}};
    server::api_context ctx{*db, settings, login_limiter, enroll_limiter};
    std::string remote = "192.0.2.10:40000";
    std::uint64_t next_seq = 1;  // record ids and clock readings, in order
    std::vector<std::pair<std::string, std::uint64_t>> seqs;  // each device's last seq
};

// The body of a JSON response as an object (fails the test if it is not one).
boost::json::object body_of(const response& res);
// The error code of an error response ("" if none).
std::string code_of(const response& res);

}  // namespace sotay::api_test
