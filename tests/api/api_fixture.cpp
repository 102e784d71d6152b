#include "api_fixture.hpp"

#include <sotay/access/secrets.hpp>
#include <sotay/sync/hlc.hpp>

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <random>

namespace sotay::api_test {

namespace json = boost::json;

namespace {

std::vector<access::org_row> tree_rows() {
    const std::vector<access::org_unit> units = {
        {"LS", "Tỉnh Lạng Sơn", "", "Tỉnh"},
        {"LS.CL", "Huyện Cao Lộc", "LS", "Huyện"},
        {"LS.CL.X1", "Xã Hợp Thành", "LS.CL", "Xã"},
        {"LS.TP", "Thành phố Lạng Sơn", "LS", "Huyện"},
        {"LS.TP.P1", "Phường Chi Lăng", "LS.TP", "Xã"},
        {"LS.TP.P2", "Phường Tam Thanh", "LS.TP", "Xã"},
    };
    std::vector<access::org_row> rows;
    for (std::size_t i = 0; i < units.size(); ++i) rows.push_back({units[i], i + 2});
    return rows;
}

std::filesystem::path make_dir() {
    std::random_device rd;
    auto d = std::filesystem::temp_directory_path() / ("sotay-api-test-" + std::to_string(rd()));
    std::filesystem::create_directories(d);
    return d;
}

std::unique_ptr<store::store> open_store(const std::filesystem::path& dir,
                                         std::atomic<std::int64_t>& now) {
    access::init_crypto();
    store::sqlite_options o;
    o.now_ms = [&now] { return now.load(); };
    return store::open_sqlite_store((dir / "central.db").string(), o);
}

}  // namespace

api_fixture::api_fixture() : dir(make_dir()), db(open_store(dir, now_ms)) {
    auto report = db->import_org(tree_rows());
    BOOST_REQUIRE(report.has_value());
    BOOST_REQUIRE(report->applied);
}

api_fixture::~api_fixture() {
    db.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}

store::user_info api_fixture::add_user(const std::string& username, access::role role,
                                       const std::string& org_unit, const std::string& password) {
    store::new_user u;
    u.username = username;
    u.display_name = "Cán bộ " + username;
    u.role = role;
    u.org_unit = org_unit;
    u.password = password;
    auto added = db->add_user(u);
    BOOST_REQUIRE_MESSAGE(added.has_value(),
                          "add_user " << username << ": " << (added ? "" : added.error().message));
    return *added;
}

std::string api_fixture::session_of(const std::string& username) {
    auto u = db->find_user(username);
    BOOST_REQUIRE(u.has_value());
    auto s = db->create_web_session(u->id, settings.session_ttl);
    BOOST_REQUIRE(s.has_value());
    return "sotay_session=" + s->token;
}

response api_fixture::get(const std::string& target, const std::string& cookie) {
    request req{http::verb::get, target, 11};
    req.set(http::field::host, "sotay.example");
    if (!cookie.empty()) req.set(http::field::cookie, cookie);
    return send(std::move(req));
}

response api_fixture::post(const std::string& target, const std::string& body,
                           const std::string& cookie, const std::string& content_type) {
    request req{http::verb::post, target, 11};
    req.set(http::field::host, "sotay.example");
    if (!cookie.empty()) req.set(http::field::cookie, cookie);
    if (!content_type.empty()) req.set(http::field::content_type, content_type);
    req.body() = body;
    req.prepare_payload();
    return send(std::move(req));
}

response api_fixture::send(request req) {
    return server::handle_api(req, remote, ctx);
}

std::string api_fixture::push_petition(const std::string& device_id, const std::string& org_unit) {
    auto it =
        std::find_if(seqs.begin(), seqs.end(), [&](const auto& p) { return p.first == device_id; });
    if (it == seqs.end()) it = seqs.insert(seqs.end(), {device_id, 0});
    const std::uint64_t seq = ++it->second;
    const std::uint64_t n = next_seq++;

    char id[40];
    std::snprintf(id, sizeof id, "0190f5a2-7c41-7d3e-8a5b-%012llu",
                  static_cast<unsigned long long>(n));
    sync::change_msg c;
    c.seq = seq;
    c.record = id;
    c.type = "petition";
    c.org_unit = org_unit;
    c.hlc = sync::format_hlc({static_cast<std::uint64_t>(start_ms) + n, 0});
    c.set = {{"status", sync::value{"received"}},
             {"kind", sync::value{"complaint"}},
             {"received_on", sync::value{"2022-03-04"}}};
    store::write_batch b;
    b.pushes.push_back({device_id, 0, {c}});
    auto out = db->write(b);
    BOOST_REQUIRE(out.has_value());
    BOOST_REQUIRE(!out->pushes.at(0).refused.has_value());
    return id;
}

json::object body_of(const response& res) {
    boost::system::error_code ec;
    json::value v = json::parse(res.body(), ec);
    BOOST_REQUIRE_MESSAGE(!ec && v.is_object(), "not a JSON object: " << res.body());
    return v.as_object();
}

std::string code_of(const response& res) {
    boost::system::error_code ec;
    json::value v = json::parse(res.body(), ec);
    if (ec || !v.is_object()) return "";
    const json::value* code = v.as_object().if_contains("code");
    return code != nullptr && code->is_string() ? std::string(code->as_string()) : "";
}

}  // namespace sotay::api_test
