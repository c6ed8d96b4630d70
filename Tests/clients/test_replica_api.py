"""The broker's side of replication as other brokers (and librdkafka) speak it: OffsetForLeaderEpoch answered from
the leader-epoch cache, and Fetch from a follower replica reading past the high watermark, long-polling."""

import struct
import threading

import kafkawire
from conftest import create_topic, leader_of, metadata

NOT_LEADER_OR_FOLLOWER = 6
UNKNOWN_TOPIC_OR_PARTITION = 3
FENCED_LEADER_EPOCH = 74
UNKNOWN_LEADER_EPOCH = 75


def roundtrip(conn, api_key, version, correlation, body):
    conn.send(kafkawire.request(api_key, version, correlation, body))
    got, payload = conn.receive()
    assert got == correlation
    return payload


def epoch_end(conn, version, topic, epoch, current=-1, replica_id=-1, partition=0):
    body = kafkawire.offset_for_leader_epoch(version, topic, partition, epoch, current, replica_id)
    return kafkawire.parse_offset_for_leader_epoch(version, roundtrip(conn, 23, version, 40 + version, body))


def broker_ids(cluster, topic):
    """(leader agent, its Kafka id, the Kafka ids of the partition's other replicas)."""
    md = metadata(cluster.bootstrap)
    partition = md.topics[topic].partitions[0]
    by_address = {f"{b.host}:{b.port}": b.id for b in md.brokers.values()}
    leader = next(a for a in cluster.agents if by_address[a.bootstrap] == partition.leader)
    return leader, partition.leader, [i for i in partition.replicas if i != partition.leader]


def test_api_versions_lists_offset_for_leader_epoch(cluster):
    conn = kafkawire.Connection(cluster.agents[0].kafka)
    payload = roundtrip(conn, 18, 0, 1, b"")
    (error, count) = struct.unpack_from(">hi", payload)
    ranges = {key: (low, high) for key, low, high in
              (struct.unpack_from(">hhh", payload, 6 + 6 * i) for i in range(count))}
    conn.close()
    assert error == 0
    assert ranges.get(23) == (0, 4)


def test_offset_for_leader_epoch_answers_from_the_epoch_cache(cluster):
    create_topic(cluster, "epochs")
    leader = leader_of(cluster, "epochs")
    conn = kafkawire.Connection(leader.kafka)
    error, _, epoch = kafkawire.parse_list_offsets_v4(roundtrip(conn, 2, 4, 2, kafkawire.list_offsets_v4("epochs", 0)))
    assert error == 0 and epoch >= 0
    for i, values in enumerate([[b"a", b"b", b"c"], [b"d", b"e"]]):
        body = kafkawire.produce_v3("epochs", 0, kafkawire.batch(values))
        assert kafkawire.parse_produce_v3(roundtrip(conn, 0, 3, 3 + i, body))[0] == 0
    # Both batches were written under `epoch`, which is the current one: it ends at the log end offset.
    for version in (2, 3):
        assert epoch_end(conn, version, "epochs", epoch, current=epoch) == (0, epoch, 5)
    assert epoch_end(conn, 3, "epochs", epoch, current=epoch, replica_id=7) == (0, epoch, 5)
    assert epoch_end(conn, 0, "epochs", epoch) == (0, None, 5)
    # v4 is flexible: request header v2, compact fields, response header v1.
    conn.send(kafkawire.flexible_request(23, 4, 44, kafkawire.offset_for_leader_epoch_v4("epochs", 0, epoch, epoch)))
    correlation, payload = conn.receive()
    assert correlation == 44
    assert kafkawire.parse_offset_for_leader_epoch_v4(payload) == (0, epoch, 5)
    assert epoch_end(conn, 1, "epochs", epoch) == (0, epoch, 5)
    # An epoch newer than any here: (-1, -1) and no error, as Kafka answers.
    assert epoch_end(conn, 2, "epochs", epoch + 1) == (0, -1, -1)
    if epoch > 0:
        # An epoch older than every epoch here ends where the first one starts.
        assert epoch_end(conn, 2, "epochs", epoch - 1) == (0, epoch - 1, 0)
    # Fenced like Fetch: a stale current epoch, or one from the future.
    assert epoch_end(conn, 2, "epochs", epoch, current=epoch + 1)[0] == UNKNOWN_LEADER_EPOCH
    if epoch > 0:
        assert epoch_end(conn, 2, "epochs", epoch, current=epoch - 1)[0] == FENCED_LEADER_EPOCH
    assert epoch_end(conn, 3, "no-such-topic", 0)[0] == UNKNOWN_TOPIC_OR_PARTITION
    conn.close()
    other = next(a for a in cluster.agents if a is not leader)
    conn = kafkawire.Connection(other.kafka)
    assert epoch_end(conn, 3, "epochs", epoch, current=epoch)[0] == NOT_LEADER_OR_FOLLOWER
    conn.close()


def test_a_follower_fetch_reads_the_log_and_long_polls(cluster):
    # RF 3: a broker id of a replica reads the leader's log (up to its end, the real followers' reads may already
    # have moved the high watermark); other ids are refused.
    create_topic(cluster, "followed", replication_factor=3)
    leader, leader_id, followers = broker_ids(cluster, "followed")
    follower_id = followers[0]
    conn = kafkawire.Connection(leader.kafka)
    body = kafkawire.produce_v3("followed", 0, kafkawire.batch([b"x", b"y"]))
    assert kafkawire.parse_produce_v3(roundtrip(conn, 0, 3, 1, body)) == (0, 0)

    consumer = kafkawire.parse_fetch(4, roundtrip(conn, 1, 4, 2, kafkawire.fetch(4, "followed", 0, 0)))
    assert consumer[0] == 0 and consumer[1] in (0, 2), consumer
    error, high_watermark, records = kafkawire.parse_fetch(4, roundtrip(
        conn, 1, 4, 3, kafkawire.fetch(4, "followed", 0, 0, replica_id=follower_id)))
    assert error == 0 and high_watermark in (0, 2)
    assert [b[:2] for b in kafkawire.batch_offsets(records)] == [(0, 1)]

    # Neither the leader itself nor a broker id outside the replicas is a follower: NOT_LEADER_OR_FOLLOWER, or,
    # when the fetch names the current leader epoch (v9+), UNKNOWN_LEADER_EPOCH (a replica not known yet retries).
    _, _, epoch = kafkawire.parse_list_offsets_v4(roundtrip(conn, 2, 4, 7, kafkawire.list_offsets_v4("followed", 0)))
    for stranger in (leader_id, max([leader_id, *followers]) + 100):
        error, _, _ = kafkawire.parse_fetch(4, roundtrip(
            conn, 1, 4, 4, kafkawire.fetch(4, "followed", 0, 0, replica_id=stranger)))
        assert error == NOT_LEADER_OR_FOLLOWER
        error, _, _ = kafkawire.parse_fetch(9, roundtrip(
            conn, 1, 9, 4, kafkawire.fetch(9, "followed", 0, 0, replica_id=stranger, current_leader_epoch=epoch)))
        assert error == UNKNOWN_LEADER_EPOCH
    # A follower at v9 with the current epoch reads the log too; a stale epoch is fenced.
    error, high_watermark, records = kafkawire.parse_fetch(9, roundtrip(
        conn, 1, 9, 8, kafkawire.fetch(9, "followed", 0, 0, replica_id=follower_id, current_leader_epoch=epoch)))
    assert error == 0 and high_watermark in (0, 2)
    assert [b[:2] for b in kafkawire.batch_offsets(records)] == [(0, 1)]
    if epoch > 0:
        stale = kafkawire.fetch(9, "followed", 0, 0, replica_id=follower_id, current_leader_epoch=epoch - 1)
        error, _, _ = kafkawire.parse_fetch(9, roundtrip(conn, 1, 9, 9, stale))
        assert error == FENCED_LEADER_EPOCH

    # A follower's fetch at the log end waits for the next append and returns it (well before its 30 s wait).
    conn.sock.settimeout(20)
    conn.send(kafkawire.request(1, 4, 5, kafkawire.fetch(4, "followed", 0, 2, replica_id=follower_id,
                                                            max_wait_ms=30000)))
    answers = []
    waiter = threading.Thread(target=lambda: answers.append(conn.receive()))
    waiter.start()
    producer = kafkawire.Connection(leader.kafka)
    body = kafkawire.produce_v3("followed", 0, kafkawire.batch([b"z"]))
    assert kafkawire.parse_produce_v3(roundtrip(producer, 0, 3, 6, body)) == (0, 2)
    producer.close()
    waiter.join(timeout=25)
    assert answers, "the follower's long poll did not return"
    correlation, payload = answers[0]
    assert correlation == 5
    error, _, records = kafkawire.parse_fetch(4, payload)
    assert error == 0
    assert [b[:2] for b in kafkawire.batch_offsets(records)] == [(2, 2)]
    conn.close()
