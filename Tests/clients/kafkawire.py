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
