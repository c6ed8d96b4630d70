"""acks=all: answered once the high watermark covers the batch (every ISR member holds it), NOT_ENOUGH_REPLICAS
when the ISR is smaller than min.insync.replicas."""

import glob
import os

import kafkawire
from conftest import create_topic, leader_of, metadata, wait_until

REQUEST_TIMED_OUT = 7
NOT_ENOUGH_REPLICAS = 19


def produce(agent, topic, acks, timeout_ms=5000, correlation=1):
    conn = kafkawire.Connection(agent.kafka)
    try:
        conn.send(kafkawire.request(0, 3, correlation, kafkawire.produce_v3(topic, 0, kafkawire.batch([b"x"]),
                                                                            acks=acks, timeout_ms=timeout_ms)))
        return kafkawire.parse_produce_v3(conn.receive()[1])
    finally:
        conn.close()


def test_acks_all_on_a_single_replica_is_answered_at_once(cluster):
    create_topic(cluster, "acks-one")
    assert produce(leader_of(cluster, "acks-one"), "acks-one", acks=-1) == (0, 0)


def test_acks_all_is_answered_once_every_replica_holds_the_batch(cluster):
    # RF 3 and a full ISR: the answer waits for the high watermark, which moves only once both followers fetched
    # past the batch, so by then it is in every replica's segment file.
    create_topic(cluster, "acks-three", replication_factor=3)
    wait_until(lambda: len(metadata(cluster.bootstrap).topics["acks-three"].partitions[0].isrs) == 3, timeout=30,
               what="a full ISR")
    leader = leader_of(cluster, "acks-three")
    assert produce(leader, "acks-three", acks=-1, timeout_ms=30000) == (0, 0)
    for agent in cluster.agents:
        logs = glob.glob(os.path.join(agent.data_dir, "kafka-logs", "acks-three-0", "*.log"))
        assert sum(os.path.getsize(path) for path in logs) > 0, f"{agent.name} does not hold the batch"
    # acks=1 is answered once appended, at the next offset.
    assert produce(leader, "acks-three", acks=1) == (0, 1)


def test_acks_all_below_min_insync_replicas_is_refused(cluster):
    create_topic(cluster, "acks-min", config={"min.insync.replicas": "2"})
    error, _ = produce(leader_of(cluster, "acks-min"), "acks-min", acks=-1)
    assert error == NOT_ENOUGH_REPLICAS
