"""Every client produces (keys, values, headers, timestamps, every codec) and every client reads it back."""

import pytest

from clients import CODECS, CONSUMERS, PRODUCERS, Rec
from conftest import CODEC_IDS, create_topic, metadata, stored_codecs

PER_CODEC = 8


def records_for(producer, codec, base_ts):
    out = []
    for i in range(PER_CODEC):
        ts = None if producer == "kcat" else base_ts + i
        headers = (("codec", codec.encode()),) if producer == "kcat" else (("codec", codec.encode()), ("i", str(i).encode()))
        out.append(Rec(f"{producer}-{codec}-{i}".encode(), f"value {i} from {producer} with {codec}".encode() * 3,
                       headers, ts))
    return out


@pytest.mark.parametrize("producer", list(PRODUCERS))
def test_every_client_reads_what_each_client_wrote(cluster, producer):
    topic = f"matrix-{producer}"
    create_topic(cluster, topic)
    expected = []
    for n, codec in enumerate(CODECS):
        records = records_for(producer, codec, 1_700_000_000_000 + 1000 * n)
        PRODUCERS[producer](cluster.bootstrap, topic, records, codec=codec)
        expected += records

    # Stored as the producer compressed it (librdkafka turns lz4 on only for brokers that offer FindCoordinator,
    # which comes with consumer groups).
    stored = stored_codecs(cluster, topic)
    for codec in CODECS:
        if producer in ("kcat", "confluent") and codec == "lz4":
            continue
        assert CODEC_IDS[codec] in stored, f"{producer} {codec}: stored codecs {sorted(set(stored))}"

    for consumer, consume in CONSUMERS.items():
        got = consume(cluster.bootstrap, topic, len(expected))
        assert [g.offset for g in got] == list(range(len(expected))), f"{consumer}: offsets not contiguous"
        assert [g.key for g in got] == [r.key for r in expected], consumer
        assert [g.value for g in got] == [r.value for r in expected], consumer
        assert [tuple(g.headers) for g in got] == [r.headers for r in expected], consumer
        for g, r in zip(got, expected):
            if r.timestamp is not None:
                assert g.timestamp == r.timestamp, f"{consumer}: timestamp of offset {g.offset}"


def test_idempotent_producers_are_accepted(cluster):
    from clients import produce_aiokafka, produce_confluent, consume_kcat
    create_topic(cluster, "idempotent")
    records = [Rec(b"k", f"v{i}".encode()) for i in range(10)]
    produce_confluent(cluster.bootstrap, "idempotent", records, idempotent=True)
    produce_aiokafka(cluster.bootstrap, "idempotent", records, idempotent=True)
    got = consume_kcat(cluster.bootstrap, "idempotent", 20)
    assert [g.value for g in got] == [r.value for r in records] * 2


def test_metadata_from_any_broker_agrees(cluster):
    create_topic(cluster, "spread", partitions=6, replication_factor=2)
    views = []
    for agent in cluster.agents:
        md = metadata(agent.bootstrap)
        assert sorted(md.brokers) == sorted(metadata(cluster.agents[0].bootstrap).brokers)
        topic = md.topics["spread"]
        views.append({p: (m.leader, tuple(m.replicas)) for p, m in topic.partitions.items()})
    assert all(v == views[0] for v in views)
    assert all(len(replicas) == 2 for _, replicas in views[0].values())


def test_keyed_records_land_where_the_java_client_puts_them(cluster):
    """kafka-python implements the Java client's murmur2 partitioner; `peer produce` must agree with it."""
    import subprocess
    import os
    from clients import consume_kafka_python
    from kafka import KafkaProducer
    create_topic(cluster, "keyed", partitions=4)
    p = KafkaProducer(bootstrap_servers=cluster.bootstrap)
    keys = [f"key-{i}".encode() for i in range(16)]
    placed = {k: p.send("keyed", key=k, value=b"x").get(timeout=30).partition for k in keys}
    p.close()
    data = "".join(f"{k.decode()}\tfrom-peer\n" for k in keys)
    result = subprocess.run([os.environ["PEER_BIN"], "produce", "keyed", "--bootstrap", cluster.agents[0].bootstrap,
                             "--key-separator", "\t"], input=data.encode(), capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    for partition in range(4):
        expected = sorted(k for k, part in placed.items() if part == partition)
        got = consume_kafka_python(cluster.bootstrap, "keyed", 2 * len(expected), partition=partition)
        assert sorted(g.key for g in got if g.value == b"from-peer") == expected
