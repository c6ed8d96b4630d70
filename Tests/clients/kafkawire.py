"""Hand-made Kafka requests for the bad-input tests: the real clients never send broken bytes on purpose."""

import socket
import struct

from kafka.record.default_records import DefaultRecordBatchBuilder


def _string(s):
    if s is None:
        return struct.pack(">h", -1)
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def request(api_key, version, correlation_id, body, client_id="peer-tests"):
    """A request frame with header v1 (every non-flexible version)."""
    header = struct.pack(">hhi", api_key, version, correlation_id) + _string(client_id)
    payload = header + body
    return struct.pack(">i", len(payload)) + payload


def batch(values, key=b"k"):
    """One valid RecordBatch v2, uncompressed."""
    builder = DefaultRecordBatchBuilder(2, 0, 0, -1, -1, -1, 1 << 20)
    for i, value in enumerate(values):
        builder.append(i, 1_700_000_000_000 + i, key, value, [])
    return bytes(builder.build())


def produce_v3(topic, partition, records, acks=1, timeout_ms=5000):
    body = _string(None) + struct.pack(">hi", acks, timeout_ms)
    body += struct.pack(">i", 1) + _string(topic) + struct.pack(">i", 1)
    body += struct.pack(">ii", partition, len(records)) + records
    return body


def parse_produce_v3(payload):
    """(error_code, base_offset) of the single partition in a Produce v3 response body."""
    pos = 0
    (topics,) = struct.unpack_from(">i", payload, pos)
    pos += 4
    assert topics == 1, topics
    (name_len,) = struct.unpack_from(">h", payload, pos)
    pos += 2 + name_len
    (partitions,) = struct.unpack_from(">i", payload, pos)
    pos += 4
    assert partitions == 1, partitions
    _, error, base_offset = struct.unpack_from(">ihq", payload, pos)
    return error, base_offset


class Connection:
    def __init__(self, port, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)

    def send(self, frame):
        self.sock.sendall(frame)

    def receive(self):
        """(correlation_id, body) of the next response; raises ConnectionError when the broker closed."""
        size = struct.unpack(">i", self._exactly(4))[0]
        data = self._exactly(size)
        return struct.unpack_from(">i", data)[0], data[4:]

    def closed_by_peer(self, timeout=5):
        """True when the broker closes the connection (EOF or reset) within `timeout` seconds."""
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False

    def _exactly(self, n):
        out = bytearray()
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))
            if not chunk:
                raise ConnectionError("closed by broker")
            out += chunk
        return bytes(out)

    def close(self):
        self.sock.close()


class _Reader:
    """Reads big-endian fields of a non-flexible response body in order."""

    def __init__(self, payload):
        self.payload, self.pos = payload, 0

    def take(self, fmt):
        values = struct.unpack_from(">" + fmt, self.payload, self.pos)
        self.pos += struct.calcsize(">" + fmt)
        return values[0] if len(values) == 1 else values

    def string(self):
        length = self.take("h")
        value = self.payload[self.pos:self.pos + length].decode()
        self.pos += length
        return value

    def nullable_bytes(self):
        length = self.take("i")
        if length < 0:
            return None
        value = self.payload[self.pos:self.pos + length]
        self.pos += length
        return value


def offset_for_leader_epoch(version, topic, partition, leader_epoch, current_leader_epoch=-1, replica_id=-1):
    """An OffsetForLeaderEpoch body (v0-v3) for one partition: where `leader_epoch` ends."""
    body = struct.pack(">i", replica_id) if version >= 3 else b""
    body += struct.pack(">i", 1) + _string(topic) + struct.pack(">ii", 1, partition)
    if version >= 2:
        body += struct.pack(">i", current_leader_epoch)
    return body + struct.pack(">i", leader_epoch)


def flexible_request(api_key, version, correlation_id, body, client_id="peer-tests"):
    """A request frame with header v2 (flexible versions): header v1 plus an empty tagged-field section."""
    header = struct.pack(">hhi", api_key, version, correlation_id) + _string(client_id) + b"\x00"
    payload = header + body
    return struct.pack(">i", len(payload)) + payload


def offset_for_leader_epoch_v4(topic, partition, leader_epoch, current_leader_epoch=-1, replica_id=-1):
    """An OffsetForLeaderEpoch v4 (flexible) body for one partition; names and counts fit one varint byte."""
    name = topic.encode()
    body = struct.pack(">i", replica_id) + bytes([2, len(name) + 1]) + name + bytes([2])
    return body + struct.pack(">iii", partition, current_leader_epoch, leader_epoch) + b"\x00\x00\x00"


def parse_offset_for_leader_epoch_v4(payload):
    """(error_code, leader_epoch, end_offset) of the single partition in an OffsetForLeaderEpoch v4 response body
    (after response header v1: the correlation id, then an empty tagged-field section)."""
    r = _Reader(payload)
    assert r.take("b") == 0, "response header v1 tagged fields"
    r.take("i")  # throttle time
    assert r.take("b") == 2, "one topic"
    name_length = r.take("b") - 1
    r.pos += name_length
    assert r.take("b") == 2, "one partition"
    error, _partition, epoch, end_offset = r.take("hiiq")
    assert payload[r.pos:] == b"\x00\x00\x00", "tagged fields of partition, topic and body"
    return error, epoch, end_offset


def parse_offset_for_leader_epoch(version, payload):
    """(error_code, leader_epoch, end_offset) of the single partition in an OffsetForLeaderEpoch (v0-v3) response;
    leader_epoch is None before v1."""
    r = _Reader(payload)
    if version >= 2:
        r.take("i")  # throttle time
    assert r.take("i") == 1
    r.string()
    assert r.take("i") == 1
    error, _partition = r.take("hi")
    epoch = r.take("i") if version >= 1 else None
    end_offset = r.take("q")
    assert r.pos == len(payload), "bytes left over"
    return error, epoch, end_offset


def list_offsets_v4(topic, partition, timestamp=-1):
    """ListOffsets v4 for one partition (-1 latest, -2 earliest), no epoch fencing."""
    body = struct.pack(">ib", -1, 0) + struct.pack(">i", 1) + _string(topic)
    return body + struct.pack(">iiiq", 1, partition, -1, timestamp)


def parse_list_offsets_v4(payload):
    """(error_code, offset, leader_epoch) of the single partition in a ListOffsets v4 response."""
    r = _Reader(payload)
    r.take("i")  # throttle time
    assert r.take("i") == 1
    r.string()
    assert r.take("i") == 1
    _partition, error, _timestamp, offset, epoch = r.take("ihqqi")
    return error, offset, epoch


def fetch(version, topic, partition, offset, replica_id=-1, max_wait_ms=0, min_bytes=1, max_bytes=1 << 20,
          current_leader_epoch=-1):
    """A Fetch body (v4, or v9 with fetch sessions declined and a fencing epoch) for one partition; replica_id >= 0
    is a follower broker's fetch."""
    assert version in (4, 9)
    body = struct.pack(">iiiib", replica_id, max_wait_ms, min_bytes, max_bytes, 0)
    if version >= 9:
        body += struct.pack(">ii", 0, -1)  # no fetch session
    body += struct.pack(">i", 1) + _string(topic) + struct.pack(">ii", 1, partition)
    if version >= 9:
        body += struct.pack(">i", current_leader_epoch)
    body += struct.pack(">q", offset)
    if version >= 9:
        body += struct.pack(">q", -1)  # the follower's log start offset
    body += struct.pack(">i", max_bytes)
    return body + (struct.pack(">i", 0) if version >= 9 else b"")  # no forgotten topics


def parse_fetch(version, payload):
    """(error_code, high_watermark, records bytes) of the single partition in a Fetch v4 or v9 response."""
    r = _Reader(payload)
    r.take("i")  # throttle time
    if version >= 9:
        r.take("hi")  # error code, session id
    assert r.take("i") == 1
    r.string()
    assert r.take("i") == 1
    _partition, error, high_watermark, _last_stable = r.take("ihqq")
    if version >= 9:
        r.take("q")  # log start offset
    aborted = r.take("i")
    for _ in range(max(0, aborted)):
        r.take("qq")
    records = r.nullable_bytes() or b""
    assert r.pos == len(payload), "bytes left over"
    return error, high_watermark, records


def batch_offsets(records):
    """(base offset, last offset, partition leader epoch) of every batch in a records blob."""
    out, pos = [], 0
    while pos + 12 <= len(records):
        base, length = struct.unpack_from(">qi", records, pos)
        (last_delta,) = struct.unpack_from(">i", records, pos + 23)
        (epoch,) = struct.unpack_from(">i", records, pos + 12)
        out.append((base, base + last_delta, epoch))
        pos += 12 + length
    return out
