"""A client of the sotay sync protocol, version 1, in plain Python 3 (standard library only).

Written from docs/protocol.md and the shared contract (sync-protocol.md) alone, to show that
the documents suffice to build a client in another language.  It speaks both subprotocols:

  - sotay.v1.json: one JSON object per text frame (protocol.md section 9.1);
  - sotay.v1.bin:  cereal's portable binary layout, little endian, written by hand with
                   `struct` (protocol.md sections 9.2 and 9.3).

Messages are plain dicts shaped like the JSON messages of protocol.md section 4, whichever
subprotocol carries them, so callers never see the encoding.  The WebSocket client side
(RFC 6455: handshake, masking, text/binary frames, fragmentation, ping/pong, close) is
implemented over `socket` so that nothing outside the standard library is needed.
"""

import base64
import hashlib
import json
import math
import os
import socket
import struct
import time

JSON_SUBPROTOCOL = "sotay.v1.json"
BIN_SUBPROTOCOL = "sotay.v1.bin"
PROTOCOL_VERSION = 1

# ---------------------------------------------------------------------------------------
# WebSocket (RFC 6455), client side
# ---------------------------------------------------------------------------------------

_WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"   # RFC 6455 section 1.3
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class HandshakeError(Exception):
    """The server did not upgrade: carries the HTTP status, headers and body."""

    def __init__(self, status, headers, body):
        super().__init__(f"upgrade refused: HTTP {status}: {body!r}")
        self.status, self.headers, self.body = status, headers, body


class ConnectionClosed(Exception):
    """The peer closed the WebSocket (code None when the TCP stream just ended)."""

    def __init__(self, code, reason):
        super().__init__(f"connection closed: code {code} reason {reason!r}")
        self.code, self.reason = code, reason


def _mask(payload, key):
    # XOR the payload with the 4-byte key repeated; done on big integers for speed.
    if not payload:
        return b""
    n = len(payload)
    repeated = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(n, "big")


class WebSocket:
    """One client WebSocket over a blocking TCP socket.  Not thread safe."""

    def __init__(self, host, port, path="/sync", subprotocols=(), timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = bytearray()
        self.closed = False
        self.close_sent = False
        self.close_code = None
        self.subprotocol = None
        self.pongs = []                      # payloads of the pongs received, in order
        self._handshake(host, port, path, list(subprotocols))

    # -- handshake -----------------------------------------------------------------------

    def _handshake(self, host, port, path, subprotocols):
        key = base64.b64encode(os.urandom(16)).decode("ascii")
        lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Upgrade: websocket",
                 "Connection: Upgrade", f"Sec-WebSocket-Key: {key}",
                 "Sec-WebSocket-Version: 13"]
        if subprotocols:
            lines.append("Sec-WebSocket-Protocol: " + ", ".join(subprotocols))
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("ascii"))

        # Read the status line and headers; bytes after them already belong to frames.
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, _, rest = bytes(self.buf).partition(b"\r\n\r\n")
        self.buf = bytearray(rest)
        status_line, *header_lines = head.decode("iso-8859-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()

        if status != 101:
            body = self._read_http_body(headers)
            self.sock.close()
            self.closed = True
            raise HandshakeError(status, headers, body)
        expected = base64.b64encode(hashlib.sha1(key.encode("ascii") + _WS_GUID).digest())
        if headers.get("sec-websocket-accept", "").encode("ascii") != expected:
            raise HandshakeError(status, headers, b"bad Sec-WebSocket-Accept")
        # protocol.md section 1: read the chosen subprotocol, do not assume it.
        chosen = headers.get("sec-websocket-protocol")
        if chosen is not None and chosen not in subprotocols:
            raise HandshakeError(status, headers, b"server chose a subprotocol not offered")
        self.subprotocol = chosen

    def _read_http_body(self, headers):
        length = headers.get("content-length")
        try:
            if length is not None:
                while len(self.buf) < int(length):
                    self._fill()
                return bytes(self.buf[:int(length)])
            while True:                      # no length: the body ends with the stream
                self._fill()
        except (ConnectionClosed, OSError):
            return bytes(self.buf)

    # -- bytes ---------------------------------------------------------------------------

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            self.closed = True
            raise ConnectionClosed(None, "TCP stream ended")
        self.buf += chunk

    def _read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    # -- frames --------------------------------------------------------------------------

    def send_frame(self, opcode, payload):
        """Send one unfragmented frame, masked as RFC 6455 requires of clients."""
        header = bytearray([0x80 | opcode])
        n = len(payload)
        if n < 126:
            header.append(0x80 | n)
        elif n < 65536:
            header.append(0x80 | 126)
            header += struct.pack("!H", n)
        else:
            header.append(0x80 | 127)
            header += struct.pack("!Q", n)
        key = os.urandom(4)
        self.sock.sendall(bytes(header) + key + _mask(payload, key))

    def send_text(self, text):
        self.send_frame(OP_TEXT, text.encode("utf-8") if isinstance(text, str) else text)

    def send_binary(self, data):
        self.send_frame(OP_BINARY, bytes(data))

    def ping(self, payload=b""):
        self.send_frame(OP_PING, payload)

    def _read_frame(self):
        b0, b1 = self._read_exact(2)
        fin, opcode = bool(b0 & 0x80), b0 & 0x0F
        if b0 & 0x70:
            raise ConnectionClosed(1002, "reserved bits set by the server")
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._read_exact(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._read_exact(8))[0]
        if b1 & 0x80:                        # servers must not mask; unmask anyway
            key = self._read_exact(4)
            return fin, opcode, _mask(self._read_exact(n), key)
        return fin, opcode, self._read_exact(n)

    def recv(self, timeout=None):
        """Return (opcode, payload) of the next data message, answering pings on the way.

        Raises ConnectionClosed when the server closes, socket.timeout on timeout.
        Records each pong in `self.pongs` so a caller can check its pings."""
        self.sock.settimeout(timeout)
        message_opcode, parts = None, []
        while True:
            fin, opcode, payload = self._read_frame()
            if opcode == OP_PING:
                self.send_frame(OP_PONG, payload)
                continue
            if opcode == OP_PONG:
                self.pongs.append(payload)
                continue
            if opcode == OP_CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                reason = payload[2:].decode("utf-8", "replace")
                self.close_code = code
                if not self.close_sent:      # echo the close, then the server ends TCP
                    try:
                        self.send_frame(OP_CLOSE, payload[:2])
                        self.close_sent = True
                    except OSError:
                        pass
                self.closed = True
                self.sock.close()
                raise ConnectionClosed(code, reason)
            if opcode in (OP_TEXT, OP_BINARY):
                message_opcode, parts = opcode, [payload]
            elif opcode == OP_CONT and message_opcode is not None:
                parts.append(payload)
            else:
                raise ConnectionClosed(1002, f"unexpected opcode {opcode}")
            if fin:
                return message_opcode, b"".join(parts)

    def close(self, code=1000, reason=""):
        """Send a close frame, wait briefly for the server's, then drop the socket."""
        if self.closed:
            return
        try:
            self.send_frame(OP_CLOSE, struct.pack("!H", code) + reason.encode("utf-8"))
            self.close_sent = True
            deadline = time.monotonic() + 2.0  # a close handshake is quick on loopback
            while time.monotonic() < deadline:
                self.recv(timeout=max(0.01, deadline - time.monotonic()))
        except (ConnectionClosed, OSError):
            pass
        self.closed = True
        self.sock.close()


# ---------------------------------------------------------------------------------------
# The binary encoding (protocol.md sections 9.2 and 9.3)
# ---------------------------------------------------------------------------------------

class DecodeError(Exception):
    """A frame that is not a valid message (the server would answer `bad_message`)."""


TAGS = {"hello": 0, "welcome": 1, "push": 2, "push_result": 3, "pull": 4, "changes": 5,
        "error": 6}
TYPES = {v: k for k, v in TAGS.items()}
STATUSES = ["applied", "duplicate", "rejected"]
# protocol.md section 7; any other code is read as `internal`.
ERROR_CODES = {"ok", "auth_failed", "device_revoked", "protocol_unsupported", "bad_message",
               "too_large", "seq_gap", "validation", "out_of_scope", "unknown_type",
               "rate_limited", "internal", "not_ready", "shutting_down",
               "forbidden", "scope_changed", "not_found", "conflict"}


class _Writer:
    def __init__(self):
        self.out = bytearray()

    def u8(self, v):
        self.out += struct.pack("<B", v)

    def boolean(self, v):
        self.u8(1 if v else 0)

    def i32(self, v):
        self.out += struct.pack("<i", v)

    def u32(self, v):
        self.out += struct.pack("<I", v)

    def i64(self, v):
        self.out += struct.pack("<q", v)

    def u64(self, v):
        self.out += struct.pack("<Q", v)

    def string(self, s):
        b = s.encode("utf-8")
        self.u64(len(b))
        self.out += b

    def opt_string(self, s):
        self.boolean(s is not None)
        if s is not None:
            self.string(s)

    def value(self, v):
        if v is None:
            self.u8(0)
        elif isinstance(v, bool):            # bool before int: True is an int in Python
            self.u8(1)
            self.boolean(v)
        elif isinstance(v, int):
            self.u8(2)
            self.i64(v)
        elif isinstance(v, float):
            if not math.isfinite(v):
                raise ValueError("a value double must be finite")
            self.u8(3)
            self.out += struct.pack("<d", v)
        elif isinstance(v, str):
            self.u8(4)
            self.string(v)
        else:
            raise TypeError(f"not a sotay value: {v!r}")

    def field_map(self, m):
        # Names in strictly ascending unsigned-byte order (protocol.md section 9.2).
        items = sorted(m.items(), key=lambda kv: kv[0].encode("utf-8"))
        self.u64(len(items))
        for name, v in items:
            self.string(name)
            self.value(v)


class _Reader:
    def __init__(self, data):
        self.data, self.pos = memoryview(data), 0

    def take(self, n):
        if n > len(self.data) - self.pos:
            raise DecodeError(f"{n} bytes wanted at offset {self.pos}, fewer left")
        out = bytes(self.data[self.pos:self.pos + n])
        self.pos += n
        return out

    def unpack(self, fmt):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def u8(self):
        return self.unpack("<B")

    def boolean(self):
        b = self.u8()
        if b > 1:
            raise DecodeError(f"bool byte {b} at offset {self.pos - 1}")
        return b == 1

    def i32(self):
        return self.unpack("<i")

    def u32(self):
        return self.unpack("<I")

    def i64(self):
        return self.unpack("<q")

    def u64(self):
        return self.unpack("<Q")

    def count(self):
        n = self.u64()
        if n > len(self.data) - self.pos:   # each item takes at least one byte
            raise DecodeError(f"count {n} larger than the bytes left")
        return n

    def string(self):
        raw = self.take(self.count())
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise DecodeError(f"invalid UTF-8: {e}") from None

    def optional(self, read):
        return read() if self.boolean() else None

    def value(self):
        tag = self.u8()
        if tag == 0:
            return None
        if tag == 1:
            return self.boolean()
        if tag == 2:
            return self.i64()
        if tag == 3:
            d = self.unpack("<d")
            if not math.isfinite(d):
                raise DecodeError("non-finite double")
            return d
        if tag == 4:
            return self.string()
        raise DecodeError(f"unknown value tag {tag}")

    def field_map(self):
        out, last = {}, None
        for _ in range(self.count()):
            name = self.string()
            key = name.encode("utf-8")
            if last is not None and key <= last:
                raise DecodeError(f"field names not strictly ascending at {name!r}")
            last = key
            out[name] = self.value()
        return out

    def array(self, read):
        return [read() for _ in range(self.count())]


def _error_info(r):
    code = r.string()
    info = {"code": code if code in ERROR_CODES else "internal", "message": r.string()}
    field = r.optional(r.string)
    if field is not None:
        info["field"] = field
    return info


def encode_binary(msg):
    """Encode one message dict (JSON shape) as one binary frame payload."""
    w = _Writer()
    w.u8(1)                                  # cereal portable archive: little endian
    kind = msg["type"]
    w.u8(TAGS[kind])
    if kind == "hello":
        w.i32(msg["protocol"])
        w.string(msg["device_id"])
        w.string(msg["token"])
        w.i64(msg["client_time"])
    elif kind == "welcome":
        w.i32(msg["protocol"])
        w.i64(msg["server_time"])
        w.u64(msg["last_seq"])
        w.i32(msg["schema_version"])
        w.u64(msg["limits"]["max_message_bytes"])
        w.u64(msg["limits"]["max_changes_per_push"])
    elif kind == "push":
        w.i64(msg["id"])
        w.u64(len(msg["changes"]))
        for c in msg["changes"]:
            w.u64(c["seq"])
            for member in ("record", "type", "org_unit", "hlc"):
                w.string(c[member])
            w.u64(c["base"])
            w.field_map(c.get("set", {}))
            w.boolean(c.get("delete", False))
    elif kind == "push_result":
        w.i64(msg["id"])
        w.u64(msg["last_seq"])
        w.u64(len(msg["results"]))
        for res in msg["results"]:
            w.u64(res["seq"])
            w.u8(STATUSES.index(res["status"]))
            conflicts = res.get("conflicts", [])
            w.u64(len(conflicts))
            for c in conflicts:
                for member in ("id", "field", "outcome"):
                    w.string(c[member])
                w.value(c["kept"])
                w.value(c["yours"])
            err = res.get("error")
            w.boolean(err is not None)
            if err is not None:
                w.string(err["code"])
                w.string(err["message"])
                w.opt_string(err.get("field"))
    elif kind == "pull":
        w.i64(msg["id"])
        w.opt_string(msg.get("cursor"))
        w.u32(msg.get("limit", 500))
        w.boolean(msg.get("live", False))
    elif kind == "changes":
        w.i64(msg["id"])
        w.string(msg["cursor"])
        w.boolean(msg["more"])
        w.u64(len(msg["records"]))
        for rec in msg["records"]:
            for member in ("record", "type", "org_unit"):
                w.string(rec[member])
            w.u64(rec["version"])
            w.boolean(rec["deleted"])
            w.field_map(rec["fields"])
        evict = msg.get("evict", [])
        w.u64(len(evict))
        for e in evict:
            w.string(e)
    elif kind == "error":
        w.boolean(msg.get("id") is not None)
        if msg.get("id") is not None:
            w.i64(msg["id"])
        w.string(msg["code"])
        w.string(msg["message"])
        w.opt_string(msg.get("field"))
    else:
        raise ValueError(f"unknown message type {kind!r}")
    return bytes(w.out)


def decode_binary(data):
    """Decode one binary frame payload into a message dict of the JSON shape."""
    r = _Reader(data)
    if r.u8() != 1:
        raise DecodeError("first byte is not the little-endian flag 0x01")
    tag = r.u8()
    if tag not in TYPES:
        raise DecodeError(f"unknown message tag {tag}")
    kind = TYPES[tag]
    msg = {"type": kind}
    if kind == "hello":
        msg.update(protocol=r.i32(), device_id=r.string(), token=r.string(),
                   client_time=r.i64())
    elif kind == "welcome":
        msg.update(protocol=r.i32(), server_time=r.i64(), last_seq=r.u64(),
                   schema_version=r.i32())
        msg["limits"] = {"max_message_bytes": r.u64(), "max_changes_per_push": r.u64()}
    elif kind == "push":
        msg["id"] = r.i64()

        def change():
            c = {"seq": r.u64(), "record": r.string(), "type": r.string(),
                 "org_unit": r.string(), "hlc": r.string(), "base": r.u64()}
            fields, delete = r.field_map(), r.boolean()
            if delete and fields:
                raise DecodeError("a delete with a non-empty set")
            if delete:
                c["delete"] = True
            else:
                c["set"] = fields
            return c
        msg["changes"] = r.array(change)
    elif kind == "push_result":
        msg.update(id=r.i64(), last_seq=r.u64())

        def conflict():
            return {"id": r.string(), "field": r.string(), "outcome": r.string(),
                    "kept": r.value(), "yours": r.value()}

        def result():
            res = {"seq": r.u64()}
            status = r.u8()
            if status >= len(STATUSES):
                raise DecodeError(f"unknown status {status}")
            res["status"] = STATUSES[status]
            conflicts = r.array(conflict)
            if conflicts:
                res["conflicts"] = conflicts
            err = r.optional(lambda: _error_info(r))
            if (err is not None) != (res["status"] == "rejected"):
                raise DecodeError("error present iff rejected is violated")
            if err is not None:
                res["error"] = err
            return res
        msg["results"] = r.array(result)
    elif kind == "pull":
        msg.update(id=r.i64(), cursor=r.optional(r.string), limit=r.u32(), live=r.boolean())
        if not 1 <= msg["limit"] <= 100000:
            raise DecodeError(f"pull limit {msg['limit']} outside 1..100000")
    elif kind == "changes":
        msg.update(id=r.i64(), cursor=r.string(), more=r.boolean())

        def record():
            return {"record": r.string(), "type": r.string(), "org_unit": r.string(),
                    "version": r.u64(), "deleted": r.boolean(), "fields": r.field_map()}
        msg["records"] = r.array(record)
        msg["evict"] = r.array(r.string)
    elif kind == "error":
        mid = r.optional(r.i64)
        if mid is not None:
            msg["id"] = mid
        code = r.string()
        msg.update(code=code if code in ERROR_CODES else "internal", message=r.string())
        field = r.optional(r.string)
        if field is not None:
            msg["field"] = field
    if r.pos != len(r.data):
        raise DecodeError(f"{len(r.data) - r.pos} bytes left over after the message")
    return msg


# ---------------------------------------------------------------------------------------
# The JSON encoding (protocol.md section 9.1)
# ---------------------------------------------------------------------------------------

def _refuse_constant(name):
    raise DecodeError(f"not JSON: {name}")


def encode_json(msg):
    """One message as compact UTF-8 JSON; doubles in shortest round-trip form (repr)."""
    return json.dumps(msg, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


def decode_json(data):
    """Parse one text frame; fills the documented defaults (evict = [])."""
    try:
        msg = json.loads(data.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError) as e:
        raise DecodeError(str(e)) from None
    if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
        raise DecodeError("not an object with a string `type`")
    if msg["type"] == "changes":
        msg.setdefault("evict", [])
    if msg["type"] == "error" and msg.get("code") not in ERROR_CODES:
        msg["code"] = "internal"             # protocol.md section 4.7
    for key in ("id", "field"):              # null means absent (section 9.1)
        if msg["type"] == "error" and key in msg and msg[key] is None:
            del msg[key]
    return msg


# ---------------------------------------------------------------------------------------
# Ids and clocks
# ---------------------------------------------------------------------------------------

def uuid7(now_ms=None):
    """A lowercase UUIDv7 string (RFC 9562): 48-bit ms time, version 7, variant 10."""
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76                                  # version
    value |= ((rand >> 62) & 0xFFF) << 64               # rand_a, 12 bits
    value |= 0b10 << 62                                 # variant
    value |= rand & ((1 << 62) - 1)                     # rand_b, 62 bits
    h = f"{value:032x}"
    return f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


class Hlc:
    """The device's hybrid logical clock (protocol.md section 10)."""

    def __init__(self):
        self.wall, self.counter, self.offset = 0, 0, 0

    def tick(self, now_ms=None):
        """Advance for one change and return it as "<wall_ms>:<counter>"."""
        now = (int(time.time() * 1000) if now_ms is None else now_ms) + self.offset
        if now <= self.wall:
            self.counter += 1
        else:
            self.wall, self.counter = now, 0
        return f"{self.wall}:{self.counter}"


def parse_hlc(text):
    wall, _, counter = text.partition(":")
    return int(wall), int(counter)


# ---------------------------------------------------------------------------------------
# The session
# ---------------------------------------------------------------------------------------

class ProtocolError(Exception):
    """The server answered `error` where an answer was expected."""

    def __init__(self, msg):
        super().__init__(f"{msg.get('code')}: {msg.get('message')}")
        self.msg = msg


class Client:
    """One connection to a sotay server speaking one subprotocol.

    Every received message goes through `recv_message`; messages nobody asked for yet
    (live `changes` arriving between answers) wait in `self.inbox`."""

    def __init__(self, host, port, subprotocol=JSON_SUBPROTOCOL, offer=None, timeout=10.0):
        self.ws = WebSocket(host, port, "/sync", offer or [subprotocol], timeout=timeout)
        if self.ws.subprotocol not in (JSON_SUBPROTOCOL, BIN_SUBPROTOCOL):
            raise HandshakeError(101, {}, b"no sotay subprotocol chosen by the server")
        self.subprotocol = self.ws.subprotocol
        self.inbox = []
        self.next_id = 1
        self.welcome = None

    # -- raw messages ----------------------------------------------------------------

    def send_message(self, msg):
        if self.subprotocol == BIN_SUBPROTOCOL:
            self.ws.send_binary(encode_binary(msg))
        else:
            self.ws.send_text(encode_json(msg))

    def recv_message(self, timeout=10.0):
        """The next message from the server, decoded by the frame's own kind."""
        if self.inbox:
            return self.inbox.pop(0)
        opcode, payload = self.ws.recv(timeout)
        return decode_binary(payload) if opcode == OP_BINARY else decode_json(payload)

    def wait_for(self, match, timeout=10.0):
        """The first message for which match(msg) holds; others are kept in the inbox."""
        for i, msg in enumerate(self.inbox):
            if match(msg):
                return self.inbox.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("no matching message in time")
            opcode, payload = self.ws.recv(left)
            msg = decode_binary(payload) if opcode == OP_BINARY else decode_json(payload)
            if match(msg):
                return msg
            self.inbox.append(msg)

    def answer_to(self, req_id, timeout=10.0):
        """The next message carrying req_id: its answer (or an `error` naming it)."""
        return self.wait_for(lambda m: m.get("id") == req_id, timeout)

    def take_id(self):
        self.next_id += 1
        return self.next_id - 1

    # -- requests --------------------------------------------------------------------

    def hello(self, device_id, token, client_time=None):
        """Send hello; return welcome, or raise ProtocolError with the refusal."""
        now = int(time.time() * 1000) if client_time is None else client_time
        self.send_message({"type": "hello", "protocol": PROTOCOL_VERSION,
                           "device_id": device_id, "token": token, "client_time": now})
        msg = self.wait_for(lambda m: m["type"] in ("welcome", "error"))
        if msg["type"] == "error":
            raise ProtocolError(msg)
        self.welcome = msg
        return msg

    def push(self, changes, req_id=None):
        """Send one push and return its answer: a `push_result` or an `error` dict."""
        req_id = self.take_id() if req_id is None else req_id
        self.send_message({"type": "push", "id": req_id, "changes": changes})
        return self.answer_to(req_id)

    def pull_page(self, cursor=None, limit=500, live=False, req_id=None):
        """Send one pull; return (id, its first answer)."""
        req_id = self.take_id() if req_id is None else req_id
        self.send_message({"type": "pull", "id": req_id, "cursor": cursor, "limit": limit,
                           "live": live})
        return req_id, self.answer_to(req_id)

    def catch_up(self, cursor=None, limit=500, live=False):
        """Pull page by page until `more` is false.

        Returns (state, evicted, cursor, pull_id): state maps record id -> latest record.
        With live=True the last pull stays open; its later pages arrive with pull_id."""
        state, evicted = {}, []
        while True:
            pull_id, page = self.pull_page(cursor, limit, live)
            if page["type"] == "error":
                raise ProtocolError(page)
            for rec in page["records"]:
                state[rec["record"]] = rec
            evicted += page["evict"]
            cursor = page["cursor"]
            if not page["more"]:
                return state, evicted, cursor, pull_id

    def close(self):
        self.ws.close()
