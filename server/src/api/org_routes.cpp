// GET /api/v1/org and POST /api/v1/org/import.
#include "handlers.hpp"
#include "json_out.hpp"
#include "response.hpp"

#include <sotay/access/org_tree.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace sotay::server::api {

namespace json = boost::json;

namespace {

// The CSV of a province is a few thousand lines of short fields: 4 MiB is far above any
// real file and still bounds what one request makes the server parse.
constexpr std::size_t max_csv_body = 4 * 1024 * 1024;

response row_errors(const std::vector<access::row_error>& errors) {
    json::array list;
    for (const auto& e : errors) {
        json::object o;
        o["line"] = e.line;
        o["code"] = e.code;
        o["message"] = e.message;
        list.emplace_back(std::move(o));
    }
    json::object out;
    out["code"] = sync::to_code(sync::errc::validation);
    out["message"] = std::to_string(errors.size()) +
                     (errors.size() == 1 ? " problem" : " problems") +
                     " in the file; nothing was applied";
    out["errors"] = std::move(list);
    return make_json(http::status::bad_request, out);
}

// H2 for writes: an admin may add or change units only inside their own subtree, before
// and after the import, and may not move their own unit (that would change the tree
// above it). Checked on the tree as it stands now; the store merges again at commit.
std::vector<access::row_error> outside_scope(const access::org_tree& before,
                                             const access::org_tree& after,
                                             const std::vector<access::org_row>& rows,
                                             const std::string& root) {
    std::vector<access::row_error> errors;
    for (const auto& row : rows) {
        const std::string& code = row.unit.code;
        const access::org_unit* old = before.find(code);
        if (code == root && old != nullptr && old->parent != row.unit.parent) {
            errors.push_back({row.line, code,
                              "parent_code: your own unit " + code +
                                  " cannot be moved; ask an administrator above it"});
        } else if ((old != nullptr && !before.contains(root, code)) ||
                   !after.contains(root, code)) {
            errors.push_back({row.line, code,
                              "code: unit " + code + " would be outside your unit " + root +
                                  "; only units under it can be imported here"});
        }
    }
    return errors;
}

}  // namespace

response get_org(api_call& call) {
    const store::org_snapshot snapshot = call.ctx.db.org_tree();
    json::array units;
    for (const std::string& code : snapshot.tree->subtree(call.user->org_unit)) {
        const access::org_unit* unit = snapshot.tree->find(code);
        if (unit != nullptr) units.emplace_back(unit_json(*unit, code == call.user->org_unit));
    }
    json::object out;
    out["version"] = snapshot.version;
    out["units"] = std::move(units);
    return make_json(http::status::ok, out);
}

response import_org(api_call& call) {
    const std::string& text = call.req.body();
    if (text.size() > max_csv_body) {
        return error_response(sync::errc::too_large,
                              "the file is over " + std::to_string(max_csv_body) + " bytes");
    }
    access::csv_result parsed = access::parse_org_csv(text);
    if (!parsed.errors.empty()) return row_errors(parsed.errors);
    if (parsed.rows.empty()) {
        return row_errors({{0, "", "the file has no rows after its header"}});
    }

    const store::org_snapshot snapshot = call.ctx.db.org_tree();
    auto merged = snapshot.tree->merge(parsed.rows);
    if (!merged.tree) return row_errors(merged.errors);
    auto refused = outside_scope(*snapshot.tree, *merged.tree, parsed.rows, call.user->org_unit);
    if (!refused.empty()) return row_errors(refused);

    auto report = call.ctx.db.import_org(parsed.rows, call.actor());
    if (!report) return error_response(report.error());
    if (!report->applied) return row_errors(report->errors);
    json::object out;
    out["applied"] = true;
    out["added"] = report->added;
    out["updated"] = report->updated;
    out["unchanged"] = report->unchanged;
    out["version"] = report->version;
    return make_json(http::status::ok, out);
}

}  // namespace sotay::server::api
