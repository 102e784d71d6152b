// Every limit and timeout of the server, in one place. Each number says why it is that
// number; main.cpp may override some of them from the command line.
#pragma once

#include <sotay/schema/schema.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>

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

    // Body of a plain HTTP request. The server only serves GET /healthz and the upgrade,
    // neither of which has a body: 8 KiB refuses anything else early.
    std::size_t max_http_body = 8 * 1024;

    // WebSocket opening and closing handshakes. 10 s is generous for a slow 2G link
    // yet frees a half-open connection's slot quickly.
    std::chrono::seconds handshake_timeout{10};

    // Silence after which a connection is considered dead. Beast sends a ping at half
    // of it (keep_alive_pings), so a live but quiet client costs one ping every 30 s,
    // below the 60-120 s after which mobile carriers' NATs forget a TCP flow.
    std::chrono::seconds idle_timeout{60};

    // Reading one HTTP request (headers and body). Same reasoning as the handshake:
    // long enough for a slow link, short enough that an idle keep-alive socket goes.
    std::chrono::seconds http_read_timeout{10};

    // Messages waiting to be written to one client, counting pushes still being
    // committed (each will produce one answer). 64 lets a client pipeline pushes and
    // absorb a burst of live pages; a client that falls further behind is closed with a
    // policy-error close and resumes from its cursor, instead of growing server memory.
    std::size_t max_outgoing_queue = 64;

    // Records in one `changes` page. 1000 records of a few hundred bytes stay well below
    // max_message_bytes in either encoding, and one page is one short SQLite read.
    std::uint32_t max_pull_limit = 1000;

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

    // The record schema served to devices (get_schema); the store validates with the same
    // one. Null only in tests that start a server without a schema.
    std::shared_ptr<const schema::schema> schema;
};

}  // namespace sotay::server
