// The device's private half, shared by device.cpp (local edits, the view) and sync.cpp.
#pragma once

#include "local_store.hpp"

#include <sotay/sdk/device.hpp>

#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace sotay::sdk {

struct device::impl {
    impl(const std::filesystem::path& path, options o);

    std::filesystem::path path;
    options opts;
    detail::local_store store;
    std::random_device random;

    // The raw system clock, and the device clock = raw + the stored offset.
    std::int64_t system_now() const;
    std::int64_t device_now(const detail::meta_row& m) const {
        return system_now() + m.clock_offset_ms;
    }

    // Inside a write_tx: gives the change the next seq and a fresh HLC stamp, stores it
    // and the clock (D1, D2). `row` carries record, type, org_unit, base and the body.
    std::uint64_t append_change(detail::outbox_row row);
    // Inside a write_tx: a new UUIDv7, strictly above every id this device minted.
    std::string mint_id(const detail::meta_row& m);

    std::optional<record_view> view(const std::string& id);

    // The cached schema, parsed once per version; null when none was fetched yet.
    std::shared_ptr<const schema::schema> parsed_schema;
    const schema::schema* current_schema();
    // Throws error_kind::validation when the change breaks the cached schema.
    void check(const std::string& type, const std::string& org_unit, const sync::field_map& set,
               bool del, bool is_create);

    // One sync over one connection (sync.cpp steps 1-6); adds what it did to `report`
    // as it goes, so that what a failed attempt did is not forgotten.
    void run_sync(const progress_callback& progress, bool& connected, sync_report& report);
    // sync.cpp step 5b: review items from the stored review cursor, on `line`.
    void fetch_review(link& line, std::int64_t& next_id, sync_report& report);
    // run_sync, and once more if the server answers scope_changed (sync.cpp).
    sync_report run_reconnecting(const progress_callback& progress, bool& connected);
};

namespace detail {

// The local view of one record (D3): the confirmed state, then each unsettled change in
// seq order. Returns nullopt when there is neither.
std::optional<record_view> apply_pending(std::optional<record_view> confirmed,
                                         const std::vector<outbox_row>& pending);

// The next HLC stamp: the HLC tick, or, if its counter is exhausted (the clock is stuck
// behind a far-future stamp), one millisecond later, so it still never goes back.
sync::hlc next_stamp(const sync::hlc& last, std::int64_t now_ms);

// "expected seq 42 ..." -> 42 (the seq_gap message, docs/protocol.md section 5).
std::optional<std::uint64_t> expected_seq_of(const std::string& message);

}  // namespace detail
}  // namespace sotay::sdk
