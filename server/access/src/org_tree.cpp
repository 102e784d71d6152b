// The org tree: reading an import file (CSV), checking it against the tree (merge), and
// answering scope questions from memory.
#include <algorithm>
#include <array>
#include <cstdint>
#include <sotay/access/org_tree.hpp>
#include <sotay/schema/schema.hpp>

namespace sotay::access {
namespace {

// Limits of an import, checked before anything is allocated for it. A province has some
// thousands of units; these leave ample room and still bound the memory one import takes.
constexpr std::size_t max_file_bytes = 16 * 1024 * 1024;
constexpr std::size_t max_rows = 200'000;

// What a unit's text fields may hold (org_unit's comments).
constexpr std::size_t max_code_bytes = 64;
constexpr std::size_t max_name_bytes = 200;
// Level names are short words ("Xã", "Chi bộ"); the same bound as names is generous.
constexpr std::size_t max_level_bytes = 200;

constexpr std::string_view bom = "\xEF\xBB\xBF";

// The four columns of an import, in the order org_row's fields are filled.
enum column : std::size_t { col_code = 0, col_name, col_parent, col_level, col_count };
constexpr std::array<std::string_view, col_count> column_names = {"code", "name", "parent_code",
                                                                  "level_name"};
constexpr std::string_view header_hint =
    "the first line must be the header code,name,parent_code,level_name";

bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    return s;
}

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

// A value from the file, quoted for a message: cut to a readable length, and with bytes
// that are not UTF-8 written as \xNN so that the message itself stays valid text.
std::string shown(std::string_view value) {
    constexpr std::size_t max_shown = 80;
    std::string out = "\"";
    if (schema::is_valid_utf8(value)) {
        if (value.size() <= max_shown) {
            out += value;
        } else {
            std::size_t cut = max_shown;
            while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;
            out += value.substr(0, cut);
            out += "...";
        }
    } else {
        constexpr std::string_view hex = "0123456789ABCDEF";
        for (std::size_t i = 0; i < value.size() && i < max_shown; ++i) {
            const auto b = static_cast<unsigned char>(value[i]);
            if (b >= 0x20 && b < 0x7F) {
                out += static_cast<char>(b);
            } else {
                out += "\\x";
                out += hex[b >> 4];
                out += hex[b & 0xF];
            }
        }
    }
    return out + "\"";
}

// The code a row_error carries: the row's own, when it is text at all.
std::string error_code_of(std::string_view code) {
    if (code.size() > max_code_bytes || !schema::is_valid_utf8(code)) return {};
    return std::string(code);
}

// ---------------------------------------------------------------------------------------
// CSV (RFC 4180), read one record at a time.

struct csv_record {
    std::vector<std::string> fields;
    std::size_t line = 0;  // where the record starts
    std::string problem;   // set when the record could not be read; fields are then partial
};

class csv_reader {
public:
    explicit csv_reader(std::string_view text) : text_(text) {}

    // Reads the next record into `out` (reusing its storage); false at the end of the text.
    bool next(csv_record& out) {
        if (pos_ >= text_.size()) return false;
        out.line = line_;
        out.problem.clear();
        std::size_t used = 0;  // fields filled; out.fields keeps its strings' capacity
        for (;;) {
            if (used == out.fields.size()) out.fields.emplace_back();
            std::string& field = out.fields[used++];
            field.clear();
            while (pos_ < text_.size() && is_blank(text_[pos_])) ++pos_;
            if (pos_ < text_.size() && text_[pos_] == '"') {
                if (!read_quoted(field, out)) break;
            } else {
                read_plain(field);
            }
            if (pos_ < text_.size() && text_[pos_] == ',') {
                ++pos_;
                continue;
            }
            end_line();
            break;
        }
        out.fields.resize(used);
        return true;
    }

private:
    // A field in double quotes, where "" stands for one quote and commas and line breaks
    // are text. False when the record cannot be read further (the problem is set).
    bool read_quoted(std::string& field, csv_record& rec) {
        const std::size_t start_line = line_;
        ++pos_;  // the opening quote
        for (;;) {
            const std::size_t q = text_.find('"', pos_);
            if (q == std::string_view::npos) {
                rec.problem = "a double quote that opens a field on line " +
                              std::to_string(start_line) +
                              " is never closed; add the closing quote";
                pos_ = text_.size();
                return false;
            }
            const std::string_view part = text_.substr(pos_, q - pos_);
            line_ += static_cast<std::size_t>(std::count(part.begin(), part.end(), '\n'));
            field.append(part);
            pos_ = q + 1;
            if (pos_ < text_.size() && text_[pos_] == '"') {
                field += '"';
                ++pos_;
                continue;
            }
            break;
        }
        field = std::string(trim(field));
        while (pos_ < text_.size() && is_blank(text_[pos_])) ++pos_;
        if (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\r' &&
            text_[pos_] != '\n') {
            rec.problem =
                "text follows the closing double quote of a field; put the whole field in "
                "double quotes and write a quote inside it as two (\"\")";
            skip_line();
            return false;
        }
        return true;
    }

    // A field without quotes: up to the next comma or line break, trimmed. A stray quote
    // inside it is kept as text, as spreadsheets do.
    void read_plain(std::string& field) {
        const std::size_t end = text_.find_first_of(",\r\n", pos_);
        const std::size_t stop = end == std::string_view::npos ? text_.size() : end;
        field.assign(trim(text_.substr(pos_, stop - pos_)));
        pos_ = stop;
    }

    // Consumes one line break (CRLF, LF or a lone CR) if there is one.
    void end_line() {
        if (pos_ >= text_.size()) return;
        if (text_[pos_] == '\r') ++pos_;
        if (pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
        ++line_;
    }

    void skip_line() {
        const std::size_t end = text_.find_first_of("\r\n", pos_);
        pos_ = end == std::string_view::npos ? text_.size() : end;
        end_line();
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;
};

// An empty line, or a row of empty cells that spreadsheets leave after the data.
bool is_empty_record(const csv_record& r) {
    if (!r.problem.empty()) return false;
    return std::all_of(r.fields.begin(), r.fields.end(),
                       [](const std::string& f) { return f.empty(); });
}

// Maps the header's columns to org_row's fields: position[i] = which column i is.
// Empty result and errors set when the header is not the expected one.
std::vector<column> read_header(const csv_record& h, std::vector<row_error>& errors) {
    const auto fail = [&](std::string message) {
        errors.push_back({h.line, "", std::move(message)});
    };
    if (!h.problem.empty()) {
        fail("the header cannot be read: " + h.problem);
        return {};
    }
    // Spreadsheets in many locales (Vietnamese included) save "CSV" with semicolons or
    // tabs; say so rather than list four missing columns.
    if (h.fields.size() == 1 && h.fields[0].find_first_of(";\t") != std::string::npos) {
        fail(
            "the columns are separated by semicolons or tabs, not commas; save the file as "
            "\"CSV UTF-8 (comma delimited)\"");
        return {};
    }
    std::vector<column> position;
    std::array<bool, col_count> seen{};
    for (const std::string& f : h.fields) {
        const std::string name = ascii_lower(f);
        const auto it = std::find(column_names.begin(), column_names.end(), name);
        if (it == column_names.end()) {
            fail("column " + shown(f) +
                 " in the header is not one of code, name, "
                 "parent_code, level_name; remove it or rename it");
            continue;
        }
        const auto c = static_cast<column>(it - column_names.begin());
        if (seen[c]) {
            fail("column " + std::string(column_names[c]) + " appears twice in the header");
            continue;
        }
        seen[c] = true;
        position.push_back(c);
    }
    std::string missing;
    for (std::size_t c = 0; c < col_count; ++c) {
        if (!seen[c]) missing += (missing.empty() ? "" : ", ") + std::string(column_names[c]);
    }
    if (!missing.empty()) {
        fail("the header has no column " + missing + "; " + std::string(header_hint));
    }
    if (!errors.empty()) return {};
    return position;
}

// ---------------------------------------------------------------------------------------
// Checks shared by merge.

std::string code_rule() {
    return "use 1 to 64 letters (A-Z, a-z), digits, dots, dashes or underscores";
}

// The problems of one text column (name or level_name), or nothing.
void check_text(std::string_view column_name, const std::string& value, std::size_t max_bytes,
                std::string_view example, std::vector<std::string>& problems) {
    if (value.empty()) {
        problems.push_back(std::string(column_name) + " is empty; give the unit's " +
                           std::string(example));
    } else if (!schema::is_valid_utf8(value)) {
        problems.push_back(std::string(column_name) +
                           " is not valid UTF-8 text; save the file as UTF-8");
    } else if (value.size() > max_bytes) {
        problems.push_back(std::string(column_name) + " is " + std::to_string(value.size()) +
                           " bytes long; the limit is " + std::to_string(max_bytes) + " bytes");
    }
}

// Marks the units of a parent map that lie on a cycle. parent[i] = position of the parent,
// -1 for a root or a parent that is not there. O(n): every unit is walked over once.
std::vector<bool> on_cycle(const std::vector<std::ptrdiff_t>& parent) {
    const std::size_t n = parent.size();
    constexpr std::size_t unvisited = 0;
    constexpr std::size_t done = 1;
    // 0 = not seen, 1 = finished, k + 2 = on the walk that started at unit k.
    std::vector<std::size_t> state(n, unvisited);
    std::vector<bool> cyclic(n, false);
    std::vector<std::size_t> walk;
    for (std::size_t start = 0; start < n; ++start) {
        if (state[start] != unvisited) continue;
        walk.clear();
        std::ptrdiff_t at = static_cast<std::ptrdiff_t>(start);
        while (at >= 0 && state[static_cast<std::size_t>(at)] == unvisited) {
            state[static_cast<std::size_t>(at)] = start + 2;
            walk.push_back(static_cast<std::size_t>(at));
            at = parent[static_cast<std::size_t>(at)];
        }
        // Came back to a unit of this same walk: it and those after it form a cycle.
        if (at >= 0 && state[static_cast<std::size_t>(at)] == start + 2) {
            const auto from = std::find(walk.begin(), walk.end(), static_cast<std::size_t>(at));
            for (auto it = from; it != walk.end(); ++it) cyclic[*it] = true;
        }
        for (const std::size_t u : walk) state[u] = done;
    }
    return cyclic;
}

}  // namespace

bool valid_org_code(std::string_view code) {
    if (code.empty() || code.size() > max_code_bytes) return false;
    return std::all_of(code.begin(), code.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == '-';
    });
}

csv_result parse_org_csv(std::string_view text) {
    csv_result out;
    const auto whole_file = [&](std::string message) {
        out.rows.clear();
        out.errors.assign(1, {0, "", std::move(message)});
        return out;
    };
    if (text.size() > max_file_bytes) {
        return whole_file("the file is " + std::to_string(text.size()) +
                          " bytes; the limit is 16 MiB (16777216 bytes): split it and import "
                          "the parts one after another, parents first");
    }
    if (text.starts_with(bom)) text.remove_prefix(bom.size());

    // First pass: count the rows, so that an oversized file is refused before the rows are
    // stored. The reader reuses one record, so this pass allocates almost nothing.
    csv_record rec;
    std::size_t records = 0;
    {
        csv_reader counter(text);
        while (counter.next(rec)) {
            if (!is_empty_record(rec)) ++records;
        }
    }
    if (records == 0) return whole_file("the file is empty; " + std::string(header_hint));
    if (records - 1 > max_rows) {
        return whole_file("the file has " + std::to_string(records - 1) +
                          " rows; the limit is 200000: split it and import the parts one "
                          "after another, parents first");
    }

    csv_reader reader(text);
    std::vector<column> position;
    bool have_header = false;
    while (reader.next(rec)) {
        if (is_empty_record(rec)) continue;
        if (!have_header) {
            have_header = true;
            position = read_header(rec, out.errors);
            if (position.empty()) return out;
            out.rows.reserve(records - 1);
            continue;
        }
        if (!rec.problem.empty()) {
            out.errors.push_back({rec.line, "", rec.problem});
            continue;
        }
        if (rec.fields.size() != position.size()) {
            out.errors.push_back(
                {rec.line, "",
                 "the row has " + std::to_string(rec.fields.size()) + " columns; the header has " +
                     std::to_string(position.size()) +
                     " (a comma inside a value needs the whole value in double quotes)"});
            continue;
        }
        org_row row;
        row.line = rec.line;
        std::array<std::string*, col_count> target = {&row.unit.code, &row.unit.name,
                                                      &row.unit.parent, &row.unit.level};
        bool text_ok = true;
        for (std::size_t i = 0; i < position.size(); ++i) {
            std::string& value = rec.fields[i];
            if (!schema::is_valid_utf8(value)) {
                text_ok = false;
                out.errors.push_back(
                    {rec.line, "",
                     std::string(column_names[position[i]]) +
                         " is not valid UTF-8 text; save the file as UTF-8 (\"CSV UTF-8\" in "
                         "a spreadsheet)"});
            }
            *target[position[i]] = std::move(value);
        }
        if (!text_ok) {
            // The code may still be readable and helps the person find the row.
            const std::string code = error_code_of(row.unit.code);
            for (auto it = out.errors.rbegin(); it != out.errors.rend() && it->line == rec.line;
                 ++it) {
                it->code = code;
            }
            continue;
        }
        // Phones and spreadsheets compose Vietnamese letters differently; store one form.
        row.unit.name = schema::to_nfc(row.unit.name);
        row.unit.level = schema::to_nfc(row.unit.level);
        out.rows.push_back(std::move(row));
    }
    return out;
}

std::optional<org_tree> org_tree::build(std::vector<org_unit> units,
                                        std::vector<row_error>* errors) {
    std::vector<row_error> found;
    const auto fail = [&](const std::string& code, std::string message) {
        found.push_back({0, code, std::move(message)});
    };

    org_tree t;
    t.units_ = std::move(units);
    std::sort(t.units_.begin(), t.units_.end(),
              [](const org_unit& a, const org_unit& b) { return a.code < b.code; });
    const std::size_t n = t.units_.size();
    t.index_.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        if (!t.index_.emplace(t.units_[i].code, i).second) {
            // Sorted, so the copies are neighbours: report each repeated code once.
            if (i < 2 || t.units_[i - 2].code != t.units_[i].code) {
                fail(t.units_[i].code,
                     "org unit " + shown(t.units_[i].code) + " appears more than once");
            }
        }
    }
    t.parent_.assign(n, -1);
    for (std::size_t i = 0; i < n; ++i) {
        const org_unit& u = t.units_[i];
        if (u.parent.empty()) continue;
        const auto it = t.index_.find(u.parent);
        if (it == t.index_.end()) {
            fail(u.code, "org unit " + shown(u.code) + " names parent_code " + shown(u.parent) +
                             ", which is not in the tree");
            continue;
        }
        t.parent_[i] = static_cast<std::ptrdiff_t>(it->second);
    }
    if (found.empty()) {
        const std::vector<bool> cyclic = on_cycle(t.parent_);
        for (std::size_t i = 0; i < n; ++i) {
            if (cyclic[i]) {
                fail(t.units_[i].code, "org unit " + shown(t.units_[i].code) +
                                           " is its own ancestor (a cycle of parents)");
            }
        }
    }
    if (!found.empty()) {
        if (errors) errors->insert(errors->end(), found.begin(), found.end());
        return std::nullopt;
    }
    // Units are in code order, so each parent's children come out in code order too.
    t.children_.assign(n, {});
    for (std::size_t i = 0; i < n; ++i) {
        if (t.parent_[i] >= 0) t.children_[static_cast<std::size_t>(t.parent_[i])].push_back(i);
    }
    return t;
}

org_tree::merge_result org_tree::merge(const std::vector<org_row>& rows) const {
    merge_result out;
    const auto fail = [&](const org_row& r, std::string message) {
        out.errors.push_back({r.line, error_code_of(r.unit.code), std::move(message)});
    };

    // The codes the rows bring, with the line each first appears on.
    std::unordered_map<std::string_view, std::size_t> row_of_code;
    row_of_code.reserve(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (valid_org_code(rows[i].unit.code)) row_of_code.emplace(rows[i].unit.code, i);
    }

    // The merged units: the tree's, then each usable row over them. A row with a bad
    // code, a repeated code or an unknown parent is left out; the others are used even
    // when their name or level is wrong, so that cycles through them are still found.
    std::vector<org_unit> merged = units_;
    std::unordered_map<std::string, std::size_t> merged_index = index_;
    std::vector<std::size_t> row_position(rows.size(), SIZE_MAX);  // row -> merged unit

    for (std::size_t i = 0; i < rows.size(); ++i) {
        const org_row& r = rows[i];
        org_unit u = r.unit;
        bool usable = true;

        if (u.code.empty()) {
            fail(r, "code is empty; every row needs the unit's code");
            usable = false;
        } else if (!valid_org_code(u.code)) {
            fail(r, "code " + shown(u.code) + " is not a valid code: " + code_rule());
            usable = false;
        } else if (const std::size_t first = row_of_code.at(u.code); first != i) {
            fail(r, "code " + shown(u.code) + " is also on line " +
                        std::to_string(rows[first].line) +
                        "; each unit may appear only once in a file");
            usable = false;
        }

        std::vector<std::string> problems;
        check_text("name", u.name, max_name_bytes, "name", problems);
        check_text("level_name", u.level, max_level_bytes, "level, e.g. \"Xã\"", problems);
        for (std::string& p : problems) fail(r, std::move(p));
        if (problems.empty()) {
            u.name = schema::to_nfc(u.name);
            u.level = schema::to_nfc(u.level);
        }

        if (!u.parent.empty()) {
            if (!valid_org_code(u.parent)) {
                fail(r, "parent_code " + shown(u.parent) + " is not a valid code: " + code_rule());
                usable = false;
            } else if (u.parent == u.code) {
                fail(r, "parent_code " + shown(u.parent) +
                            " is the unit's own code; a unit cannot be its own parent");
                usable = false;
            } else if (!index_.contains(u.parent) && !row_of_code.contains(u.parent)) {
                fail(r, "parent_code " + shown(u.parent) +
                            " is not an org unit in the file or the current tree");
                usable = false;
            }
        }
        if (!usable) continue;

        const auto [it, added] = merged_index.emplace(u.code, merged.size());
        if (added) {
            merged.push_back(std::move(u));
            ++out.added;
        } else if (merged[it->second] == u) {
            ++out.unchanged;
        } else {
            merged[it->second] = std::move(u);
            ++out.updated;
        }
        row_position[i] = it->second;
    }

    // A move under one's own descendant closes a cycle; every row on one is reported,
    // with the chain of parents that leads back to it.
    std::vector<std::ptrdiff_t> parent(merged.size(), -1);
    for (std::size_t i = 0; i < merged.size(); ++i) {
        if (merged[i].parent.empty()) continue;
        const auto it = merged_index.find(merged[i].parent);
        if (it != merged_index.end()) parent[i] = static_cast<std::ptrdiff_t>(it->second);
    }
    const std::vector<bool> cyclic = on_cycle(parent);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const std::size_t at = row_position[i];
        if (at == SIZE_MAX || !cyclic[at]) continue;
        constexpr std::size_t max_chain = 8;  // enough to find the mistake in a message
        std::string chain = merged[at].code;
        std::size_t walked = 0;
        for (auto p = static_cast<std::size_t>(parent[at]); walked < max_chain;
             p = static_cast<std::size_t>(parent[p]), ++walked) {
            chain += " -> " + merged[p].code;
            if (p == at) break;
        }
        if (walked == max_chain) chain += " -> ...";
        fail(rows[i], "parent_code " + shown(rows[i].unit.parent) + " lies under " +
                          shown(rows[i].unit.code) + " itself, which would make a cycle (" + chain +
                          "); a unit cannot move under its own descendant");
    }

    if (out.errors.empty()) {
        std::vector<row_error> build_errors;
        out.tree = build(std::move(merged), &build_errors);
        // Cannot happen after the checks above; reported rather than assumed.
        out.errors.insert(out.errors.end(), build_errors.begin(), build_errors.end());
    }
    if (!out.errors.empty()) {
        // T3: nothing is applied, so nothing was added, updated or left unchanged.
        std::stable_sort(out.errors.begin(), out.errors.end(),
                         [](const row_error& a, const row_error& b) { return a.line < b.line; });
        out.tree.reset();
        out.added = out.updated = out.unchanged = 0;
    }
    return out;
}

const org_unit* org_tree::find(std::string_view code) const {
    const auto it = index_.find(std::string(code));
    return it == index_.end() ? nullptr : &units_[it->second];
}

bool org_tree::contains(std::string_view root, std::string_view code) const {
    const auto r = index_.find(std::string(root));
    const auto c = index_.find(std::string(code));
    if (r == index_.end() || c == index_.end()) return false;
    // Walk up from code: O(depth), and the tree has no cycles (T1).
    for (auto at = static_cast<std::ptrdiff_t>(c->second); at >= 0;
         at = parent_[static_cast<std::size_t>(at)]) {
        if (static_cast<std::size_t>(at) == r->second) return true;
    }
    return false;
}

std::vector<std::string> org_tree::subtree(std::string_view root) const {
    std::vector<std::string> out;
    const auto r = index_.find(std::string(root));
    if (r == index_.end()) return out;
    // Depth-first with an explicit stack: a deep tree cannot overflow the call stack.
    std::vector<std::size_t> stack{r->second};
    while (!stack.empty()) {
        const std::size_t at = stack.back();
        stack.pop_back();
        out.push_back(units_[at].code);
        const auto& kids = children_[at];
        stack.insert(stack.end(), kids.rbegin(), kids.rend());
    }
    return out;
}

std::vector<std::string> org_tree::children(std::string_view code) const {
    std::vector<std::string> out;
    const auto it = index_.find(std::string(code));
    if (it == index_.end()) return out;
    for (const std::size_t k : children_[it->second]) out.push_back(units_[k].code);
    return out;
}

std::vector<std::string> org_tree::roots() const {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < units_.size(); ++i) {
        if (parent_[i] < 0) out.push_back(units_[i].code);
    }
    return out;
}

std::vector<std::string> org_tree::path(std::string_view code) const {
    std::vector<std::string> out;
    const auto it = index_.find(std::string(code));
    if (it == index_.end()) return out;
    for (auto at = static_cast<std::ptrdiff_t>(it->second); at >= 0;
         at = parent_[static_cast<std::size_t>(at)]) {
        out.push_back(units_[static_cast<std::size_t>(at)].code);
    }
    std::reverse(out.begin(), out.end());
    return out;
}

}  // namespace sotay::access
