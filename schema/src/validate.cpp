// The validator: one change against the schema, every broken rule with a message in
// Vietnamese and English that a person can act on.
#include <sotay/schema/schema.hpp>

namespace sotay::schema {
namespace {

bool is_lower_uuid(std::string_view s) {
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

// Org unit codes such as "LS.TP.P1": printable, no spaces, bounded like an id.
bool is_org_unit(std::string_view s) {
    if (s.empty() || s.size() > 128 || !is_valid_utf8(s)) return false;
    for (const char c : s) {
        const auto b = static_cast<unsigned char>(c);
        if (b <= 0x20 || b == 0x7F) return false;
    }
    return true;
}

const char* kind_vi(field_type t) {
    switch (t) {
        case field_type::integer:
            return "một số nguyên";
        case field_type::money:
            return "số tiền (đồng, số nguyên)";
        case field_type::boolean:
            return "có hoặc không (true/false)";
        case field_type::date:
            return "một ngày dạng YYYY-MM-DD";
        default:
            return "một chuỗi văn bản";
    }
}
const char* kind_en(field_type t) {
    switch (t) {
        case field_type::integer:
            return "an integer";
        case field_type::money:
            return "an amount in dong (an integer)";
        case field_type::boolean:
            return "true or false";
        case field_type::date:
            return "a date \"YYYY-MM-DD\"";
        default:
            return "a text";
    }
}

bool has_json_type(field_type t, const sync::value& v) {
    switch (t) {
        case field_type::integer:
        case field_type::money:
            return std::holds_alternative<std::int64_t>(v);
        case field_type::boolean:
            return std::holds_alternative<bool>(v);
        default:
            return std::holds_alternative<std::string>(v);
    }
}

class checker {
  public:
    checker(const schema& s, const change_view& c, std::vector<violation>& out)
        : s_(s), c_(c), out_(out) {}

    void run(bool is_create) {
        const type_def* t = s_.find(c_.type);
        if (t == nullptr) {
            add("type", "unknown_type",
                "Loại hồ sơ \"" + std::string(c_.type) + "\" không có trong lược đồ (phiên bản " +
                    std::to_string(s_.version) + ")",
                "record type \"" + std::string(c_.type) + "\" is not in the schema (version " +
                    std::to_string(s_.version) + ")");
            return;
        }
        if (!is_org_unit(c_.org_unit)) {
            add("org_unit", "bad_org_unit", "Mã đơn vị (org_unit) không hợp lệ",
                "org_unit must be an org unit code without spaces, at most 128 bytes");
        }
        if (c_.del || c_.set == nullptr) return;
        for (const auto& [name, v] : *c_.set) {
            const auto it = t->fields.find(name);
            if (it == t->fields.end()) {
                add(name, "unknown_field", "Trường \"" + name + "\" không thuộc loại " + t->name.vi,
                    "field \"" + name + "\" is not part of a " + t->id);
                continue;
            }
            check_value(*t, it->second, v);
        }
        if (is_create) check_required(*t);
    }

    // Every required field must be set by the change that creates the record.
    void run_required_only() {
        const type_def* t = s_.find(c_.type);
        if (t != nullptr && !c_.del && c_.set != nullptr) check_required(*t);
    }

  private:
    void check_required(const type_def& type) {
        const type_def* t = &type;
        for (const auto& [name, f] : t->fields) {
            if (!f.required) continue;
            const auto it = c_.set->find(name);
            if (it == c_.set->end()) {
                add(name, "required", "Thiếu " + f.name.vi + " (" + name + ")",
                    name + " is required when a " + t->id + " is created");
            }
        }
    }

    void add(std::string field, const char* code, std::string vi, std::string en) {
        out_.push_back({std::move(field), code, std::move(vi), std::move(en)});
    }

    // "<label> (<field>)": how a message names a field to an officer.
    static std::string named(const field_def& f) { return f.name.vi + " (" + f.id + ")"; }

    void check_value(const type_def& t, const field_def& f, const sync::value& v) {
        if (sync::is_null(v)) {
            // Clearing is an edit like any other, except for a field the type needs.
            if (f.required) {
                add(f.id, "required", "Không được xóa " + named(f),
                    f.id + " is required for a " + t.id + " and cannot be cleared");
            }
            return;
        }
        if (!has_json_type(f.type, v)) {
            add(f.id, "wrong_type", named(f) + " phải là " + kind_vi(f.type),
                f.id + " must be " + kind_en(f.type));
            return;
        }
        switch (f.type) {
            case field_type::integer:
            case field_type::money:
                check_number(f, std::get<std::int64_t>(v));
                break;
            case field_type::boolean:
                break;
            default:
                check_text(f, std::get<std::string>(v));
                break;
        }
    }

    void check_number(const field_def& f, std::int64_t n) {
        if ((f.min && n < *f.min) || (f.max && n > *f.max)) {
            const std::string lo = f.min ? std::to_string(*f.min) : "";
            const std::string hi = f.max ? std::to_string(*f.max) : "";
            add(f.id, "out_of_range", named(f) + " phải trong khoảng " + lo + ".." + hi,
                f.id + " must be between " + (lo.empty() ? "-inf" : lo) + " and " +
                    (hi.empty() ? "+inf" : hi) + ", got " + std::to_string(n));
        }
    }

    void check_text(const field_def& f, const std::string& s) {
        if (!is_valid_utf8(s)) {
            add(f.id, "bad_utf8", named(f) + " chứa ký tự lỗi (không phải UTF-8)",
                f.id + " is not valid UTF-8 text");
            return;
        }
        switch (f.type) {
            case field_type::date:
                if (!is_date(s)) {
                    add(f.id, "bad_date", named(f) + " phải là một ngày có thật dạng YYYY-MM-DD",
                        f.id + " must be a real date \"YYYY-MM-DD\", got \"" + s + "\"");
                } else if ((f.min_date && s < *f.min_date) || (f.max_date && s > *f.max_date)) {
                    const std::string lo = f.min_date.value_or(""), hi = f.max_date.value_or("");
                    add(f.id, "out_of_range", named(f) + " phải trong khoảng " + lo + ".." + hi,
                        f.id + " must be between " + lo + " and " + hi + ", got " + s);
                }
                return;
            case field_type::enumeration:
                if (f.values.find(s) == f.values.end()) {
                    std::string list;
                    for (const auto& [k, l] : f.values) list += (list.empty() ? "" : ", ") + k;
                    add(f.id, "bad_enum",
                        named(f) + " không hợp lệ: \"" + s + "\"; chọn một trong: " + list,
                        f.id + " must be one of: " + list + "; got \"" + s + "\"");
                }
                return;
            case field_type::ref:
                if (!is_lower_uuid(s)) {
                    add(f.id, "bad_reference",
                        named(f) + " phải là mã hồ sơ " + f.to + " (UUID chữ thường)",
                        f.id + " must be the id of a " + f.to + " (a lowercase UUID)");
                }
                return;
            case field_type::org_unit:
                if (!is_org_unit(s)) {
                    add(f.id, "bad_org_unit", named(f) + " không phải mã đơn vị hợp lệ",
                        f.id + " must be an org unit code without spaces");
                }
                return;
            default:
                break;
        }
        if (f.max_length) {
            const std::size_t n = code_points(s);
            if (n > *f.max_length) {
                add(f.id, "too_long",
                    named(f) + " dài quá " + std::to_string(*f.max_length) + " ký tự",
                    f.id + " is longer than " + std::to_string(*f.max_length) + " characters (" +
                        std::to_string(n) + ")");
            }
        }
        if (f.compiled && !std::regex_match(s, *f.compiled)) {
            add(f.id, "pattern", named(f) + " không đúng định dạng",
                f.id + " does not have the expected form (" + *f.pattern + ")");
        }
    }

    const schema& s_;
    const change_view& c_;
    std::vector<violation>& out_;
};

}  // namespace

sync::error_info to_error(const violation& v) {
    return {v.code == "unknown_type" ? sync::errc::unknown_type : sync::errc::validation,
            wire_message(v), v.field};
}

std::vector<violation> missing_required(const schema& s, const change_view& c) {
    std::vector<violation> out;
    checker(s, c, out).run_required_only();
    return out;
}

std::vector<violation> validate(const schema& s, const change_view& c, bool is_create) {
    std::vector<violation> out;
    checker(s, c, out).run(is_create);
    return out;
}

std::string wire_message(const violation& v) {
    return v.message_vi + " / " + v.message_en;
}

}  // namespace sotay::schema
