"""Jepsen's Kafka 0.8 loss, tried here: the ISR shrinks to the leader, acks=all writes are acknowledged, the follower
comes back, the leader dies. The follower rejoins the ISR only once it has copied the leader's log, so when the leader
dies it leads with every acknowledged record."""

import time

from clients import Rec, consume_kafka_python, produce_confluent
from conftest import create_topic, leader_of, metadata, wait_until


def partition(cluster, topic, via):
    return metadata(via.bootstrap).topics[topic].partitions[0]


def test_acknowledged_writes_survive_an_isr_that_shrank_to_the_leader(cluster):
    create_topic(cluster, "jepsen", partitions=1, replication_factor=2)
    leader = leader_of(cluster, "jepsen")
    md = partition(cluster, "jepsen", leader)
    brokers = metadata(leader.bootstrap).brokers
    follower_id = next(r for r in md.replicas if r != md.leader)
    follower = next(a for a in cluster.agents
                    if a.bootstrap == f"{brokers[follower_id].host}:{brokers[follower_id].port}")
    follower.kill()
    wait_until(lambda: len(partition(cluster, "jepsen", leader).isrs) == 1, timeout=60, what="ISR shrunk to the leader")
    acked = produce_confluent(leader.bootstrap, "jepsen", [Rec(b"k", f"v{i}".encode()) for i in range(20)], acks="all")
    assert len(acked) == 20

    cluster.restart(follower)
    # The follower rejoins the ISR only by copying the leader's log (AlterPartition from the leader once caught up).
    wait_until(lambda: len(partition(cluster, "jepsen", leader).isrs) == 2, timeout=90,
               what="the follower caught up and back in the ISR")

    leader.kill()
    wait_until(lambda: partition(cluster, "jepsen", follower).leader == follower_id, timeout=60,
               what="the caught-up follower leading")
    got = consume_kafka_python(follower.bootstrap, "jepsen", 20)
    assert [(g.offset, g.value) for g in got] == [(offset, value) for offset, value in acked]
    cluster.restart(leader)
