// What the scope tests (leakage, revocation, move) share: an org tree, users and devices
// written straight into the server's database from the test process, and a device's
// view of what it was sent.
//
// The test opens the server's SQLite file with sotay::store itself (WAL lets the test and
// the server use it at once; the server sees committed changes, and store::security_epoch
// tells it about revocations and moves, as it would for sotay-admin).
#pragma once

#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sotay/access/roles.hpp>
#include <sotay/client/sync_client.hpp>
#include <sotay/store/store.hpp>
#include <sotay/sync/messages.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "e2e_support.hpp"
#include "server_process.hpp"

namespace sotay::e2e {

// A store result's value, or std::runtime_error naming `what` and the store's message.
template <typename T>
T must(store::result<T> r, const std::string& what) {
    if (!r) throw std::runtime_error(what + ": " + r.error().message);
    return std::move(*r);
}

// The server's database, opened in the test process (no schema: the server validates).
std::unique_ptr<store::store> open_store(const server_process& server);

// One district with three communes, under the tree's root: the province server_process
// imported, or one made here when the tree is empty.
struct district_tree {
    std::string province;
    std::string district;
    std::array<std::string, 3> communes;  // A, B, C
};
district_tree make_district(store::store& db);

// A user (no password: devices only) of `role` at `org_unit`, and one device of theirs.
device_credentials add_user_with_device(store::store& db, const std::string& username,
                                        access::role role, const std::string& org_unit);

// What a device holds after applying `changes` pages in order: records by id (a
// tombstone removes its record, as an evict does).
class replica {
  public:
    void apply(const sync::changes_msg& page);
    std::set<std::string> ids() const;
    const std::map<std::string, sync::record_msg>& records() const { return records_; }

  private:
    std::map<std::string, sync::record_msg> records_;
};

// Pulls from `cursor` (null: the beginning) page by page until more=false; every page.
std::vector<sync::changes_msg> pull_pages(client::sync_client& c, std::optional<std::string> cursor,
                                          std::uint32_t limit = 500);

// The next message within `timeout`, which must be an `error`; its error (throws
// client_error for anything else, transport_error when nothing comes).
sync::error_msg expect_error(client::sync_client& c, std::chrono::milliseconds timeout);
// Reads until the server closes the connection (at most `timeout`); the close code
// (nullopt when the connection ended without a close frame). Messages read meanwhile
// are returned in `seen` when given.
std::optional<std::uint16_t> wait_for_close(client::sync_client& c,
                                            std::chrono::milliseconds timeout,
                                            std::vector<sync::message>* seen = nullptr);

}  // namespace sotay::e2e
