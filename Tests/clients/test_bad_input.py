"""Broken requests: answered or refused as Kafka does, with nothing appended and every other client unaffected."""

import struct

import kafkawire
from clients import Rec, consume_kcat, produce_kcat
from conftest import create_topic, leader_of, metadata

CORRUPT_MESSAGE = 2
NOT_LEADER_OR_FOLLOWER = 6
UNSUPPORTED_VERSION = 35


def test_a_wrong_crc_is_corrupt_message_and_nothing_is_appended(cluster):
    create_topic(cluster, "crc")
    leader = leader_of(cluster, "crc")
    good = kafkawire.batch([b"first"])
    bad = bytearray(kafkawire.batch([b"second"]))
    bad[-1] ^= 0xFF  # inside the CRC-covered records
    conn = kafkawire.Connection(leader.kafka)
    conn.send(kafkawire.request(0, 3, 1, kafkawire.produce_v3("crc", 0, good)))
    assert kafkawire.parse_produce_v3(conn.receive()[1]) == (0, 0)
    conn.send(kafkawire.request(0, 3, 2, kafkawire.produce_v3("crc", 0, bytes(bad))))
    error, _ = kafkawire.parse_produce_v3(conn.receive()[1])
    assert error == CORRUPT_MESSAGE
    conn.send(kafkawire.request(0, 3, 3, kafkawire.produce_v3("crc", 0, good)))
    assert kafkawire.parse_produce_v3(conn.receive()[1]) == (0, 1)
    conn.close()
    assert [g.value for g in consume_kcat(cluster.bootstrap, "crc", 2)] == [b"first", b"first"]


def test_produce_to_a_follower_is_not_leader(cluster):
    create_topic(cluster, "not-leader")
    leader = leader_of(cluster, "not-leader")
    other = next(a for a in cluster.agents if a is not leader)
    conn = kafkawire.Connection(other.kafka)
    conn.send(kafkawire.request(0, 3, 7, kafkawire.produce_v3("not-leader", 0, kafkawire.batch([b"x"]))))
    correlation, body = conn.receive()
    assert correlation == 7
    assert kafkawire.parse_produce_v3(body)[0] == NOT_LEADER_OR_FOLLOWER
    conn.close()


def test_an_unsupported_api_versions_version_gets_error_35_in_a_v0_body(cluster):
    conn = kafkawire.Connection(cluster.agents[0].kafka)
    conn.send(kafkawire.request(18, 99, 5, b""))
    correlation, body = conn.receive()
    assert correlation == 5
    (error,) = struct.unpack_from(">h", body)
    assert error == UNSUPPORTED_VERSION
    (count,) = struct.unpack_from(">i", body, 2)
    keys = {struct.unpack_from(">hhh", body, 6 + 6 * i)[0] for i in range(count)}
    assert {0, 1, 2, 3, 18}.issubset(keys)
    conn.close()


def hostile(cluster, frame):
    """Sends `frame` on its own connection; the broker must close it, and serve others meanwhile."""
    conn = kafkawire.Connection(cluster.agents[0].kafka)
    conn.send(frame)
    closed = conn.closed_by_peer()
    conn.close()
    assert len(metadata(cluster.agents[0].bootstrap).brokers) == 3
    return closed


def test_garbage_an_unknown_api_and_a_2_gib_size_close_only_that_connection(cluster):
    create_topic(cluster, "survivor")
    produce_kcat(cluster.bootstrap, "survivor", [Rec(b"k", b"before")])
    assert hostile(cluster, struct.pack(">i", 0x7FFF_FFF0) + b"\x00" * 64)  # announces ~2 GiB
    assert hostile(cluster, struct.pack(">i", -5))
    assert hostile(cluster, kafkawire.request(9999, 0, 1, b""))  # unknown API key
    assert hostile(cluster, kafkawire.request(0, 42, 1, b""))  # Produce at an unknown version
    assert hostile(cluster, struct.pack(">i", 12) + b"\xde\xad\xbe\xef" * 3)  # header garbage
    assert hostile(cluster, kafkawire.request(3, 4, 1, b"\xff\xff\xff\x7f"))  # Metadata: absurd array count
    produce_kcat(cluster.bootstrap, "survivor", [Rec(b"k", b"after")])
    assert [g.value for g in consume_kcat(cluster.bootstrap, "survivor", 2)] == [b"before", b"after"]
