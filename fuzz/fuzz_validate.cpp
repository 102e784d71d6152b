// libFuzzer target: the schema validator and normaliser on the changes of any push the
// JSON decoder accepts, against the default schema; other inputs go to the schema loader.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sotay/schema/schema.hpp>
#include <sotay/sync/codec.hpp>
#include <string_view>

namespace {

const sotay::schema::schema& default_schema() {
    static const auto s = sotay::schema::load_schema_file(SOTAY_SOURCE_DIR "/schema/default.json");
    return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace schema = sotay::schema;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto r = sotay::sync::decode_json(text);
    const auto* push = r.has_value() ? std::get_if<sotay::sync::push_msg>(&*r) : nullptr;
    if (push == nullptr) {
        try {
            const auto s = schema::parse_schema(text, "fuzz");
            // A schema that loads must compare with itself without incompatibilities.
            if (!schema::incompatible_changes(s, s).empty()) std::abort();
        } catch (const schema::load_error&) {
        }
        return 0;
    }
    for (const auto& c : push->changes) {
        for (const bool create : {true, false}) {
            const auto bad =
                schema::validate(default_schema(), {c.type, c.org_unit, &c.set, c.del}, create);
            for (const auto& v : bad) {
                if (v.code.empty() || v.message_vi.empty() || v.message_en.empty()) std::abort();
            }
        }
        auto set = c.set;
        schema::normalize(set);
        // NFC is idempotent, and normalising never breaks valid UTF-8.
        auto twice = set;
        schema::normalize(twice);
        if (!(twice == set)) std::abort();
        for (const auto& [k, v] : set) {
            if (const auto* s = std::get_if<std::string>(&v);
                s != nullptr && schema::is_valid_utf8(std::get<std::string>(c.set.at(k))) &&
                !schema::is_valid_utf8(*s))
                std::abort();
        }
    }
    return 0;
}
