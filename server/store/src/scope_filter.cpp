// scope_filter (store.hpp): a sorted list of org unit codes, or everything.
#include <sotay/store/store.hpp>

#include <algorithm>

namespace sotay::store {

scope_filter scope_filter::of(std::vector<std::string> codes) {
    std::sort(codes.begin(), codes.end());
    codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
    return {false, std::move(codes)};
}

bool scope_filter::contains(std::string_view code) const {
    return everything || std::binary_search(codes.begin(), codes.end(), code);
}

}  // namespace sotay::store
