"""acks=all: answered once the high watermark covers the batch, REQUEST_TIMED_OUT when it cannot within the
request's timeout, NOT_ENOUGH_REPLICAS when the ISR is smaller than min.insync.replicas."""

import time

import kafkawire
from conftest import create_topic, leader_of

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


def test_acks_all_times_out_while_followers_lack_the_data(cluster):
    # RF 2 and a full ISR: without replication the follower never holds the batch, so the high watermark stays.
    create_topic(cluster, "acks-two", replication_factor=2)
    leader = leader_of(cluster, "acks-two")
    started = time.time()
    error, _ = produce(leader, "acks-two", acks=-1, timeout_ms=700)
    assert error == REQUEST_TIMED_OUT
    assert time.time() - started >= 0.6
    # acks=1 is answered once appended, at the next offset.
    assert produce(leader, "acks-two", acks=1) == (0, 1)


def test_acks_all_below_min_insync_replicas_is_refused(cluster):
    create_topic(cluster, "acks-min", config={"min.insync.replicas": "2"})
    error, _ = produce(leader_of(cluster, "acks-min"), "acks-min", acks=-1)
    assert error == NOT_ENOUGH_REPLICAS
