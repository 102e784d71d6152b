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
#include <sotay/store/sqlite_store.hpp>

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

struct api_fixture {
    api_fixture();
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

    std::filesystem::path dir;
    std::atomic<std::int64_t> now_ms{start_ms};  // the store's clock
    std::unique_ptr<store::store> db;
    server::api_settings settings;
    access::rate_limiter login_limiter{5, std::chrono::seconds{300}};
    access::rate_limiter enroll_limiter{5, std::chrono::seconds{300}};
    server::api_context ctx{*db, settings, login_limiter, enroll_limiter};
    std::string remote = "192.0.2.10:40000";
    std::uint64_t next_seq = 1;  // per device, in push_petition
    std::vector<std::pair<std::string, std::uint64_t>> seqs;
};

// The body of a JSON response as an object (fails the test if it is not one).
boost::json::object body_of(const response& res);
// The error code of an error response ("" if none).
std::string code_of(const response& res);

}  // namespace sotay::api_test
