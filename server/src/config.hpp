// Every limit and timeout of the server, in one place. Each number says why it is that
// number; main.cpp may override some of them from the command line.
#pragma once

#include <sotay/audit/signing.hpp>
#include <sotay/reports/indicators.hpp>
#include <sotay/schema/schema.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace sotay::server {

struct server_config {
    // One WebSocket message, after reassembly. 1 MiB holds a full push of
    // max_changes_per_push typical changes (about 300 bytes each in JSON) with room to
    // spare, and is far below Beast's 16 MB default, which would let one client make
    // the server buffer 16 MB per connection. Passed to read_message_max explicitly.
    std::size_t max_message_bytes = 1024 * 1024;

    // Changes in one push. One push is applied in one transaction with others (group
    // commit); 1000 keeps a single push's share of a transaction to milliseconds while
    // a phone back from days offline still resends its backlog in a few round trips.
    std::size_t max_changes_per_push = 1000;

    // Body of an HTTP request outside /api: GET /healthz and the upgrade have none, so
    // 8 KiB refuses anything else early.
    std::size_t max_http_body = 8 * 1024;

    // Body of an /api request (JSON: a login, a user, an enrollment): 64 KiB is a hundred
    // times the largest of them and still small enough to buffer per connection.
    std::size_t max_api_body = 64 * 1024;

    // Body of POST /api/v1/org/import, the org tree as CSV: a province of about 10,000
    // units at some 100 bytes a row is 1 MiB; 4 MiB leaves room for long names.
    std::size_t max_org_import_body = 4 * 1024 * 1024;

    // WebSocket opening and closing handshakes. 10 s is generous for a slow 2G link
    // yet frees a half-open connection's slot quickly.
    std::chrono::seconds handshake_timeout{10};

    // Silence after which a connection is considered dead. Beast sends a ping at half
    // of it (keep_alive_pings), so a live but quiet client costs one ping every 30 s,
    // below the 60-120 s after which mobile carriers' NATs forget a TCP flow.
    std::chrono::seconds idle_timeout{60};

    // Reading one HTTP request (headers and body). Same reasoning as the handshake:
    // long enough for a slow link, short enough that an idle keep-alive socket goes.
    // Also the TLS handshake's bound (it comes before the request).
    std::chrono::seconds http_read_timeout{10};

    // Reading the body of an org import: 4 MiB over a 3G link at about 50 KB/s takes
    // 80 s; an administrator's upload is not cut off half-way.
    std::chrono::seconds org_import_timeout{120};

    // Messages waiting to be written to one client, counting pushes still being
    // committed (each will produce one answer). 64 lets a client pipeline pushes and
    // absorb a burst of live pages; a client that falls further behind is closed with a
    // policy-error close and resumes from its cursor, instead of growing server memory.
    std::size_t max_outgoing_queue = 64;

    // Records in one `changes` page. 1000 records of a few hundred bytes stay well below
    // max_message_bytes in either encoding, and one page is one short SQLite read.
    std::uint32_t max_pull_limit = 1000;

    // Items in one `review` page (get_review), as for pulls: an item with its two sides
    // is typically under 1 KiB in JSON, so a full page is a few hundred KiB and one short
    // SQLite read.
    std::uint32_t max_review_limit = 1000;

    // Threads running the io_context. One per core: sessions do their SQLite reads on
    // their strand, so a core per thread keeps reads from queueing behind each other.
    unsigned threads = std::max(1u, std::thread::hardware_concurrency());

    // Work items (changes plus hellos) in one group-commit transaction. 20,000 changes
    // is about a tenth of a second of SQLite work: large enough that the fsync is shared
    // by many pushes, small enough that the first push of a batch is not held long.
    std::size_t commit_batch_max = 20000;

    // After SIGTERM, how long sessions get to finish their pushes and close before the
    // server stops anyway. Below systemd's default 90 s stop timeout, above the time a
    // full batch takes to commit even on a slow disk.
    std::chrono::seconds shutdown_grace{30};

    // How often the server reads store::security_epoch() (S7). A revoked device or a
    // moved user loses its open connection within this (plus one check per session);
    // 250 ms is one indexed read of one row, invisible in the server's load.
    std::chrono::milliseconds security_poll_interval{250};

    // TLS: with both files set every connection is TLS (https://, wss://); without them
    // plain HTTP and ws://, for loopback and development. PEM files: the certificate
    // chain (leaf first) and its private key.
    std::string tls_cert_file;
    std::string tls_key_file;
    bool tls() const { return !tls_cert_file.empty(); }

    // Origins besides the server's own that browsers may call /api and /sync from
    // ("https://admin.example", lowercase, no path): --allow-origin. A request without
    // an Origin header (a native app, a script) is not affected.
    std::vector<std::string> allowed_origins;

    // The text of docs/openapi.json, served at GET /api/v1/openapi.json (main.cpp sets
    // it from api::openapi_document(); empty in tests that do not need it).
    std::string openapi_json;

    // The record schema served to devices (get_schema); the store validates with the same
    // one. Null only in tests that start a server without a schema.
    std::shared_ptr<const schema::schema> schema;

    // The key that signs exported history heads (GET /api/v1/audit/head, docs/audit.md):
    // main.cpp loads it from --audit-key. Null only in tests that start a server without
    // one; the head endpoint then answers internal.
    std::shared_ptr<const audit::signing_key> audit_key;

    // The indicator definitions of the reports (GET /api/v1/reports, docs/reports.md):
    // main.cpp loads them from --indicators, checked against `schema`. Null only in tests
    // that start a server without them; the report endpoints then answer internal.
    std::shared_ptr<const reports::definitions> indicators;
};

}  // namespace sotay::server
