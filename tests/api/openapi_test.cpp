// docs/openapi.json, as built into the server, describes exactly the routes served.
#include "api/openapi.hpp"
#include "api/router.hpp"
#include "api_fixture.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <set>

namespace sotay::api_test {
namespace {

namespace json = boost::json;

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

json::object document() {
    boost::system::error_code ec;
    json::value v = json::parse(server::api::openapi_document(), ec);
    BOOST_REQUIRE_MESSAGE(!ec, "docs/openapi.json does not parse: " << ec.message());
    return v.as_object();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(openapi)

BOOST_AUTO_TEST_CASE(the_document_lists_every_route_and_nothing_else) {
    const json::object doc = document();
    BOOST_TEST(std::string(doc.at("openapi").as_string()).starts_with("3.0."));

    std::set<std::string> documented;
    for (const auto& [path, item] : doc.at("paths").as_object()) {
        for (const auto& [method, operation] : item.as_object()) {
            documented.insert(lower(method) + " " + std::string(path));
            BOOST_TEST(operation.as_object().contains("responses"), path << " " << method);
        }
    }
    std::set<std::string> served;
    for (const auto& r : server::api::routes()) {
        served.insert(lower(http::to_string(r.method)) + " " + std::string(r.pattern));
    }
    BOOST_TEST(documented == served, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(routes_without_a_session_are_marked_public) {
    const json::object doc = document();
    for (const auto& r : server::api::routes()) {
        const auto& op = doc.at("paths")
                             .as_object()
                             .at(r.pattern)
                             .as_object()
                             .at(lower(http::to_string(r.method)))
                             .as_object();
        const bool public_op = op.contains("security") && op.at("security").as_array().empty();
        BOOST_TEST(public_op == !r.session, r.pattern);
    }
}

BOOST_FIXTURE_TEST_CASE(the_document_is_served_without_a_session, api_fixture) {
    settings.openapi_json = std::string(server::api::openapi_document());
    const auto res = get("/api/v1/openapi.json");
    BOOST_TEST(res.result_int() == 200);
    BOOST_TEST(res[http::field::content_type] == "application/json");
    BOOST_TEST(res.body() == settings.openapi_json);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace sotay::api_test
