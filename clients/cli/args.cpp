#include "args.hpp"

#include <sotay/sdk/json.hpp>

#include <boost/json/parse.hpp>

#include <set>

namespace sotay::cli {

const char* const usage_text = R"(usage: sotay [--data DIR] [--json] COMMAND ...

  enroll --url wss://HOST:PORT/sync --code CODE [--name DEVICE_NAME] [--ca-file PEM]
         [--format bin|json]
                              set up this device with an enrollment code from an
                              administrator; prints the user and org unit it acts for
  init --url wss://HOST:PORT/sync --device-id ID --token TOKEN [--ca-file PEM]
       [--format bin|json]    set up this device with a device id and token
  add TYPE --org UNIT [--set k=v ...] [--no-check] [--allow-duplicate]
                              record something; prints the new record's id
  edit ID [--org UNIT] --set k=v ... [--no-check]
                              change fields (k=null clears one)
  delete ID                               delete a record
  show ID                                 one record, as this device sees it, with its
                                          review items; a merged-away duplicate shows
                                          the record it was merged into
  list [--type TYPE]                      every record on this device
  sync                                    send local changes, receive the server's
  status                                  pending changes, last sync, conflicts
  conflicts [--all] [--format text|json]  the district's review items open on this
                                          device's records: both sides, who and when;
                                          --all adds the decided ones with the decision

Values: v is read as JSON when it is a JSON number, true, false, null or a "quoted"
string; anything else is taken as text (--set summary=Đơn thư). Quote digits that are
text: --set 'id_number="001203004567"'.
Checks: add, edit and delete are checked against the schema the server sent at the last
sync; a record that does not fit is refused with the field and the reason, and nothing
is recorded. --no-check records without checking (the server still checks).
Duplicates: add refuses a record whose natural key (schema.md: a petition's petitioner,
date and kind, a member's ID number, ...) equals one already on this device, naming it;
--allow-duplicate records it anyway (the district reviews duplicates).
Review: `sync` also fetches the review items on this device's records (edits that met
on the server, a delete that met an edit, duplicates) and how the district settled them.
Servers: wss:// is TLS, the server's certificate checked against the host name in the
URL; --ca-file PEM trusts a private CA or a self-signed certificate instead of the
system's. ws:// (no TLS) is for a trusted network only.
Data: --data DIR, else $SOTAY_HOME, else ~/.sotay.
Exit codes: 0 done, 1 failed (the reason is printed), 2 bad usage.
)";

namespace {

// The options each command accepts (besides --set, handled apart) and how many
// positional words it takes.
struct command_shape {
    std::set<std::string> options;
    std::size_t words = 0;
    bool takes_set = false;
};

const std::map<std::string, command_shape>& shapes() {
    static const std::map<std::string, command_shape> s = {
        {"enroll", {{"url", "code", "name", "ca-file", "format"}, 0, false}},
        {"init", {{"url", "device-id", "token", "ca-file", "format"}, 0, false}},
        {"add", {{"org"}, 1, true}},
        {"edit", {{"org"}, 1, true}},
        {"delete", {{}, 1, false}},
        {"show", {{}, 1, false}},
        {"list", {{"type"}, 0, false}},
        {"sync", {{}, 0, false}},
        {"status", {{}, 0, false}},
        {"conflicts", {{"format"}, 0, false}},
    };
    return s;
}

}  // namespace

std::pair<std::string, sync::value> parse_assignment(const std::string& text) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0) {
        throw usage_error("--set needs NAME=VALUE, got '" + text + "'");
    }
    std::string name = text.substr(0, eq);
    const std::string raw = text.substr(eq + 1);
    boost::system::error_code ec;
    const auto j = boost::json::parse(raw, ec);
    if (!ec) {
        if (auto v = sdk::value_from_json(j)) {
            return {std::move(name), std::move(*v)};
        }
    }
    return {std::move(name), sync::value{raw}};
}

// Two passes: global options are taken out wherever they stand, then the rest is read
// against the command's shape, so that `sotay sync --json` and `sotay --json sync` agree.
arguments parse_arguments(const std::vector<std::string>& argv, const std::string& home,
                          const std::string& sotay_home) {
    arguments a;
    std::optional<std::string> data;
    std::vector<std::string> rest;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string& w = argv[i];
        if (w == "--json") {
            a.json = true;
        } else if (w == "--help" || w == "-h") {
            a.help = true;
        } else if (w == "--data") {
            if (i + 1 >= argv.size()) {
                throw usage_error("--data needs a directory");
            }
            data = argv[++i];
        } else {
            rest.push_back(w);
        }
    }
    // The data directory, in order of precedence.
    if (data) {
        a.data_dir = *data;
    } else if (!sotay_home.empty()) {
        a.data_dir = sotay_home;
    } else if (!home.empty()) {
        a.data_dir = std::filesystem::path(home) / ".sotay";
    } else if (!a.help) {
        throw usage_error("no data directory: pass --data DIR or set SOTAY_HOME");
    }
    if (a.help) {
        return a;
    }
    if (rest.empty()) {
        throw usage_error("no command given");
    }
    a.command = rest.front();
    const auto shape = shapes().find(a.command);
    if (shape == shapes().end()) {
        throw usage_error("unknown command '" + a.command + "'");
    }
    // Every option takes one value; --set may repeat, others may not.
    for (std::size_t i = 1; i < rest.size(); ++i) {
        const std::string& w = rest[i];
        if (!w.starts_with("--")) {
            a.words.push_back(w);
            continue;
        }
        const std::string name = w.substr(2);
        if (name == "no-check" && (a.command == "add" || a.command == "edit")) {
            a.no_check = true;  // options without a value
            continue;
        }
        if (name == "allow-duplicate" && a.command == "add") {
            a.allow_duplicate = true;
            continue;
        }
        if (name == "all" && a.command == "conflicts") {
            a.all = true;
            continue;
        }
        if (i + 1 >= rest.size()) {
            throw usage_error(w + " needs a value");
        }
        const std::string& value = rest[++i];
        if (name == "set" && shape->second.takes_set) {
            a.sets.push_back(parse_assignment(value));
        } else if (shape->second.options.contains(name)) {
            if (!a.options.emplace(name, value).second) {
                throw usage_error(w + " given twice");
            }
        } else {
            throw usage_error(a.command + " has no option " + w);
        }
    }
    if (a.words.size() != shape->second.words) {
        throw usage_error(a.command + " takes " + std::to_string(shape->second.words) +
                          (shape->second.words == 1 ? " argument" : " arguments") + ", got " +
                          std::to_string(a.words.size()));
    }
    return a;
}

}  // namespace sotay::cli
