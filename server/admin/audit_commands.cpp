// audit verify / head / timeline / log / export: the tamper-evident history (docs/audit.md)
// read straight from the database file, as an inspector on the server machine would.
//
// Reading is unscoped (the administrator reads the database itself); --org narrows log
// and export to a subtree. The shapes printed with --json, and the export formats, are
// the HTTP API's (server/src/api/audit_format.hpp).
//
// The key: --audit-key PATH, default <db>.audit-key, the file the server signs heads with.
// `audit head` signs with it (creating it, mode 0600, if the server never ran); `audit
// verify --head` compares a head's public key with it when the file is there.
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sotay/audit/signing.hpp>
#include <sotay/sync/json_values.hpp>
#include <sstream>

#include "../src/api/audit_format.hpp"
#include "commands.hpp"
#include "output.hpp"

namespace sotay::admin {

namespace json = boost::json;

namespace {

// A head is a few hundred bytes; anything much larger is the wrong file.
constexpr std::uintmax_t max_head_file_bytes = 64 * 1024;

std::filesystem::path key_path(const invocation& in) {
    if (auto p = in.optional("audit-key")) return *p;
    return in.db_path() + ".audit-key";
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

const char* kind_name(audit::problem_kind k) {
    switch (k) {
        case audit::problem_kind::missing:
            return "missing";
        case audit::problem_kind::moved:
            return "moved";
        case audit::problem_kind::swapped:
            return "swapped";
        case audit::problem_kind::duplicated:
            return "duplicated";
        case audit::problem_kind::misplaced:
            return "misplaced";
        case audit::problem_kind::renumbered:
            return "renumbered";
        case audit::problem_kind::changed:
            return "changed";
        case audit::problem_kind::hash_changed:
            return "hash_changed";
        case audit::problem_kind::link_broken:
            return "link_broken";
        case audit::problem_kind::head_differs:
            return "head_differs";
        case audit::problem_kind::truncated:
            return "truncated";
    }
    return "changed";
}

audit::signed_head read_head(const std::string& path) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) fail(sync::errc::not_found, "cannot read the head file " + path + ": " + ec.message());
    if (size > max_head_file_bytes) {
        fail(sync::errc::too_large, path + " is " + std::to_string(size) +
                                        " bytes; a signed head (`audit head --out`) is a few "
                                        "hundred");
    }
    std::ifstream file(path, std::ios::binary);
    std::ostringstream text;
    text << file.rdbuf();
    auto head = audit::head_from_json(text.str());
    if (!head) {
        fail(head.error().code, path + " is not a signed head: " + head.error().message);
    }
    return *head;
}

// The server's key; a file that cannot be used fails with the key file's own sentence.
audit::signing_key load_key(const std::filesystem::path& file) {
    try {
        return audit::signing_key::load_or_create(file);
    } catch (const audit::key_file_error& e) {
        fail(sync::errc::validation, e.what());
    }
}

void read_period(const invocation& in, store::history_query& q) {
    if (const auto from = in.optional("from")) q.from_ms = day_start_ms(*from, "from");
    // --to is inclusive: entries before the end of that day.
    constexpr std::int64_t day_ms = 24 * 60 * 60 * 1000;
    if (const auto to = in.optional("to")) q.to_ms = day_start_ms(*to, "to") + day_ms;
}

// "  status: "open" -> "resolved"" for each field an entry changed.
void print_fields(const json::object& fields) {
    for (const auto& [name, change] : fields) {
        const auto* c = change.if_object();
        const auto text = [&](const char* k) {
            const auto* v = c != nullptr ? c->if_contains(k) : nullptr;
            return v != nullptr ? json::serialize(*v) : std::string("-");
        };
        std::cout << "    " << std::string_view(name) << ": " << text("before") << " -> "
                  << text("after") << "\n";
    }
}

// Who and from where, in a few words.
std::string who(const audit::history_entry& e) {
    std::string s = e.username.empty() ? "-" : e.username;
    if (!e.device_id.empty()) s += " on device " + e.device_id;
    return s;
}

}  // namespace

int audit_verify(const invocation& in) {
    std::optional<audit::signed_head> trusted;
    if (const auto file = in.optional("head")) {
        auto head = read_head(*file);
        if (!audit::check(head)) {
            fail(sync::errc::validation,
                 "the head in " + *file + " is not validly signed: it was altered or forged");
        }
        const auto key_file = key_path(in);
        std::error_code ec;
        if (std::filesystem::exists(key_file, ec)) {
            const auto key = load_key(key_file);
            if (!audit::check(head, key.public_part())) {
                fail(sync::errc::validation, "the head in " + *file + " was signed with the key " +
                                                 audit::hex(head.key) + ", not this server's " +
                                                 audit::hex(key.public_part()) + " (" +
                                                 key_file.string() + ")");
            }
        }
        trusted = head;
    }
    const auto report = in.db().verify_history(trusted, [](std::uint64_t rows) {
        std::cerr << "sotay-admin: " << rows << " entries checked\n";
    });
    if (!report) fail(report.error());

    if (in.json()) {
        json::object out{{"intact", !report->problem.has_value()},
                         {"entries", report->entries},
                         {"head_seq", report->head_seq},
                         {"head_hash", audit::hex(report->head_hash)}};
        if (report->problem) {
            out["problem"] = json::object{{"kind", kind_name(report->problem->kind)},
                                          {"seq", report->problem->seq},
                                          {"message", report->problem->message}};
        }
        if (trusted) out["signed_head_seq"] = trusted->seq;
        print_json(out);
    } else if (report->problem) {
        std::cout << "entry " << report->problem->seq << ": " << report->problem->message << "\n"
                  << "the history is NOT intact; entries up to " << report->head_seq
                  << " verified\n";
    } else {
        std::cout << "history intact: " << report->entries << " entries, newest "
                  << report->head_seq << " with hash " << audit::hex(report->head_hash) << "\n";
        if (trusted) {
            std::cout << "matches the signed head of entry " << trusted->seq << " (signed "
                      << format_time(trusted->at_ms) << ")\n";
        }
    }
    return report->problem ? 1 : 0;
}

int audit_head(const invocation& in) {
    const auto key = load_key(key_path(in));
    const auto [seq, hash] = in.db().history_head();
    const auto head = key.sign(seq, hash, now_ms());
    const std::string text = json::serialize(audit::to_json(head)) + "\n";
    if (const auto out = in.optional("out")) {
        std::ofstream file(*out, std::ios::binary | std::ios::trunc);
        file << text;
        file.close();
        if (!file) fail(sync::errc::internal, "cannot write " + *out);
        if (!in.json()) {
            std::cout << "signed head of entry " << seq << " written to " << *out
                      << "\n  hash:       " << audit::hex(hash)
                      << "\n  public key: " << audit::hex(head.key)
                      << "\nkeep it outside this server; `sotay-admin audit verify --head " << *out
                      << "` checks the history against it\n";
            return 0;
        }
    }
    std::cout << text;
    return 0;
}

int audit_timeline(const invocation& in) {
    const std::string& record = in.operand(0);
    store::history_query q;
    q.record = record;
    q.limit = audit_format::export_page;
    std::vector<store::history_row> rows;
    while (true) {
        auto page = in.db().history(q);
        if (!page) fail(page.error());
        for (auto& r : page->rows) rows.push_back(std::move(r));
        if (!page->more) break;
        q.after = page->next;
    }
    if (rows.empty()) fail(sync::errc::not_found, "no history of record \"" + record + "\"");

    store::review_query rq;
    rq.record = record;
    rq.limit = 1000;
    std::vector<sync::review_item_msg> items;
    while (true) {
        auto page = in.db().review_items(rq);
        if (!page) fail(page.error());
        for (auto& item : page->items) items.push_back(std::move(item));
        if (!page->more) break;
        rq.after = page->next;
    }

    if (in.json()) {
        json::array entries;
        for (const auto& r : rows) entries.push_back(audit_format::timeline_entry_json(r));
        json::array out_items;
        for (const auto& item : items) out_items.push_back(sync::review_item_to_json(item));
        print_json(json::object{{"record", record},
                                {"entries", std::move(entries)},
                                {"review_items", std::move(out_items)}});
        return 0;
    }
    std::cout << "history of record " << record << "\n";
    for (const auto& r : rows) {
        const auto j = audit_format::timeline_entry_json(r);
        std::cout << "  #" << r.entry.seq << " " << format_time(r.entry.at_ms) << " (server) "
                  << r.entry.kind << " by " << who(r.entry);
        if (const auto* t = j.at("device_time_ms").if_int64()) {
            std::cout << ", made " << format_time(*t) << " (device clock)";
        }
        std::cout << "\n";
        print_fields(j.at("fields").as_object());
    }
    for (const auto& item : items) {
        std::cout << "  review item " << item.item << " (" << item.kind
                  << (item.field.empty() ? "" : " on " + item.field) << "): " << item.state;
        if (item.state != "open") {
            std::cout << ", " << item.decision << " by "
                      << (item.decided_by.empty() ? "-" : item.decided_by) << " on "
                      << format_time(item.decided_ms);
        }
        std::cout << "\n";
    }
    return 0;
}

int audit_log(const invocation& in) {
    store::history_query q;
    q.scope = scope_of(in);
    q.username = in.optional("user");
    q.device_id = in.optional("device");
    q.kind = in.optional("kind");
    q.record = in.optional("record");
    read_period(in, q);
    q.after = static_cast<std::uint64_t>(in.integer("after", 0, 0, INT64_MAX));
    q.limit = static_cast<std::size_t>(in.integer("limit", 100, 1, 10000));
    auto page = in.db().history(q);
    if (!page) fail(page.error());
    if (in.json()) {
        json::array entries;
        for (const auto& r : page->rows) entries.push_back(audit_format::entry_json(r));
        print_json(json::object{
            {"entries", std::move(entries)}, {"next", page->next}, {"more", page->more}});
        return 0;
    }
    if (page->rows.empty()) {
        std::cout << "no history entries match\n";
        return 0;
    }
    table t({"SEQ", "AT", "KIND", "USER", "DEVICE", "RECORD", "TYPE", "ORG", "FIELDS"});
    for (const auto& r : page->rows) {
        const auto& e = r.entry;
        std::string fields;
        if (const auto* f = e.detail.if_contains("fields"); f != nullptr && f->is_object()) {
            for (const auto& [name, change] : f->as_object()) {
                fields += (fields.empty() ? "" : " ") + std::string(name);
            }
        }
        const auto dash = [](const std::string& s) { return s.empty() ? std::string("-") : s; };
        t.add({std::to_string(e.seq), format_time(e.at_ms), e.kind, dash(e.username),
               dash(e.device_id), dash(e.record), dash(e.type), dash(e.org_unit), dash(fields)});
    }
    t.print(std::cout);
    if (page->more) std::cout << "more entries: add --after " << page->next << "\n";
    return 0;
}

int audit_export(const invocation& in) {
    const auto format_name = in.required("format");
    const auto parsed = audit_format::parse_export_format(format_name);
    if (!parsed)
        throw usage_error("audit export --format must be jsonl or csv, not \"" + format_name +
                          "\"");
    const auto format = *parsed;
    store::history_query q;
    q.scope = scope_of(in);
    read_period(in, q);

    const auto out_path = in.optional("out");
    std::ofstream file;
    if (out_path) {
        file.open(*out_path, std::ios::binary | std::ios::trunc);
        if (!file) fail(sync::errc::internal, "cannot write " + *out_path);
    }
    std::ostream& out = out_path ? static_cast<std::ostream&>(file) : std::cout;
    auto written = audit_format::export_history(in.db(), q, format,
                                                [&](std::string_view text) { out << text; });
    if (!written) {
        if (out_path) {
            file.close();
            std::filesystem::remove(*out_path);
        }
        fail(written.error());
    }
    out.flush();
    if (!out) fail(sync::errc::internal, "writing the export failed");
    if (out_path) {
        std::cerr << "sotay-admin: " << *written << " entries written to " << *out_path << "\n";
    }
    return 0;
}

}  // namespace sotay::admin
