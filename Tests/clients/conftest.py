"""Fixtures for the real-client tests: a cluster of real agents on loopback, and topic helpers."""

import os
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from cluster import Cluster  # noqa: E402


def wait_until(condition, timeout=30.0, interval=0.2, what="condition"):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = condition()
            if last:
                return last
        except Exception as error:  # a broker still starting refuses connections
            last = error
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


def metadata(bootstrap, timeout=5):
    from confluent_kafka.admin import AdminClient
    return AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=timeout)


def wait_for_brokers(cluster, count):
    for agent in cluster.agents:
        wait_until(lambda: len(metadata(agent.bootstrap).brokers) == count, timeout=60,
                   what=f"{count} brokers in metadata from {agent.name}")


def create_topic(cluster, name, partitions=1, replication_factor=1, config=None):
    from confluent_kafka.admin import AdminClient, NewTopic
    admin = AdminClient({"bootstrap.servers": cluster.bootstrap})
    futures = admin.create_topics([NewTopic(name, partitions, replication_factor, config=config or {})],
                                  operation_timeout=15)
    futures[name].result(timeout=30)
    wait_for_leaders(cluster, name, partitions)


def wait_for_leaders(cluster, name, partitions):
    """Until every broker reports a leader for every partition of `name`."""
    for agent in cluster.agents:
        if agent.process is None or agent.process.poll() is not None:
            continue

        def ready():
            topic = metadata(agent.bootstrap).topics.get(name)
            return (topic is not None and topic.error is None and len(topic.partitions) == partitions
                    and all(p.leader >= 0 for p in topic.partitions.values()))

        wait_until(ready, timeout=30, what=f"leaders of {name} seen by {agent.name}")


def leader_of(cluster, topic, partition=0):
    """The agent leading `topic`/`partition`, by broker id."""
    md = metadata(cluster.bootstrap)
    leader_id = md.topics[topic].partitions[partition].leader
    host_port = f"{md.brokers[leader_id].host}:{md.brokers[leader_id].port}"
    return next(a for a in cluster.agents if a.bootstrap == host_port)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = Cluster(str(tmp_path_factory.mktemp("cluster")))
    try:
        c.start(3)
        wait_for_brokers(c, 3)
        yield c
    except BaseException:
        print(c.describe_failure())
        raise
    finally:
        c.stop()


CODEC_IDS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}


def stored_codecs(cluster, topic, partition=0):
    """The compression codec of every batch in the partition's segment files, in log order, read straight from
    the leader's data directory: what the broker stored, not what a client decoded."""
    import glob
    import struct
    codecs = []
    for agent in cluster.agents:
        for path in sorted(glob.glob(os.path.join(agent.data_dir, "kafka-logs", f"{topic}-{partition}", "*.log"))):
            data = open(path, "rb").read()
            pos = 0
            while pos + 61 <= len(data):
                (length,) = struct.unpack_from(">i", data, pos + 8)
                (attributes,) = struct.unpack_from(">h", data, pos + 21)
                codecs.append(attributes & 7)
                pos += 12 + length
    return codecs
