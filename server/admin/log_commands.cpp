// log / quarantine: what the store kept, for people reviewing and for tests.
//
// quarantine lists the changes the server rejected (schema validation, scope and the
// other per-change refusals): they are kept in the change log, never dropped.
#include <boost/json.hpp>
#include <iostream>
#include <map>

#include "commands.hpp"
#include "output.hpp"

namespace sotay::admin {

namespace json = boost::json;

int log_show(const invocation& in) {
    std::optional<std::string> device = in.optional("device");
    json::array out;
    for (const auto& c : in.db().change_log(device)) {
        out.push_back(json::object{{"device_id", c.device_id},
                                   {"username", c.username},
                                   {"seq", c.seq},
                                   {"record", c.record},
                                   {"type", c.type},
                                   {"org_unit", c.org_unit},
                                   {"device_hlc", c.device_hlc},
                                   {"effective_hlc", c.effective_hlc},
                                   {"base", c.base},
                                   {"received_ms", c.received_ms},
                                   {"server_seq", c.server_seq},
                                   {"status", c.status},
                                   {"body", parse_or_string(c.body_json)},
                                   {"result", parse_or_string(c.result_json)}});
    }
    if (in.json()) {
        print_json(out);
    } else {
        for (const auto& v : out) print_json(v);
    }
    return 0;
}

// Rejected changes with who sent them, when and why; newest first.
int quarantine_show(const invocation& in) {
    // 1,000 by default: a screenful of review work is far less; --limit for an export.
    const auto limit = in.integer("limit", 1000, 1, 10'000'000);
    std::map<std::string, std::string> names;
    for (const auto& d : in.db().list_devices(store::scope_filter::all())) {
        names[d.device_id] = d.name;
    }
    json::array out;
    for (const auto& c :
         in.db().quarantine(store::scope_filter::all(), static_cast<std::size_t>(limit))) {
        json::object why{{"code", "internal"}, {"field", nullptr}, {"message", ""}};
        const json::value result = parse_or_string(c.result_json);
        if (const auto* r = result.if_object()) {
            if (const auto* e = r->if_contains("error"); e != nullptr && e->is_object()) {
                for (const char* k : {"code", "field", "message"}) {
                    if (const auto* v = e->as_object().if_contains(k)) why[k] = *v;
                }
            }
        }
        out.push_back(json::object{{"record", c.record},
                                   {"type", c.type},
                                   {"org_unit", c.org_unit},
                                   {"device_id", c.device_id},
                                   {"device_name", names[c.device_id]},
                                   {"username", c.username},
                                   {"seq", c.seq},
                                   {"device_hlc", c.device_hlc},
                                   {"received_ms", c.received_ms},
                                   {"code", why["code"]},
                                   {"field", why["field"]},
                                   {"message", why["message"]},
                                   {"body", parse_or_string(c.body_json)}});
    }
    if (in.json()) {
        print_json(out);
        return 0;
    }
    if (out.empty()) std::cout << "no rejected changes\n";
    for (const auto& v : out) {
        const auto& o = v.as_object();
        const auto text = [&](const char* k) {
            return o.at(k).is_string() ? std::string(o.at(k).as_string()) : std::string("-");
        };
        std::cout << text("type") << " " << text("record") << " (" << text("org_unit") << ") from "
                  << text("username") << " on " << text("device_name") << " [" << text("device_id")
                  << "] seq " << o.at("seq").as_uint64() << ", device time " << text("device_hlc")
                  << ", received " << format_time(o.at("received_ms").as_int64()) << "\n  "
                  << text("code") << " on " << text("field") << ": " << text("message") << "\n  "
                  << json::serialize(o.at("body")) << "\n";
    }
    return 0;
}

}  // namespace sotay::admin
