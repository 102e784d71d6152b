// org import FILE / org list: the organisation tree (access/org_tree.hpp).
#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <utility>

#include "commands.hpp"
#include "output.hpp"

namespace sotay::admin {

namespace json = boost::json;

namespace {

// 16 MiB: a province of tens of thousands of units is about 100 bytes a row, a few MiB;
// anything far larger is the wrong file, refused before it is read into memory.
constexpr std::uintmax_t max_org_file_bytes = 16u << 20;

std::string read_org_file(const std::string& path) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) fail(sync::errc::not_found, "cannot read " + path + ": " + ec.message());
    if (size > max_org_file_bytes) {
        fail(sync::errc::too_large,
             path + " is " + std::to_string(size) + " bytes; an org tree file is at most 16 MiB");
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) fail(sync::errc::not_found, "cannot read " + path);
    return text.str();
}

json::array errors_json(const std::vector<access::row_error>& errors) {
    json::array out;
    for (const auto& e : errors) {
        out.push_back(
            json::object{{"line", e.line},
                         {"code", e.code.empty() ? json::value(nullptr) : json::value(e.code)},
                         {"message", e.message}});
    }
    return out;
}

// "line 12 (LS.TP.P9): ..." for people; line 0 is the file as a whole.
void print_row_errors(const std::string& file, const std::vector<access::row_error>& errors) {
    for (const auto& e : errors) {
        std::cerr << file;
        if (e.line != 0) std::cerr << " line " << e.line;
        if (!e.code.empty()) std::cerr << " (" << e.code << ")";
        std::cerr << ": " << e.message << "\n";
    }
}

}  // namespace

int org_import(const invocation& in) {
    const std::string& file = in.operand(0);
    const auto csv = access::parse_org_csv(read_org_file(file));

    store::org_import_report report;
    if (csv.errors.empty()) {
        auto r = in.db().import_org(csv.rows, in.actor());
        if (!r) fail(r.error());
        report = std::move(*r);
    } else {
        // Rows that did not parse are already wrong; check the others against the tree as
        // well (merge is pure), so that one run shows every mistake in the file. Nothing
        // is written.
        const auto current = in.db().org_tree();
        auto merged = current.tree->merge(csv.rows);
        report.errors = csv.errors;
        report.errors.insert(report.errors.end(), merged.errors.begin(), merged.errors.end());
        std::stable_sort(report.errors.begin(), report.errors.end(),
                         [](const auto& a, const auto& b) { return a.line < b.line; });
        report.version = current.version;
    }

    if (in.json()) {
        print_json(json::object{{"applied", report.applied},
                                {"added", report.added},
                                {"updated", report.updated},
                                {"unchanged", report.unchanged},
                                {"version", report.version},
                                {"errors", errors_json(report.errors)}});
    }
    if (!report.applied) {
        if (!in.json()) print_row_errors(file, report.errors);
        std::cerr << "sotay-admin: validation: " << report.errors.size()
                  << (report.errors.size() == 1 ? " error" : " errors") << " in " << file
                  << "; nothing was imported\n";
        return 1;
    }
    if (!in.json()) {
        std::cout << "imported " << file << ": " << report.added << " added, " << report.updated
                  << " updated, " << report.unchanged << " unchanged; org tree version "
                  << report.version << "\n";
    }
    return 0;
}

int org_list(const invocation& in) {
    const auto snapshot = in.db().org_tree();
    const auto& tree = *snapshot.tree;

    // Depth first from each root, children in code order: a parent comes right before
    // its subtree, the order people read a tree in. An explicit stack: a deep tree cannot
    // exhaust the call stack.
    std::vector<std::pair<std::string, std::size_t>> order;  // code, depth
    std::vector<std::pair<std::string, std::size_t>> stack;
    const auto roots = tree.roots();
    for (auto it = roots.rbegin(); it != roots.rend(); ++it) stack.emplace_back(*it, 0);
    while (!stack.empty()) {
        auto [code, depth] = std::move(stack.back());
        stack.pop_back();
        const auto kids = tree.children(code);
        for (auto it = kids.rbegin(); it != kids.rend(); ++it) stack.emplace_back(*it, depth + 1);
        order.emplace_back(std::move(code), depth);
    }

    if (in.json()) {
        json::array units;
        for (const auto& [code, depth] : order) {
            const auto* u = tree.find(code);
            units.push_back(json::object{
                {"code", u->code},
                {"name", u->name},
                {"parent", u->parent.empty() ? json::value(nullptr) : json::value(u->parent)},
                {"level", u->level},
                {"depth", depth}});
        }
        print_json(json::object{{"version", snapshot.version}, {"units", std::move(units)}});
        return 0;
    }
    if (order.empty()) {
        std::cout << "the org tree is empty; load one with `sotay-admin org import FILE`\n";
        return 0;
    }
    std::cout << "org tree version " << snapshot.version << ", " << order.size() << " units\n";
    table t({"CODE", "NAME", "LEVEL"});
    for (const auto& [code, depth] : order) {
        const auto* u = tree.find(code);
        t.add({std::string(2 * depth, ' ') + u->code, u->name, u->level});
    }
    t.print(std::cout);
    return 0;
}

}  // namespace sotay::admin
