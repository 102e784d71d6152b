#include "api_fixture.hpp"

#include <sotay/access/secrets.hpp>
#include <sotay/sync/hlc.hpp>

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>
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
                                         std::atomic<std::int64_t>& now,
                                         std::shared_ptr<const schema::schema> schema) {
    access::init_crypto();
    store::sqlite_options o;
    o.now_ms = [&now] { return now.load(); };
    o.schema = std::move(schema);
    return store::open_sqlite_store((dir / "central.db").string(), o);
}

// The fixed values of a test petition's natural key besides the petitioner.
constexpr const char* petition_received_on = "2022-03-04";
constexpr const char* petition_kind = "complaint";

}  // namespace

std::shared_ptr<const schema::schema> default_schema() {
    // Loaded once: every review test uses the same document.
    static const auto loaded = [] {
        const auto exe = std::filesystem::read_symlink("/proc/self/exe");
        return std::make_shared<const schema::schema>(
            schema::load_schema_file((exe.parent_path() / "default.json").string()));
    }();
    return loaded;
}

std::shared_ptr<const reports::definitions> default_indicators() {
    static const auto loaded = [] {
        const auto exe = std::filesystem::read_symlink("/proc/self/exe");
        return std::make_shared<const reports::definitions>(reports::load_definitions_file(
            (exe.parent_path() / "indicators.json").string(), *default_schema()));
    }();
    return loaded;
}

api_fixture::api_fixture(std::shared_ptr<const schema::schema> schema)
    : dir(make_dir()), db(open_store(dir, now_ms, std::move(schema))) {
    settings.indicators = default_indicators();
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

std::string api_fixture::new_record_id() {
    char id[40];
    std::snprintf(id, sizeof id, "0190f5a2-7c41-7d3e-8a5b-%012llu",
                  static_cast<unsigned long long>(next_seq++));
    return id;
}

sync::change_msg api_fixture::change(const std::string& device_id, const std::string& record,
                                     const std::string& org_unit, std::uint64_t base,
                                     sync::field_map set, bool del) {
    auto it =
        std::find_if(seqs.begin(), seqs.end(), [&](const auto& p) { return p.first == device_id; });
    if (it == seqs.end()) it = seqs.insert(seqs.end(), {device_id, 0});
    sync::change_msg c;
    c.seq = ++it->second;
    c.record = record;
    c.type = "petition";
    c.org_unit = org_unit;
    // Every change a later clock reading than the one before, whichever device makes it,
    // so the later change of a test wins the merge's tie-break.
    c.hlc = sync::format_hlc({static_cast<std::uint64_t>(start_ms) + next_seq++, 0});
    c.base = base;
    c.set = std::move(set);
    c.del = del;
    return c;
}

void api_fixture::push(const std::string& device_id, std::vector<sync::change_msg> changes) {
    store::write_batch b;
    b.pushes.push_back({device_id, 0, std::move(changes)});
    auto out = db->write(b);
    BOOST_REQUIRE(out.has_value());
    const auto& pushed = out->pushes.at(0);
    BOOST_REQUIRE_MESSAGE(!pushed.refused, "push refused: " << pushed.refused->message);
    for (const auto& r : pushed.results) {
        BOOST_REQUIRE_MESSAGE(r.status == sync::change_status::applied,
                              "change " << r.seq << " not applied: "
                                        << (r.error ? r.error->message : "duplicate"));
    }
}

sync::field_map api_fixture::petition(const std::string& petitioner) {
    sync::field_map f{{"status", sync::value{"received"}},
                      {"kind", sync::value{petition_kind}},
                      {"received_on", sync::value{petition_received_on}}};
    if (!petitioner.empty()) f["petitioner_id"] = sync::value{petitioner};
    return f;
}

std::string api_fixture::push_petition(const std::string& device_id, const std::string& org_unit) {
    const std::string id = new_record_id();
    store::write_batch b;
    b.pushes.push_back({device_id, 0, {change(device_id, id, org_unit, 0, petition())}});
    auto out = db->write(b);
    BOOST_REQUIRE(out.has_value());
    // Applied or rejected (out of scope, kept in quarantine): both are what tests want.
    BOOST_REQUIRE(!out->pushes.at(0).refused.has_value());
    return id;
}

made_item api_fixture::field_conflict(const std::string& a, const std::string& b,
                                      const std::string& org_unit) {
    const std::string record = new_record_id();
    push(a, {change(a, record, org_unit, 0, petition())});
    push(a, {change(a, record, org_unit, 1, {{"status", sync::value{"processing"}}})});
    push(b, {change(b, record, org_unit, 1, {{"status", sync::value{"resolved"}}})});
    return {record, "", open_item(record, "field")};
}

made_item api_fixture::delete_edit(const std::string& a, const std::string& b,
                                   const std::string& org_unit) {
    const std::string record = new_record_id();
    push(a, {change(a, record, org_unit, 0, petition())});
    push(a, {change(a, record, org_unit, 1, {}, true)});
    push(b, {change(b, record, org_unit, 1, {{"status", sync::value{"processing"}}})});
    return {record, "", open_item(record, "delete_edit")};
}

made_item api_fixture::duplicate(const std::string& a, const std::string& b,
                                 const std::string& org_unit, const std::string& petitioner) {
    const std::string first = new_record_id();
    push(a, {change(a, first, org_unit, 0, petition(petitioner))});
    const std::string second = new_record_id();
    push(b, {change(b, second, org_unit, 0, petition(petitioner))});
    return {second, first, open_item(second, "duplicate")};
}

std::int64_t api_fixture::open_item(const std::string& record, const std::string& kind) {
    store::review_query q;
    q.record = record;
    q.kind = kind;
    q.state = "open";
    auto page = db->review_items(q);
    BOOST_REQUIRE(page.has_value());
    BOOST_REQUIRE_MESSAGE(page->items.size() == 1, page->items.size()
                                                       << " open " << kind << " items about "
                                                       << record << ", expected 1");
    return page->items.front().item;
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
