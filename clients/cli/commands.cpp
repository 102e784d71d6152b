#include "commands.hpp"

#include "review_view.hpp"
#include "text.hpp"

#include <sotay/sdk/device.hpp>
#include <sotay/sdk/enroll.hpp>
#include <sotay/sdk/json.hpp>

#include <boost/json.hpp>

#include <unistd.h>

#include <climits>
#include <ctime>
#include <filesystem>
#include <functional>
#include <map>

namespace sotay::cli {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

constexpr const char* db_file = "device.db";

// The `error` member of a --json failure: the SDK's error kind, stable for scripts.
const char* kind_name(sdk::error_kind k) {
    switch (k) {
        case sdk::error_kind::not_configured:
            return "not_configured";
        case sdk::error_kind::invalid_argument:
            return "invalid_argument";
        case sdk::error_kind::not_found:
            return "not_found";
        case sdk::error_kind::deleted:
            return "deleted";
        case sdk::error_kind::unreachable:
            return "unreachable";
        case sdk::error_kind::refused:
            return "refused";
        case sdk::error_kind::missing_changes:
            return "missing_changes";
        case sdk::error_kind::protocol:
            return "protocol";
        case sdk::error_kind::busy:
            return "busy";
        case sdk::error_kind::validation:
            return "validation";
    }
    return "error";
}

// A record as `show --json` and `list --json` print it: every field as pulled, the
// server's own (`_merged_into`) included.
json::object record_json(const sdk::record_view& r) {
    json::object o{{"record", r.id},
                   {"type", r.type},
                   {"org_unit", r.org_unit},
                   {"version", r.version},
                   {"deleted", r.deleted},
                   {"pending", r.pending},
                   {"fields", sdk::to_json(r.fields)}};
    if (const auto survivor = r.merged_into(); !survivor.empty()) {
        o["merged_into"] = survivor;
    }
    return o;
}

// Fields the server writes itself begin with '_'; the human output says what they mean
// (`merged into ...`) instead of listing them.
bool reserved(const std::string& field) { return !field.empty() && field.front() == '_'; }

// The command being run, with what every command needs.
class session {
public:
    session(const arguments& args, std::ostream& out, std::ostream& err)
        : args_(args), out_(out), err_(err) {}

    int run() {
        static const std::map<std::string, int (session::*)()> commands = {
            {"enroll", &session::enroll}, {"init", &session::init}, {"add", &session::add},
            {"edit", &session::edit},     {"delete", &session::remove},
            {"show", &session::show},     {"list", &session::list}, {"sync", &session::sync},
            {"status", &session::status}, {"conflicts", &session::conflicts},
        };
        try {
            return (this->*commands.at(args_.command))();
        } catch (const sdk::error& e) {
            return failed(e);
        }
    }

private:
    // Opens the replica; every command but init needs one that exists.
    sdk::device& open(bool create) {
        const fs::path path = args_.data_dir / db_file;
        if (!create && !fs::exists(path)) {
            throw sdk::error(sdk::error_kind::not_configured,
                             "no device is set up in " + args_.data_dir.string() +
                                 "; run `sotay enroll --url wss://HOST:PORT/sync --code CODE` "
                                 "first");
        }
        if (create) {
            fs::create_directories(args_.data_dir);
        }
        sdk::options opts;
        opts.check_schema = !args_.no_check;
        device_.emplace(path, std::move(opts));
        return *device_;
    }

    std::string option(const std::string& name, bool required = true) const {
        const auto it = args_.options.find(name);
        if (it == args_.options.end()) {
            if (required) {
                throw usage_error(args_.command + " needs --" + name);
            }
            return {};
        }
        return it->second;
    }

    sync::field_map fields() const {
        sync::field_map m;
        for (const auto& [k, v] : args_.sets) {
            m.insert_or_assign(k, v);  // the last --set of a name counts
        }
        return m;
    }

    void print(const json::value& v) { out_ << json::serialize(v) << "\n"; }

    // Exit 1 with the reason; a failed sync also says how many changes wait in the
    // outbox, so the officer knows the work is safe.
    int failed(const sdk::error& e) {
        const bool sync_failure = !e.url.empty() && args_.command == "sync";
        const bool revoked = sync_failure && e.server_code == sync::errc::device_revoked;
        if (revoked) {
            // No later sync of this replica will work: say so, and what to do instead.
            err_ << "sotay: this device was revoked by an administrator; it can no longer sync "
                    "with "
                 << e.url << "\nsotay: (" << e.what() << ")\nsotay: ";
            if (e.pending > 0) {
                err_ << plural(e.pending, "unsent change stays", "unsent changes stay") << " in "
                     << args_.data_dir.string() << "; keep it. ";
            }
            err_ << "Ask your administrator for a new enrollment code and set up again in a new "
                    "data directory: `sotay --data NEW_DIR enroll --url "
                 << e.url << " --code CODE`\n";
        } else if (e.violations.empty()) {
            err_ << "sotay: " << e.what() << "\n";
        } else {
            // One line per broken rule and language, the field first: what to fix.
            err_ << "sotay: not recorded, the record does not fit the schema:\n";
            for (const auto& v : e.violations) {
                err_ << "  " << (v.field.empty() ? "-" : v.field) << ": " << v.message_vi
                     << "\n  " << (v.field.empty() ? "-" : v.field) << ": " << v.message_en
                     << "\n";
            }
        }
        if (e.server_code == sync::errc::scope_changed && sync_failure) {
            err_ << "sotay: your org unit or the org tree changed twice during this sync; run "
                    "`sotay sync` again\n";
        }
        if (sync_failure && !revoked) {
            if (e.pending > 0) {
                err_ << "sotay: " << plural(e.pending, "change is", "changes are")
                     << " kept on this device and will be sent by the next `sotay sync`\n";
            } else {
                err_ << "sotay: nothing is waiting to be sent; run `sotay sync` again later\n";
            }
        }
        if (args_.json) {
            json::object o{{"ok", false}, {"error", kind_name(e.kind())}, {"message", e.what()}};
            if (!e.url.empty()) {
                o["url"] = e.url;
            }
            if (sync_failure) {
                o["pending"] = e.pending;
            }
            if (e.server_code) {
                o["code"] = sync::to_code(*e.server_code);
            }
            if (!e.violations.empty()) {
                json::array list;
                for (const auto& v : e.violations) {
                    list.push_back(json::object{{"field", v.field},
                                                {"code", v.code},
                                                {"message_vi", v.message_vi},
                                                {"message_en", v.message_en}});
                }
                o["violations"] = std::move(list);
            }
            print(o);
        }
        return 1;
    }

    // --format: the wire format, binary unless asked.
    sync::wire_format format_option() const {
        const std::string format = option("format", false);
        if (format == "json") {
            return sync::wire_format::json;
        }
        if (format.empty() || format == "bin") {
            return sync::wire_format::binary;
        }
        throw usage_error("--format is bin or json, not '" + format + "'");
    }

    // --ca-file, made absolute: later commands may run from another directory.
    std::string ca_file_option() const {
        const std::string file = option("ca-file", false);
        return file.empty() ? file : fs::absolute(file).string();
    }

    // What init and enroll print after the settings are stored.
    json::object settings_json(const sdk::device_settings& s) const {
        json::object o{{"ok", true},
                       {"device_id", s.device_id},
                       {"url", s.url},
                       {"format", s.format == sync::wire_format::json ? "json" : "bin"},
                       {"data", args_.data_dir.string()}};
        if (!s.ca_file.empty()) {
            o["ca_file"] = s.ca_file;
        }
        return o;
    }

    void print_setup(const sdk::device_settings& s) {
        out_ << "server " << s.url << " ("
             << (s.format == sync::wire_format::json ? "JSON" : "binary") << ")"
             << (s.ca_file.empty() ? "" : ", trusting " + s.ca_file) << "; data in "
             << args_.data_dir.string() << "\n"
             << "run `sotay sync` once online: it fetches the schema that checks records at "
                "entry\n";
    }

    // init: validates and stores the settings (the SDK refuses a URL it cannot use and
    // a data directory that belongs to another device).
    int init() {
        sdk::device_settings s;
        s.url = option("url");
        s.device_id = option("device-id");
        s.token = option("token");
        s.format = format_option();
        s.ca_file = ca_file_option();
        open(true).configure(s);
        if (args_.json) {
            print(settings_json(s));
        } else {
            out_ << "device " << s.device_id << " set up\n";
            print_setup(s);
        }
        return 0;
    }

    // enroll: the code for credentials (sdk::enroll), then the settings stored as init
    // stores them. A data directory already set up is refused before the code is sent:
    // a code works once, and the replica belongs to the device it was set up for.
    int enroll() {
        sdk::enroll_request r;
        r.url = option("url");
        r.code = option("code");
        r.device_name = option("name", false);
        if (r.device_name.empty()) {
            r.device_name = default_device_name();
        }
        r.format = format_option();
        r.ca_file = ca_file_option();
        // The replica is made only once the code was accepted: a refused code leaves the
        // data directory as it was.
        if (fs::exists(args_.data_dir / db_file)) {
            if (const auto current = open(false).settings()) {
                throw sdk::error(sdk::error_kind::invalid_argument,
                                 args_.data_dir.string() + " is already set up for device " +
                                     current->device_id + " (" + current->url +
                                     "); enroll in another data directory (--data DIR)");
            }
        }
        const auto enrolled = sdk::enroll(r);
        open(true).configure(enrolled.settings);
        const auto& u = enrolled.user;
        if (args_.json) {
            auto o = settings_json(enrolled.settings);
            o["user"] = json::object{{"username", u.username},
                                     {"display_name", u.display_name},
                                     {"role", u.role},
                                     {"org_unit", u.org_unit}};
            print(o);
        } else {
            out_ << "device " << enrolled.settings.device_id << " enrolled for "
                 << (u.display_name.empty() ? u.username : u.display_name) << " (" << u.username
                 << ", " << u.role << "); it sees and records org unit " << u.org_unit
                 << " and the units below it\n";
            print_setup(enrolled.settings);
        }
        return 0;
    }

    // "sotay CLI on HOST": what an administrator sees in the device list.
    static std::string default_device_name() {
        char host[HOST_NAME_MAX + 1] = {};
        if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') {
            return "sotay CLI";
        }
        return std::string("sotay CLI on ") + host;
    }

    // add: one new change; prints the id alone so scripts can capture it.
    // Before the first sync there is no schema to check against: say so rather than
    // let the officer believe the record was checked.
    void warn_if_unchecked(sdk::device& d) {
        if (!args_.no_check && d.status().schema_version == 0) {
            err_ << "note: this device has not fetched the schema yet, so this record was not "
                    "checked; the server will check it (run `sotay sync` while online)\n";
        }
    }

    int add() {
        auto& d = open(false);
        const std::string& type = args_.words[0];
        const std::string org = option("org");
        auto values = fields();
        // Two officers, or one officer twice, entering the same real thing offline is the
        // commonest duplicate: say so before it is recorded, not after the district finds it.
        if (const auto same = d.same_natural_key(type, org, values); !same.empty()) {
            std::string ids;
            for (const auto& r : same) ids += (ids.empty() ? "" : ", ") + r.id;
            if (!args_.allow_duplicate) {
                throw sdk::error(sdk::error_kind::invalid_argument,
                                 "this " + type + " looks like one already on this device (" +
                                     ids + "): the same natural key. Check it with `sotay show " +
                                     same.front().id +
                                     "`; if it is really another one, add --allow-duplicate");
            }
            err_ << "note: recorded although " << ids
                 << " has the same natural key; the district will review it\n";
        }
        const std::string id = d.create(type, org, std::move(values));
        warn_if_unchecked(d);
        if (args_.json) {
            print(json::object{{"ok", true}, {"record", id}});
        } else {
            out_ << id << "\n";  // only the id: `ID=$(sotay add ...)` works
        }
        return 0;
    }

    // edit / delete: one new change each, based on the confirmed version.
    int edit() {
        auto& d = open(false);
        const std::string& id = args_.words[0];
        const std::string org = option("org", false);
        d.edit(id, fields(), org.empty() ? std::nullopt : std::optional<std::string>(org));
        warn_if_unchecked(d);
        return changed(d, id, "edited");
    }

    int remove() {
        auto& d = open(false);
        const std::string& id = args_.words[0];
        d.remove(id);
        return changed(d, id, "deleted");
    }

    // The answer to edit and delete: how much waits to be synced.
    int changed(sdk::device& d, const std::string& id, const char* what) {
        const auto pending = d.status().pending;
        if (args_.json) {
            print(json::object{{"ok", true}, {"record", id}, {"pending", pending}});
        } else {
            out_ << what << " " << id << " (" << plural(pending, "change", "changes")
                 << " waiting to sync)\n";
        }
        return 0;
    }

    // show: the local view of one record, pending changes applied, with the review items
    // about it; a merged-away duplicate also shows the record that survived.
    int show() {
        const std::string& id = args_.words[0];
        auto& d = open(false);
        const auto r = d.get(id);
        if (!r) {
            throw sdk::error(sdk::error_kind::not_found, "no record " + id + " on this device");
        }
        const auto items = d.review_items(id);
        const std::string merged = r->merged_into();
        const std::string survivor_id = merged.empty() ? std::string() : d.follow_merged(id);
        const auto survivor = merged.empty() ? std::nullopt : d.get(survivor_id);
        if (args_.json) {
            auto o = record_json(*r);
            json::array review;
            for (const auto& item : items) {
                review.push_back(review_item_json(item));
            }
            o["review"] = std::move(review);
            if (!merged.empty()) {
                o["survivor_id"] = survivor_id;
                o["survivor"] = survivor ? json::value(record_json(*survivor)) : nullptr;
            }
            print(o);
            return 0;
        }
        print_record(*r);
        print_review_of_record(items);
        if (!merged.empty()) {
            // Where the officer should look now: the survivor holds the merged fields.
            out_ << "merged into " << merged;
            if (survivor_id != merged) {
                out_ << ", then into " << survivor_id;
            }
            if (survivor) {
                out_ << "; the record that survived:\n";
                print_record(*survivor);
            } else {
                out_ << ", which is not on this device\n";
            }
        }
        return 0;
    }

    // The lines of `show` for one record.
    void print_record(const sdk::record_view& r) {
        out_ << "record    " << r.id << "\ntype      " << r.type << "\norg unit  " << r.org_unit
             << "\nversion   " << r.version << "\nstate     ";
        if (const auto survivor = r.merged_into(); !survivor.empty()) {
            out_ << "merged into " << survivor << " (a duplicate)";
        } else if (r.deleted) {
            out_ << "deleted";
        } else if (r.pending > 0) {
            out_ << plural(r.pending, "local change", "local changes") << " not yet synced";
        } else {
            out_ << "synced";
        }
        out_ << "\n";
        for (const auto& [name, v] : r.fields) {
            if (!reserved(name)) {
                out_ << "  " << name << ": " << value_text(v) << "\n";
            }
        }
    }

    // Open items in full (both sides, who, when); decided ones as their decision.
    void print_review_of_record(const std::vector<sdk::review_item>& items) {
        if (items.empty()) {
            return;
        }
        std::size_t open_items = 0;
        for (const auto& item : items) {
            open_items += item.state == "open" ? 1 : 0;
        }
        out_ << "review    " << open_items << " open, " << items.size() - open_items
             << " decided\n";
        const auto& me = device_id();
        for (const auto& item : items) {
            if (item.state == "open") {
                print_review_item(out_, item, me);
            }
        }
        for (const auto& item : items) {
            if (item.state != "open") {
                out_ << "item " << item.item << ": " << review_decision_text(item) << "\n";
            }
        }
    }

    // This device's id, to mark the sides it made; empty before setup.
    const std::string& device_id() {
        if (!device_id_) {
            const auto s = device_->settings();
            device_id_ = s ? s->device_id : std::string();
        }
        return *device_id_;
    }

    // conflicts: the review items on this device's records, open ones (or, with --all,
    // every one), oldest first.
    int conflicts() {
        auto& d = open(false);
        const std::string format = option("format", false);
        if (!format.empty() && format != "text" && format != "json") {
            throw usage_error("--format is text or json, not '" + format + "'");
        }
        const auto items = args_.all ? d.held_review_items() : d.open_review_items();
        if (args_.json || format == "json") {
            json::array a;
            for (const auto& item : items) {
                a.push_back(review_item_json(item));
            }
            print(a);
            return 0;
        }
        if (items.empty()) {
            err_ << (args_.all ? "no review items" : "no open review items")
                 << " on this device's records";
            if (!d.status().last_sync_ms) {
                err_ << " (none fetched yet: run `sotay sync` while online)";
            }
            err_ << "\n";
            return 0;
        }
        std::size_t open_items = 0;
        for (const auto& item : items) {
            open_items += item.state == "open" ? 1 : 0;
        }
        out_ << plural(open_items, "open review item", "open review items");
        if (args_.all) {
            out_ << ", " << items.size() - open_items << " decided";
        }
        out_ << " on this device's records\n";
        const auto& me = device_id();
        for (const auto& item : items) {
            out_ << "\n";
            print_review_item(out_, item, me);
        }
        return 0;
    }

    // list: one line per live record, oldest first; deleted records are left out.
    int list() {
        const std::string type = option("type", false);
        const auto records =
            open(false).list(type.empty() ? std::nullopt : std::optional<std::string>(type));
        if (args_.json) {
            json::array a;
            for (const auto& r : records) {
                a.push_back(record_json(r));
            }
            print(a);
            return 0;
        }
        for (const auto& r : records) {
            out_ << r.id << "  " << r.type << "  " << r.org_unit << "  v" << r.version;
            if (r.pending > 0) {
                out_ << "  (" << r.pending << " pending)";
            }
            std::string summary;
            for (const auto& [name, v] : r.fields) {
                if (!reserved(name)) {
                    summary += (summary.empty() ? "" : ", ") + name + "=" + value_text(v);
                }
            }
            // 80 bytes: one terminal line with the columns before it, more is noise.
            constexpr std::size_t max_summary = 80;
            if (summary.size() > max_summary) {
                summary.resize(max_summary);
                // Do not cut a UTF-8 sequence in half: drop its continuation bytes, then
                // its lead byte.
                const auto byte = [&] { return static_cast<unsigned char>(summary.back()); };
                while (!summary.empty() && (byte() & 0xC0) == 0x80) {
                    summary.pop_back();
                }
                if (!summary.empty() && (byte() & 0x80) != 0) {
                    summary.pop_back();
                }
                summary += "...";
            }
            out_ << "  " << summary << "\n";
        }
        if (records.empty()) {
            err_ << "no records on this device\n";
        }
        return 0;
    }

    // sync: progress on stderr (redrawn on a terminal), the report on stdout.
    int sync() {
        auto& d = open(false);
        const bool tty = ::isatty(STDERR_FILENO) == 1;
        std::string last_line;
        const auto progress = [&](const sdk::sync_progress& p) {
            std::string line = "sync: ";
            switch (p.phase) {
                case sdk::sync_phase::connecting:
                    line += "connecting";
                    break;
                case sdk::sync_phase::pushing:
                    line += "sent " + std::to_string(p.sent) + "/" + std::to_string(p.to_send) +
                            " changes";
                    break;
                case sdk::sync_phase::pulling:
                case sdk::sync_phase::done:
                    line += "sent " + std::to_string(p.sent) + "/" + std::to_string(p.to_send) +
                            " changes, received " + plural(p.received, "record", "records");
                    break;
            }
            if (line == last_line) {
                return;
            }
            last_line = line;
            // A terminal gets one line redrawn in place; a log gets one line per step.
            if (tty) {
                err_ << "\r\033[K" << line << std::flush;
            } else {
                err_ << line << "\n";
            }
        };
        sdk::sync_report r;
        try {
            r = d.sync(progress);
        } catch (...) {
            if (tty && !last_line.empty()) {
                err_ << "\n";
            }
            throw;
        }
        if (tty) {
            err_ << "\n";
        }
        if (args_.json) {
            print(json::object{{"ok", true},
                               {"sent", r.sent},
                               {"applied", r.applied},
                               {"duplicate", r.duplicate},
                               {"rejected", r.rejected},
                               {"conflicts", r.conflicts},
                               {"received", r.received},
                               {"evicted", r.evicted},
                               {"server_restored", r.server_restored},
                               {"clock_correction_ms", r.clock_correction_ms},
                               {"purged", r.purged},
                               {"scope_changed", r.scope_changed},
                               {"review_received", r.review_received},
                               {"review_skipped", r.review_skipped
                                                      ? json::value(*r.review_skipped)
                                                      : json::value(nullptr)},
                               {"open_review_items", d.status().open_review_items}});
            return 0;
        }
        out_ << "synced with " << d.settings()->url << ": sent "
             << plural(r.sent, "change", "changes");
        if (r.sent > 0) {
            out_ << " (" << r.applied << " applied, " << r.duplicate << " already held, "
                 << r.rejected << " rejected)";
        }
        out_ << ", received " << plural(r.received, "record", "records") << "\n";
        if (r.conflicts > 0) {
            out_ << plural(r.conflicts, "new conflict", "new conflicts")
                 << " reported; see `sotay status`\n";
        }
        if (r.rejected > 0) {
            out_ << plural(r.rejected, "change was", "changes were")
                 << " rejected by the server; see `sotay status`\n";
        }
        if (r.scope_changed) {
            out_ << "your org unit or the org tree changed during this sync; reconnected";
            if (r.evicted > 0) {
                out_ << ", and " << plural(r.evicted, "record that is", "records that are")
                     << " no longer yours left this device";
            }
            out_ << "\n";
        }
        if (r.server_restored) {
            out_ << "the server had been restored from a backup: this device sent its changes "
                    "again\n";
        }
        if (r.clock_correction_ms != 0) {
            out_ << "this device's clock was " << (r.clock_correction_ms > 0 ? "behind" : "ahead")
                 << " the server's by " << std::llabs(r.clock_correction_ms) / 1000
                 << " s; corrected\n";
        }
        if (r.review_skipped) {
            out_ << "review items were not fetched (" << *r.review_skipped
                 << "); the server may be older than the review queue\n";
        } else if (r.review_received > 0) {
            const auto open_items = d.status().open_review_items;
            out_ << "review: " << plural(r.review_received, "item", "items")
                 << " new or decided; " << open_items << " open on this device's records"
                 << (open_items > 0 ? ", see `sotay conflicts`" : "") << "\n";
        }
        return 0;
    }

    // status: what waits, when the last sync was, what the server reported back.
    int status() {
        auto& d = open(false);
        const auto st = d.status();
        const auto conflicts = d.conflicts();
        const auto rejected = d.rejected();
        if (args_.json) {
            json::array cs;
            for (const auto& c : conflicts) {
                cs.push_back(json::object{{"seq", c.seq},
                                          {"id", c.server_id},
                                          {"record", c.record},
                                          {"field", c.field},
                                          {"outcome", c.outcome},
                                          {"kept", sdk::to_json(c.kept)},
                                          {"yours", sdk::to_json(c.yours)},
                                          {"when_ms", c.when_ms}});
            }
            json::array rs;
            for (const auto& r : rejected) {
                json::object o{{"seq", r.seq},
                               {"record", r.record},
                               {"code", sync::to_code(r.error.code)},
                               {"message", r.error.message}};
                if (r.error.field) {
                    o["field"] = *r.error.field;
                }
                rs.push_back(std::move(o));
            }
            const auto opt = [](const auto& v) -> json::value {
                if (v) {
                    return json::value_from(*v);
                }
                return nullptr;
            };
            print(json::object{
                {"ok", true},
                {"device_id", st.settings ? st.settings->device_id : ""},
                {"url", st.settings ? st.settings->url : ""},
                {"format", st.settings && st.settings->format == sync::wire_format::json ? "json"
                                                                                          : "bin"},
                {"ca_file", st.settings ? st.settings->ca_file : ""},
                {"pending", st.pending},
                {"kept", st.kept},
                {"last_seq_made", st.last_seq_made},
                {"acked_seq", st.acked_seq},
                {"last_sync_ms", opt(st.last_sync_ms)},
                {"last_attempt_ms", opt(st.last_attempt_ms)},
                {"last_error", opt(st.last_error)},
                {"clock_offset_ms", st.clock_offset_ms},
                {"schema_version", st.schema_version},
                {"open_review_items", st.open_review_items},
                {"review_cursor", st.review_cursor},
                {"conflicts", std::move(cs)},
                {"rejected", std::move(rs)}});
            return 0;
        }
        if (st.settings) {
            out_ << "device      " << st.settings->device_id << "\nserver      "
                 << st.settings->url << " ("
                 << (st.settings->format == sync::wire_format::json ? "JSON" : "binary") << ")\n";
            if (!st.settings->ca_file.empty()) {
                out_ << "trusting    " << st.settings->ca_file << "\n";
            }
        }
        out_ << "pending     " << plural(st.pending, "change", "changes") << " not yet sent\n";
        out_ << "last sync   " << (st.last_sync_ms ? iso_time(*st.last_sync_ms) : "never") << "\n";
        if (st.last_error) {
            out_ << "last try    " << iso_time(st.last_attempt_ms.value_or(0))
                 << " failed: " << *st.last_error << "\n";
        }
        if (st.clock_offset_ms != 0) {
            out_ << "clock       corrected by " << st.clock_offset_ms << " ms\n";
        }
        out_ << "conflicts   " << conflicts.size() << " reported\n";
        for (const auto& c : conflicts) {
            out_ << "  change " << c.seq << ", record " << c.record << ", " << c.field << ": "
                 << (c.outcome == "won" ? "your value was kept" : "your value lost")
                 << " (kept " << value_text(c.kept) << ", yours " << value_text(c.yours)
                 << ")\n";
        }
        out_ << "review      " << plural(st.open_review_items, "open item", "open items")
             << " on this device's records"
             << (st.open_review_items > 0 ? " (`sotay conflicts`)" : "") << "\n";
        out_ << "rejected    " << rejected.size() << "\n";
        for (const auto& r : rejected) {
            out_ << "  change " << r.seq << ", record " << r.record << ": "
                 << sync::to_code(r.error.code) << ": " << r.error.message << "\n";
        }
        return 0;
    }

    const arguments& args_;
    std::ostream& out_;
    std::ostream& err_;
    std::optional<sdk::device> device_;
    std::optional<std::string> device_id_;
};

}  // namespace

int run_command(const arguments& args, std::ostream& out, std::ostream& err) {
    return session(args, out, err).run();
}

}  // namespace sotay::cli
