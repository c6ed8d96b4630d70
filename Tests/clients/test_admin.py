"""Topic administration through the Kafka protocol: create with configs, describe them, delete everywhere."""

import glob
import os

import pytest
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

from clients import Rec, produce_confluent
from conftest import create_topic, metadata, wait_until


def admin(cluster):
    return AdminClient({"bootstrap.servers": cluster.bootstrap})


def test_configs_given_at_creation_are_described(cluster):
    create_topic(cluster, "configured", config={"retention.ms": "3600000", "segment.bytes": "1048576"})
    resource = ConfigResource(ConfigResource.Type.TOPIC, "configured")
    client = admin(cluster)
    described = client.describe_configs([resource])[resource].result(timeout=15)
    assert described["retention.ms"].value == "3600000" and not described["retention.ms"].is_default
    assert described["segment.bytes"].value == "1048576"
    assert described["retention.bytes"].value == "-1" and described["retention.bytes"].is_default


def test_bad_topics_are_refused_with_kafka_errors(cluster):
    client = admin(cluster)  # kept alive: a destroyed handle fails its pending futures
    futures = client.create_topics([
        NewTopic("bad name", 1, 1),
        NewTopic("unknown-config", 1, 1, config={"no.such.config": "1"}),
        NewTopic("bad-value", 1, 1, config={"retention.ms": "soon"}),
        NewTopic("too-many-replicas", 1, 9),
    ], operation_timeout=10)
    codes = {}
    for name, future in futures.items():
        with pytest.raises(Exception) as error:
            future.result(timeout=30)
        codes[name] = error.value.args[0].code()
    # Kafka's codes: INVALID_TOPIC_EXCEPTION 17, INVALID_CONFIG 40, INVALID_REPLICATION_FACTOR 38.
    assert codes == {"bad name": 17, "unknown-config": 40, "bad-value": 40, "too-many-replicas": 38}
    create_topic(cluster, "exists")
    with pytest.raises(Exception) as error:
        client.create_topics([NewTopic("exists", 1, 1)])["exists"].result(timeout=30)
    assert error.value.args[0].code() == 36  # TOPIC_ALREADY_EXISTS


def test_delete_removes_the_topic_and_its_data_on_every_broker(cluster):
    create_topic(cluster, "doomed", partitions=3)
    produce_confluent(cluster.bootstrap, "doomed", [Rec(b"k", b"v")] * 5, partition=0)
    produce_confluent(cluster.bootstrap, "doomed", [Rec(b"k", b"v")] * 5, partition=2)

    def directories():
        return [d for a in cluster.agents for d in glob.glob(os.path.join(a.data_dir, "kafka-logs", "doomed-*"))]

    assert directories()
    client = admin(cluster)
    client.delete_topics(["doomed"], operation_timeout=10)["doomed"].result(timeout=30)
    for agent in cluster.agents:
        wait_until(lambda: "doomed" not in metadata(agent.bootstrap).topics, what=f"doomed gone on {agent.name}")
    wait_until(lambda: not directories(), what="the deleted topic's log directories removed")
    with pytest.raises(Exception) as error:
        client.delete_topics(["doomed"])["doomed"].result(timeout=30)
    assert error.value.args[0].code() == 3  # UNKNOWN_TOPIC_OR_PARTITION


def test_a_topic_created_again_after_deletion_starts_empty(cluster):
    from clients import consume_kafka_python
    create_topic(cluster, "reborn")
    produce_confluent(cluster.bootstrap, "reborn", [Rec(b"k", b"old")] * 3)
    client = admin(cluster)
    client.delete_topics(["reborn"], operation_timeout=10)["reborn"].result(timeout=30)
    for agent in cluster.agents:
        wait_until(lambda: "reborn" not in metadata(agent.bootstrap).topics, what=f"reborn gone on {agent.name}")
    create_topic(cluster, "reborn")
    produce_confluent(cluster.bootstrap, "reborn", [Rec(b"k", b"new")])
    got = consume_kafka_python(cluster.bootstrap, "reborn", 1)
    assert [(g.offset, g.value) for g in got] == [(0, b"new")]
