#include <sotay/sync/log_codec.hpp>

#include "json_value.hpp"

#include <boost/json.hpp>

namespace sotay::sync {
namespace json = boost::json;

std::string change_to_json(const change_msg& c) {
    json::object o;
    o["seq"] = c.seq;
    o["record"] = c.record;
    o["type"] = c.type;
    o["org_unit"] = c.org_unit;
    o["hlc"] = c.hlc;
    o["base"] = c.base;
    if (c.del) {
        o["delete"] = true;
    } else {
        json::object set;
        for (const auto& [name, v] : c.set) set[name] = detail::to_json(v);
        o["set"] = std::move(set);
    }
    return json::serialize(o);
}

std::string result_to_json(const change_result& r) {
    json::object o;
    o["seq"] = r.seq;
    o["status"] = status_name(r.status);
    if (!r.conflicts.empty()) {
        json::array a;
        for (const auto& c : r.conflicts) {
            a.push_back(json::object{{"id", c.id},
                                     {"field", c.field},
                                     {"outcome", c.outcome},
                                     {"kept", detail::to_json(c.kept)},
                                     {"yours", detail::to_json(c.yours)}});
        }
        o["conflicts"] = std::move(a);
    }
    if (r.error) {
        json::object e{{"code", to_code(r.error->code)}, {"message", r.error->message}};
        if (r.error->field) e["field"] = *r.error->field;
        o["error"] = std::move(e);
    }
    return json::serialize(o);
}

std::optional<change_result> result_from_json(std::string_view text) {
    boost::system::error_code ec;
    const json::value j = json::parse(text, ec);
    if (ec || !j.is_object()) return std::nullopt;
    const auto& o = j.get_object();
    change_result r;
    const auto* seq = o.if_contains("seq");
    const auto* status = o.if_contains("status");
    if (!seq || !seq->is_number() || !status || !status->is_string()) return std::nullopt;
    r.seq = seq->to_number<std::uint64_t>();
    const auto s = status->get_string();
    if (s == "applied") {
        r.status = change_status::applied;
    } else if (s == "duplicate") {
        r.status = change_status::duplicate;
    } else if (s == "rejected") {
        r.status = change_status::rejected;
    } else {
        return std::nullopt;
    }
    if (const auto* cs = o.if_contains("conflicts"); cs && cs->is_array()) {
        for (const auto& cv : cs->get_array()) {
            const auto* c = cv.if_object();
            if (!c) return std::nullopt;
            conflict_info ci;
            const auto* id = c->if_contains("id");
            const auto* field = c->if_contains("field");
            const auto* outcome = c->if_contains("outcome");
            const auto* kept = c->if_contains("kept");
            const auto* yours = c->if_contains("yours");
            if (!id || !id->is_string() || !field || !field->is_string() || !outcome ||
                !outcome->is_string() || !kept || !yours)
                return std::nullopt;
            ci.id = std::string(id->get_string());
            ci.field = std::string(field->get_string());
            ci.outcome = std::string(outcome->get_string());
            if (!detail::from_json(*kept, ci.kept) || !detail::from_json(*yours, ci.yours))
                return std::nullopt;
            r.conflicts.push_back(std::move(ci));
        }
    }
    if (const auto* e = o.if_contains("error"); e && e->is_object()) {
        const auto& eo = e->get_object();
        const auto* code = eo.if_contains("code");
        const auto* message = eo.if_contains("message");
        if (!code || !code->is_string() || !message || !message->is_string()) return std::nullopt;
        error_info info;
        info.code = from_code(code->get_string()).value_or(errc::internal);
        info.message = std::string(message->get_string());
        if (const auto* f = eo.if_contains("field"); f && f->is_string())
            info.field = std::string(f->get_string());
        r.error = std::move(info);
    }
    return r;
}

}  // namespace sotay::sync
