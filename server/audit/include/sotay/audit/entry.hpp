// One history entry and its canonical body: the bytes the hash chain covers (chain.hpp).
//
// Body format (sotay.audit.v1). DO NOT CHANGE the order or the spelling: the same entry
// must give the same bytes for as long as the history is kept. The body is compact JSON
// (no whitespace), one object whose members are always all present, in this order:
//
//   {"seq":42,"at_ms":1718000000000,"kind":"change","username":"tp.officer",
//    "device_id":"…","record":"…","type":"petition","org_unit":"LS.TP.P1","detail":{…}}
//
//   seq        the entry's number in the chain (integer >= 1)
//   at_ms      the server's clock when the entry was written, ms since the Unix epoch
//   kind       what happened: "change", "resend", "decision", "admin", "login", …
//   username   who; "" when no user is involved
//   device_id  from which device; "" when none (the web, sotay-admin)
//   record     the record concerned, with its type and org unit; "" when none
//   type, org_unit
//   detail     the rest, per kind: an object whose members are sorted by name (bytewise)
//              at every depth; arrays keep their order. At most 30 levels deep: parse_entry
//              reads no deeper (Boost.JSON's default depth limit).
//
// Text is written as Boost.JSON writes it: UTF-8 as is, with only '"', '\' and control
// characters escaped. A byte sequence that is not UTF-8 (only a rejected change can carry
// one) becomes U+FFFD, so that every body is valid JSON for every tool; numbers that JSON
// cannot hold (infinities, NaN) become null. Numbers otherwise keep their kind: integers
// in decimal, other numbers in Boost.JSON's shortest round-trip form ("2.5E0").
//
// "seq" comes first so that a reader can see which entry a row claims to be without
// parsing the rest (entry_seq); the verifier uses it to name reordered rows.
#pragma once

#include <sotay/sync/error.hpp>

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sotay::audit {

struct history_entry {
    std::uint64_t seq = 0;
    std::int64_t at_ms = 0;
    std::string kind;
    std::string username;
    std::string device_id;
    std::string record;
    std::string type;
    std::string org_unit;
    boost::json::object detail;

    // detail compares as JSON objects do: the same members with equal values, in any order.
    bool operator==(const history_entry&) const = default;
};

// The canonical body of e (the format above). Total: any entry gives a body, and equal
// entries give the same bytes.
std::string entry_body(const history_entry& e);

// Reads a body back. Fails (errc::bad_message, with the reason) unless `body` is exactly
// the canonical body of the entry it describes: the store's indexed columns are then
// known to say what the hashed bytes say, and nothing can hide in a second spelling.
boost::system::result<history_entry, sync::error_info> parse_entry(std::string_view body);

// A change entry's "sent" as the device sent it (store.hpp H3): the writer names in
// "sent"."set_as_after" each sent value that is its register's "after" in "fields"
// instead of repeating it; this puts those values back into "sent"."set" (in name order)
// and drops the list. Details without the list are left as they are. For showing an
// entry: the hashed body, and parse_entry's entry, keep the stored form.
void expand_sent(boost::json::object& detail);

// The number a body claims in its leading "seq" member, without parsing the rest;
// nullopt when it does not begin like an entry body.
std::optional<std::uint64_t> entry_seq(std::string_view body);

}  // namespace sotay::audit
