// Natural keys for finding duplicates (schema.hpp, natural_key).
#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include <sotay/schema/schema.hpp>

#include <boost/json.hpp>

#include <type_traits>
#include <utility>

namespace sotay::schema {

std::string key_text(std::string_view s) {
    if (!is_valid_utf8(s)) return std::string(s);
    icu::UnicodeString text =
        icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<std::int32_t>(s.size())));
    // Trim first (white space of any script), then fold: folding can expand a character
    // (ß -> ss) but never turns white space into text or back.
    text.trim();
    text.foldCase(U_FOLD_CASE_DEFAULT);
    UErrorCode err = U_ZERO_ERROR;
    const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(err);
    if (U_SUCCESS(err) && nfc != nullptr) {
        // Folding an NFC text may leave it unnormalised (and NFD input is common): NFC
        // last, so that every spelling of the same text ends as the same bytes.
        icu::UnicodeString normal = nfc->normalize(text, err);
        if (U_SUCCESS(err)) text = normal;
    }
    std::string out;
    text.toUTF8String(out);
    return out;
}

std::optional<std::string> natural_key(const type_def& t, std::string_view org_unit,
                                       const sync::field_map& fields) {
    if (t.natural_key.empty()) return std::nullopt;
    boost::json::array key;
    key.reserve(t.natural_key.size() + 1);
    key.emplace_back(t.id);
    for (const std::string& component : t.natural_key) {
        if (component == "org_unit") {
            // Codes are ASCII identifiers: compared as they are.
            key.emplace_back(org_unit);
            continue;
        }
        const auto it = fields.find(component);
        if (it == fields.end()) return std::nullopt;
        const bool complete = std::visit(
            [&key](const auto& v) {
                using V = std::decay_t<decltype(v)>;
                if constexpr (std::is_same_v<V, std::monostate>) {
                    return false;
                } else if constexpr (std::is_same_v<V, std::string>) {
                    // Blank counts as unset: two petitions without a petitioner id are
                    // not thereby the same petition.
                    std::string text = key_text(v);
                    if (text.empty()) return false;
                    key.emplace_back(std::move(text));
                    return true;
                } else {
                    key.emplace_back(v);
                    return true;
                }
            },
            it->second);
        if (!complete) return std::nullopt;
    }
    return boost::json::serialize(key);
}

}  // namespace sotay::schema
