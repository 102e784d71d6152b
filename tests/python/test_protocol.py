#!/usr/bin/env python3
"""End-to-end test of the sotay sync protocol from a client written in Python.

Usage: test_protocol.py BIN_DIR   (the directory holding sotay-server and sotay-admin)

Starts the server on a temporary database with a small org tree and one officer, enrols
two of the officer's devices with sotay-admin, and drives both subprotocols
(sotay.v1.json and sotay.v1.bin) through the scenario of a petition edited offline on two
phones: create, pull, concurrent edits, one conflict, convergence, a resent push, a
sequence gap and a live pull.  Then stops the server with SIGTERM.
Prints one line per check and closes with "N passed, M failed"; exits 1 on any failure.
Standard library only (python3 of Debian 12) plus sotay_client.py beside this file.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import unicodedata

sys.dont_write_bytecode = True               # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sotay_client as sc  # noqa: E402  (the path is set just above)

HOST = "127.0.0.1"
ORG_UNIT = "LS.TP.P1"
# Vietnamese with diacritics, precomposed (NFC), as most phones type it.
SUMMARY = "Đơn kiến nghị của bà con thôn Bản Mới về việc sửa đường liên xã, Hữu Lũng"
# The same kind of text decomposed (NFD), as some phones type it.  protocol.md section 3
# says strings are carried byte for byte; the server may also store them as NFC.  Either
# way the text must come back canonically equivalent, so that is what is checked, and a
# note says which of the two the server did.
PETITIONER = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")
# Every device belongs to a user who may write only inside their org subtree, so the
# database gets a small org tree (the LS / LS.TP / LS.TP.P1, LS.TP.P2 part of
# scripts/demo-org.csv) and an officer at its root before any device is added.
ORG_CSV = """code,name,parent_code,level_name
LS,Tỉnh ủy Lạng Sơn,,Tỉnh
LS.TP,Thành ủy Lạng Sơn,LS,Huyện
LS.TP.P1,Đảng ủy phường Chi Lăng,LS.TP,Cơ sở
LS.TP.P2,Đảng ủy phường Đông Kinh,LS.TP,Cơ sở
"""
USERNAME = "tester"
STARTUP_SECONDS = 10.0     # a cold server opens SQLite and binds well within this
LIVE_WAIT_SECONDS = 5.0    # a live page follows a push within milliseconds on loopback
SHUTDOWN_SECONDS = 10.0    # SIGTERM finishes in-flight work, then the process exits


class Checks:
    """Counts checks; each is named by a sentence of behaviour."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"ok    {name}")
        else:
            self.failed += 1
            print(f"FAIL  {name}" + (f": {detail}" if detail else ""))
        return ok

    def crash(self, name):
        self.failed += 1
        print(f"FAIL  {name}: unexpected exception")
        traceback.print_exc(file=sys.stdout)


# ---------------------------------------------------------------------------------------
# Checks that need no server: the client's encoder against docs/protocol.md section 9.4
# ---------------------------------------------------------------------------------------

# The hexdump of protocol.md section 9.4, copied as printed there.
DOC_PUSH_HEXDUMP = """
0000  01 02 07 00 00 00 00 00 00 00 01 00 00 00 00 00
0010  00 00 01 00 00 00 00 00 00 00 24 00 00 00 00 00
0020  00 00 30 62 36 66 33 63 31 65 2d 38 61 34 64 2d
0030  37 63 32 62 2d 39 65 31 30 2d 34 66 35 61 36 62
0040  37 63 38 64 39 65 08 00 00 00 00 00 00 00 70 65
0050  74 69 74 69 6f 6e 08 00 00 00 00 00 00 00 4c 53
0060  2e 54 50 2e 50 31 0f 00 00 00 00 00 00 00 31 37
0070  30 30 30 30 30 30 30 30 30 30 30 3a 30 00 00 00
0080  00 00 00 00 00 01 00 00 00 00 00 00 00 06 00 00
0090  00 00 00 00 00 73 74 61 74 75 73 04 08 00 00 00
00a0  00 00 00 00 72 65 63 65 69 76 65 64 00
"""
DOC_PUSH = {"type": "push", "id": 7, "changes": [
    {"seq": 1, "record": "0b6f3c1e-8a4d-7c2b-9e10-4f5a6b7c8d9e", "type": "petition",
     "org_unit": "LS.TP.P1", "hlc": "1700000000000:0", "base": 0,
     "set": {"status": "received"}}]}


def offline_checks(t):
    doc_bytes = bytes.fromhex("".join(line[6:] for line in DOC_PUSH_HEXDUMP.strip()
                                      .splitlines()))
    encoded = sc.encode_binary(DOC_PUSH)
    t.check("binary_push_frame_matches_the_documented_173_bytes",
            len(doc_bytes) == 173 and encoded == doc_bytes,
            f"doc {len(doc_bytes)} bytes, encoder {len(encoded)} bytes")
    t.check("documented_push_frame_decodes_to_the_documented_message",
            sc.decode_binary(doc_bytes) == DOC_PUSH)
    pull = sc.encode_binary({"type": "pull", "id": 8, "cursor": None, "limit": 500,
                             "live": True})
    t.check("binary_pull_frame_matches_the_documented_16_bytes",
            pull == bytes.fromhex("01 04 0800000000000000 00 f4010000 01"), pull.hex(" "))

    samples = [
        {"type": "hello", "protocol": 1, "device_id": "d", "token": "t", "client_time": -5},
        {"type": "welcome", "protocol": 1, "server_time": 1, "last_seq": 41,
         "schema_version": 3,
         "limits": {"max_message_bytes": 1048576, "max_changes_per_push": 1000}},
        {"type": "push", "id": -1, "changes": [
            {"seq": 2, "record": "r", "type": "petition", "org_unit": "u", "hlc": "1:0",
             "base": 5, "delete": True},
            {"seq": 3, "record": "r", "type": "petition", "org_unit": "u", "hlc": "1:1",
             "base": 6, "set": {"b": None, "a": True, "đ": 9.43e1, "x": -(2 ** 63),
                                "s": SUMMARY}}]},
        {"type": "push_result", "id": 7, "last_seq": 44, "results": [
            {"seq": 42, "status": "applied"},
            {"seq": 43, "status": "applied", "conflicts": [
                {"id": "c", "field": "status", "outcome": "lost", "kept": "resolved",
                 "yours": "received"}]},
            {"seq": 44, "status": "rejected",
             "error": {"code": "out_of_scope", "message": "m", "field": "org_unit"}}]},
        {"type": "pull", "id": 8, "cursor": "c1.2", "limit": 1, "live": False},
        {"type": "changes", "id": 8, "cursor": "c", "more": True, "records": [
            {"record": "r", "type": "petition", "org_unit": "u", "version": 17,
             "deleted": False, "fields": {"status": "received"}}], "evict": ["e"]},
        {"type": "error", "id": 7, "code": "seq_gap", "message": "expected seq 42"},
        {"type": "error", "code": "auth_failed", "message": "m", "field": "token"},
    ]
    for msg in samples:
        kind = msg["type"] + ("" if msg["type"] != "error" else
                              "_with_id" if "id" in msg else "_without_id")
        t.check(f"{kind}_round_trips_through_the_binary_codec",
                sc.decode_binary(sc.encode_binary(msg)) == msg)

    def refused(data):
        try:
            sc.decode_binary(data)
            return False
        except sc.DecodeError:
            return True
    good = sc.encode_binary(samples[5])
    t.check("binary_decoder_refuses_bytes_left_over", refused(good + b"\x00"))
    t.check("binary_decoder_refuses_a_first_byte_other_than_1", refused(b"\x00" + good[1:]))
    t.check("binary_decoder_refuses_a_truncated_frame", refused(good[:-3]))
    sorted_frame = sc.encode_binary({"type": "changes", "id": 1, "cursor": "c", "more": False,
                                     "records": [{"record": "r", "type": "t", "org_unit": "u",
                                                  "version": 1, "deleted": False,
                                                  "fields": {"a": None, "b": None}}],
                                     "evict": []})
    one = (1).to_bytes(8, "little")
    unsorted = sorted_frame.replace(one + b"a\x00" + one + b"b\x00",
                                    one + b"b\x00" + one + b"a\x00")
    t.check("binary_decoder_accepts_sorted_field_names", not refused(sorted_frame))
    t.check("binary_decoder_refuses_unsorted_field_names", refused(unsorted))
    t.check("unknown_error_code_is_read_as_internal",
            sc.decode_json(b'{"type":"error","code":"brand_new","message":"m"}')["code"]
            == "internal")


# ---------------------------------------------------------------------------------------
# The server process
# ---------------------------------------------------------------------------------------

class Server:
    """sotay-server on a temporary database, listening on a free loopback port."""

    def __init__(self, bin_dir, workdir):
        self.db = os.path.join(workdir, "sotay.db")
        self.admin = os.path.join(bin_dir, "sotay-admin")
        # The tree and the user first, before the server opens the database.
        org_csv = os.path.join(workdir, "org.csv")
        with open(org_csv, "w", encoding="utf-8") as f:
            f.write(ORG_CSV)
        self.run_admin("org", "import", org_csv)
        self.run_admin("user", "add", "--username", USERNAME, "--role", "officer",
                       "--org", "LS")
        self.stderr = open(os.path.join(workdir, "server.stderr"), "w+b")
        self.proc = subprocess.Popen(
            [os.path.join(bin_dir, "sotay-server"), "--db", self.db, "--listen", f"{HOST}:0"],
            stdout=subprocess.PIPE, stderr=self.stderr)
        self.port = None
        self.lines = []
        found = threading.Event()

        def drain():                         # read stdout to the end so it never blocks
            for raw in self.proc.stdout:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                self.lines.append(line)
                if line.startswith("listening on ") and self.port is None:
                    self.port = int(line.rsplit(":", 1)[1])
                    found.set()
            found.set()
        threading.Thread(target=drain, daemon=True).start()
        found.wait(STARTUP_SECONDS)
        if self.port is None:
            self.kill()
            raise RuntimeError(f"no 'listening on HOST:PORT' line; stdout {self.lines}, "
                               f"stderr {self.log_tail()}")

    def run_admin(self, *args):
        """sotay-admin --db DB ARGS --json; its stdout.  Raises with its stderr if it fails."""
        out = subprocess.run([self.admin, "--db", self.db, *args, "--json"],
                             capture_output=True, timeout=30)
        if out.returncode != 0:
            raise RuntimeError(f"sotay-admin {' '.join(args)} exited {out.returncode}: "
                               f"{out.stderr.decode('utf-8', 'replace')}")
        return out.stdout

    def add_device(self, name):
        return json.loads(self.run_admin("device", "add", "--name", name, "--user", USERNAME))

    def log_tail(self):
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")[-3000:]

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def http_get(port, path):
    """Status code and body of a plain HTTP/1.1 GET."""
    with socket.create_connection((HOST, port), timeout=5) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n"
                  .encode("ascii"))
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


# ---------------------------------------------------------------------------------------
# A device: credentials, its seq numbering and its clock
# ---------------------------------------------------------------------------------------

class Device:
    def __init__(self, name, creds):
        self.name = name
        self.device_id = creds["device_id"]
        self.token = creds["token"]
        self.last_seq = 0                   # the highest seq this device has made
        self.hlc = sc.Hlc()
        self.cursor = None

    def connect(self, server, subprotocol):
        client = sc.Client(HOST, server.port, subprotocol)
        welcome = client.hello(self.device_id, self.token)
        self.hlc.offset = welcome["server_time"] - int(time.time() * 1000)
        return client, welcome

    def change(self, record, base, fields, seq=None):
        """A new change (the next seq unless one is given) stamped with the device clock."""
        if seq is None:
            self.last_seq += 1
            seq = self.last_seq
        return {"seq": seq, "record": record, "type": "petition", "org_unit": ORG_UNIT,
                "hlc": self.hlc.tick(), "base": base, "set": fields}


def canonical(fields):
    """A field map with every string in NFC, to compare texts by canonical equivalence."""
    return {k: unicodedata.normalize("NFC", v) if isinstance(v, str) else v
            for k, v in fields.items()}


def order_key(change, device):
    wall, counter = sc.parse_hlc(change["hlc"])
    return (wall, counter, device.device_id)


# ---------------------------------------------------------------------------------------
# The scenario, run once per subprotocol
# ---------------------------------------------------------------------------------------

def scenario(t, server, sp, a, b, a_wins):
    """Returns the open live connection of device B (kept for the shutdown check)."""
    tag = "json" if sp == sc.JSON_SUBPROTOCOL else "bin"

    # A request before hello is answered not_ready with its id; the session waits.
    early = sc.Client(HOST, server.port, sp)
    t.check(f"{tag}: server_chooses_the_only_offered_subprotocol", early.subprotocol == sp,
            str(early.subprotocol))
    answer = early.push([], req_id=41)
    t.check(f"{tag}: push_before_hello_is_answered_not_ready_with_its_id",
            answer["type"] == "error" and answer["code"] == "not_ready"
            and answer.get("id") == 41, str(answer))
    welcome = early.hello(a.device_id, a.token)
    t.check(f"{tag}: hello_after_not_ready_is_welcomed", welcome["type"] == "welcome")
    early.close()

    conn_a, welcome_a = a.connect(server, sp)
    conn_b, welcome_b = b.connect(server, sp)
    limits = welcome_a.get("limits", {})
    t.check(f"{tag}: welcome_carries_protocol_1_and_positive_limits",
            welcome_a["protocol"] == 1 and limits.get("max_message_bytes", 0) > 0
            and limits.get("max_changes_per_push", 0) > 0, str(welcome_a))
    t.check(f"{tag}: welcome_last_seq_is_the_highest_seq_each_device_pushed",
            welcome_a["last_seq"] == a.last_seq and welcome_b["last_seq"] == b.last_seq,
            f"A {welcome_a['last_seq']} vs {a.last_seq}, B {welcome_b['last_seq']} vs "
            f"{b.last_seq}")

    # A change that does not fit the schema is rejected, kept, and uses up its seq.
    bad = a.change(sc.uuid7(), 0, {"received_on": "2022-02-30", "kind": "petition",
                                   "status": "received"})
    answer = conn_a.push([bad])
    res = answer.get("results", [{}])[0]
    t.check(f"{tag}: impossible_date_is_rejected_as_validation_naming_the_field",
            answer["type"] == "push_result" and res.get("status") == "rejected"
            and res.get("error", {}).get("code") == "validation"
            and res["error"].get("field") == "received_on"
            and answer["last_seq"] == bad["seq"], str(answer))
    again = conn_a.push([bad])
    t.check(f"{tag}: resent_rejected_change_is_answered_rejected_with_the_same_error",
            again["type"] == "push_result" and again["results"] == answer.get("results")
            and again["last_seq"] == bad["seq"], str(again))

    # Device A creates a petition (the seq after the rejected one).
    record = sc.uuid7()
    created = {"received_on": "2022-03-04", "kind": "petition", "status": "received",
               "within_authority": True, "summary": SUMMARY, "petitioner_id": PETITIONER}
    create = a.change(record, 0, created)
    answer = conn_a.push([create])
    t.check(f"{tag}: creating_a_petition_is_applied",
            answer["type"] == "push_result" and answer["last_seq"] == create["seq"]
            and [r["status"] for r in answer["results"]] == ["applied"]
            and "conflicts" not in answer["results"][0], str(answer))

    # Device B pulls it with every field byte for byte.
    state_b, _, b.cursor, _ = conn_b.catch_up(b.cursor)
    seen = state_b.get(record)
    t.check(f"{tag}: other_device_pulls_the_new_petition_with_every_field",
            seen is not None and seen["type"] == "petition" and seen["org_unit"] == ORG_UNIT
            and seen["deleted"] is False and canonical(seen["fields"]) == canonical(created),
            str(seen))
    if seen is None:
        return conn_b
    t.check(f"{tag}: precomposed_vietnamese_text_comes_back_byte_for_byte",
            seen["fields"]["summary"].encode() == SUMMARY.encode(),
            repr(seen["fields"]["summary"]))
    got = seen["fields"]["petitioner_id"]
    t.check(f"{tag}: decomposed_vietnamese_text_comes_back_canonically_equivalent",
            unicodedata.normalize("NFC", got) == unicodedata.normalize("NFC", PETITIONER)
            and PETITIONER != unicodedata.normalize("NFC", PETITIONER), repr(got))
    print(f"note  {tag}: NFD text came back "
          + ("byte for byte (as docs/protocol.md section 3 says)" if got == PETITIONER
             else "as NFC (docs/protocol.md section 3 says nothing is normalised)"
             if got == unicodedata.normalize("NFC", PETITIONER) else "changed otherwise"))
    base = seen["version"]

    # Both edit `status` offline from the version they saw.  The later clock wins.
    values = {"a": "processing", "b": "resolved"}
    first, second = (b, a) if a_wins else (a, b)
    edits = {}
    edits[first.name] = first.change(record, base, {"status": values[first.name]})
    time.sleep(0.003)                        # distinct wall clocks, whatever the ms tick
    edits[second.name] = second.change(record, base, {"status": values[second.name]})
    edit_a, edit_b = edits["a"], edits["b"]
    winner = "a" if order_key(edit_a, a) > order_key(edit_b, b) else "b"

    # A pushes first, then B.
    answer_a = conn_a.push([edit_a])
    answer_b = conn_b.push([edit_b])
    t.check(f"{tag}: both_concurrent_edits_are_applied",
            answer_a["type"] == "push_result" and answer_b["type"] == "push_result"
            and answer_a["results"][0]["status"] == "applied"
            and answer_b["results"][0]["status"] == "applied", f"{answer_a} {answer_b}")
    conflicts = (answer_a.get("results", [{}])[0].get("conflicts", []) +
                 answer_b.get("results", [{}])[0].get("conflicts", []))
    t.check(f"{tag}: exactly_one_conflict_is_reported_and_to_the_second_pusher",
            len(conflicts) == 1 and "conflicts" not in answer_a["results"][0], str(conflicts))
    if conflicts:
        c = conflicts[0]
        t.check(f"{tag}: conflict_names_status_the_kept_value_and_the_outcome",
                c["field"] == "status" and c["kept"] == values[winner]
                and c["yours"] == values["b"]
                and c["outcome"] == ("won" if winner == "b" else "lost")
                and isinstance(c["id"], str), f"{c}, winner {winner}")

    # Both pull and hold identical records.
    state_a, _, a.cursor, _ = conn_a.catch_up(a.cursor)
    state_b, _, b.cursor, _ = conn_b.catch_up(b.cursor)
    rec_a, rec_b = state_a.get(record), state_b.get(record)
    t.check(f"{tag}: both_devices_pull_identical_records",
            rec_a is not None and rec_a == rec_b, f"A {rec_a}\nB {rec_b}")
    t.check(f"{tag}: merged_record_holds_the_later_clock_value_at_version_base_plus_2",
            rec_a is not None and rec_a["fields"]["status"] == values[winner]
            and rec_a["version"] == base + 2 and rec_a["fields"]["summary"] == SUMMARY,
            f"{rec_a}, winner {winner}, base {base}")

    # Resending a push is answered duplicate with the stored answer.
    again = conn_b.push([edit_b])
    res = again.get("results", [{}])[0]
    t.check(f"{tag}: resent_push_is_answered_duplicate_with_the_same_conflicts",
            again["type"] == "push_result" and res.get("status") == "duplicate"
            and res.get("conflicts", []) == answer_b["results"][0].get("conflicts", [])
            and again["last_seq"] == b.last_seq, str(again))

    # A gap refuses the whole push with seq_gap naming the expected seq.
    stray = sc.uuid7()
    gap = b.change(stray, 0, dict(created), seq=b.last_seq + 2)
    refused = conn_b.push([gap], req_id=777)
    t.check(f"{tag}: push_with_a_gap_is_refused_with_seq_gap_naming_the_expected_seq",
            refused["type"] == "error" and refused["code"] == "seq_gap"
            and refused.get("id") == 777
            and f"expected seq {b.last_seq + 1}" in refused["message"], str(refused))

    # A wrong kind of frame costs one bad_message answer, and the connection stays.
    if sp == sc.JSON_SUBPROTOCOL:
        conn_b.ws.send_binary(sc.encode_binary({"type": "pull", "id": 5, "limit": 1}))
    else:
        conn_b.ws.send_text(json.dumps({"type": "pull", "id": 5, "limit": 1}))
    wrong = conn_b.wait_for(lambda m: m["type"] == "error")
    t.check(f"{tag}: message_in_the_wrong_kind_of_frame_is_answered_bad_message",
            wrong["code"] == "bad_message", str(wrong))

    # B goes live (catch-up first: nothing of the gap push may appear).
    state_b, _, b.cursor, live_id = conn_b.catch_up(b.cursor, live=True)
    full, _, _, _ = conn_a.catch_up(None)
    t.check(f"{tag}: nothing_of_a_refused_push_is_applied",
            stray not in state_b and stray not in full)

    # A pushes another change: B receives it on the live pull, same id, unasked.
    later = a.change(record, base + 2, {"resolved_on": "2022-04-01"})
    answer = conn_a.push([later])
    t.check(f"{tag}: change_after_the_merge_is_applied",
            answer["type"] == "push_result" and answer["results"][0]["status"] == "applied",
            str(answer))
    try:
        page = conn_b.wait_for(lambda m: m["type"] == "changes" and m["id"] == live_id
                               and any(r["record"] == record for r in m["records"]),
                               LIVE_WAIT_SECONDS)
        got = [r for r in page["records"] if r["record"] == record][0]
        b.cursor = page["cursor"]
    except socket.timeout:
        got = None
    t.check(f"{tag}: live_pull_receives_the_other_devices_change",
            got is not None and got["version"] == base + 3
            and got["fields"].get("resolved_on") == "2022-04-01"
            and got["fields"]["status"] == values[winner], str(got))

    # After a refused push the next seq is still last_seq + 1 (nothing was used up).
    follow = b.change(record, base + 3, {"summary": SUMMARY + " (đã xác minh)"})
    answer = conn_b.push([follow])
    t.check(f"{tag}: after_seq_gap_the_expected_seq_is_accepted",
            answer["type"] == "push_result" and answer["last_seq"] == follow["seq"]
            and answer["results"][0]["status"] == "applied", str(answer))
    conn_a.close()
    return conn_b


def run(t, bin_dir):
    offline_checks(t)
    with tempfile.TemporaryDirectory(prefix="sotay-py-") as workdir:
        server = None
        try:
            server = Server(bin_dir, workdir)
            t.check("server_prints_listening_on_host_and_port", server.port > 0)
            status, body = http_get(server.port, "/healthz")
            t.check("healthz_answers_200", status == 200, f"{status} {body!r}")
            try:
                sc.WebSocket(HOST, server.port, "/sync", ["sotay.v2.json"])
                t.check("upgrade_offering_neither_subprotocol_is_refused_with_400", False,
                        "upgraded")
            except sc.HandshakeError as e:
                t.check("upgrade_offering_neither_subprotocol_is_refused_with_400",
                        e.status == 400 and b"sotay.v1.json" in e.body
                        and b"sotay.v1.bin" in e.body, f"{e.status} {e.body!r}")
            both = sc.WebSocket(HOST, server.port, "/sync",
                                [sc.JSON_SUBPROTOCOL, sc.BIN_SUBPROTOCOL])
            t.check("server_prefers_binary_when_both_are_offered",
                    both.subprotocol == sc.BIN_SUBPROTOCOL, str(both.subprotocol))
            both.close()

            a = Device("a", server.add_device("Xã Tân Phú"))
            b = Device("b", server.add_device("Thôn Bản Mới"))
            t.check("admin_issues_two_distinct_devices", a.device_id != b.device_id)

            intruder = sc.Client(HOST, server.port)
            try:
                intruder.hello(a.device_id, "not-the-token")
                t.check("wrong_token_is_refused_auth_failed_then_closed_1008", False)
            except sc.ProtocolError as e:
                try:
                    intruder.recv_message(5)
                    code = "no close"
                except sc.ConnectionClosed as closed:
                    code = closed.code
                t.check("wrong_token_is_refused_auth_failed_then_closed_1008",
                        e.msg["code"] == "auth_failed" and "id" not in e.msg and code == 1008,
                        f"{e.msg} close {code}")

            live = None
            for sp, a_wins in ((sc.JSON_SUBPROTOCOL, False), (sc.BIN_SUBPROTOCOL, True)):
                try:
                    if live is not None:
                        live.close()
                    live = scenario(t, server, sp, a, b, a_wins)
                except Exception:                       # report and go on
                    t.crash(f"scenario over {sp}")

            # SIGTERM: open sessions are closed 1001 and the process exits 0.
            server.proc.send_signal(signal.SIGTERM)
            if live is not None:
                try:
                    while True:
                        live.recv_message(SHUTDOWN_SECONDS)
                except sc.ConnectionClosed as closed:
                    t.check("shutdown_closes_a_live_session_with_1001", closed.code == 1001,
                            f"close code {closed.code}")
                except socket.timeout:
                    t.check("shutdown_closes_a_live_session_with_1001", False, "no close")
            try:
                code = server.proc.wait(SHUTDOWN_SECONDS)
            except subprocess.TimeoutExpired:
                code = "still running"
            t.check("server_exits_0_after_sigterm", code == 0, f"exit {code}")
        except Exception:
            t.crash("test harness")
        finally:
            if server is not None:
                server.kill()
                if t.failed:
                    print("--- server stderr (tail) ---\n" + server.log_tail())
                server.stderr.close()


def main():
    if len(sys.argv) != 2:
        print("usage: test_protocol.py BIN_DIR", file=sys.stderr)
        return 2
    t = Checks()
    started = time.monotonic()
    run(t, sys.argv[1])
    print(f"(took {time.monotonic() - started:.1f} s)")
    print(f"{t.passed} passed, {t.failed} failed")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
