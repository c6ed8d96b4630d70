"""Kafka's promise with real processes: a record acknowledged with acks=all is on every in-sync replica and survives
the loss of any of them. Three agents, a topic with replication factor 3 and min.insync.replicas 2; a confluent-kafka
producer writes a numbered sequence with acks=all while the test SIGKILLs the partition leader, restarts it, and
then SIGKILLs the new leader. At the end every acknowledged record is there, in order, each at one offset."""

import threading
import time

from clients import Rec, consume_kafka_python, produce_confluent
from conftest import create_topic, metadata, wait_until


def partition_seen_by(agent, topic):
    return metadata(agent.bootstrap).topics[topic].partitions[0]


def agent_by_id(cluster, via, broker_id):
    brokers = metadata(via.bootstrap).brokers
    host_port = f"{brokers[broker_id].host}:{brokers[broker_id].port}"
    return next(a for a in cluster.agents if a.bootstrap == host_port)


def alive(cluster):
    return [a for a in cluster.agents if a.process is not None and a.process.poll() is None]


class SequenceProducer:
    """Produces "0", "1", "2", ... with acks=all and retries until stopped; remembers what was acknowledged."""

    def __init__(self, bootstrap, topic):
        from confluent_kafka import Producer
        self.producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5,
                                  "message.timeout.ms": 120000, "retry.backoff.ms": 100,
                                  "enable.idempotence": False, "max.in.flight.requests.per.connection": 1})
        self.topic = topic
        self.acked = []
        self.failed = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def report(self, err, msg):
        if err is None:
            self.acked.append((msg.offset(), msg.value()))
        else:
            self.failed.append((msg.value(), str(err)))

    def run(self):
        n = 0
        while not self.stopping.is_set():
            try:
                self.producer.produce(self.topic, value=str(n).encode(), partition=0, on_delivery=self.report)
                n += 1
            except BufferError:
                pass
            self.producer.poll(0.01)
        self.producer.flush(120)

    def wait_for(self, count, what):
        wait_until(lambda: len(self.acked) >= count, timeout=90, what=what)


def test_every_partition_of_a_replicated_topic_takes_acks_all_writes(cluster):
    # A follower fetches all its partitions of one leader in one request; each must still move on its own.
    create_topic(cluster, "spread", partitions=6, replication_factor=3)
    first = cluster.agents[0]
    wait_until(lambda: all(len(p.isrs) == 3 for p in metadata(first.bootstrap).topics["spread"].partitions.values()),
               timeout=60, what="full ISRs")
    for partition in range(6):
        records = [Rec(b"k", f"p{partition}-{i}".encode()) for i in range(10)]
        acked = produce_confluent(cluster.bootstrap, "spread", records, acks="all", partition=partition)
        assert [value for _, value in acked] == [r.value for r in records]
        got = consume_kafka_python(cluster.bootstrap, "spread", 10, partition=partition)
        assert [g.value for g in got] == [r.value for r in records]


def test_acknowledged_writes_survive_leader_kills(cluster):
    create_topic(cluster, "replicated", partitions=1, replication_factor=3, config={"min.insync.replicas": "2"})
    first = cluster.agents[0]
    wait_until(lambda: len(partition_seen_by(first, "replicated").isrs) == 3, timeout=60, what="an ISR of three")

    producer = SequenceProducer(cluster.bootstrap, "replicated")
    producer.thread.start()
    try:
        producer.wait_for(200, "200 acknowledged records")
        leader = agent_by_id(cluster, first, partition_seen_by(first, "replicated").leader)
        leader.kill()
        survivor = alive(cluster)[0]
        wait_until(lambda: partition_seen_by(survivor, "replicated").leader not in (-1,)
                   and agent_by_id(cluster, survivor, partition_seen_by(survivor, "replicated").leader) is not leader,
                   timeout=60, what="a new leader after the kill")
        before = len(producer.acked)
        producer.wait_for(before + 200, "acknowledgements from the new leader")

        cluster.restart(leader)
        wait_until(lambda: len(partition_seen_by(survivor, "replicated").isrs) == 3, timeout=90,
                   what="the restarted replica caught up and back in the ISR")

        second = agent_by_id(cluster, survivor, partition_seen_by(survivor, "replicated").leader)
        second.kill()
        survivor = alive(cluster)[0]
        before = len(producer.acked)
        producer.wait_for(before + 200, "acknowledgements after the second kill")
        cluster.restart(second)
    finally:
        producer.stopping.set()
        producer.thread.join(timeout=150)

    acked = sorted(producer.acked)
    assert acked, "nothing was acknowledged"
    end = acked[-1][0] + 1
    wait_until(lambda: len(partition_seen_by(survivor, "replicated").isrs) >= 2, timeout=60, what="a writable ISR")
    got = consume_kafka_python(cluster.bootstrap, "replicated", end)
    by_offset = {g.offset: g.value for g in got}
    assert len(by_offset) == len(got), "one offset returned twice"
    lost = [(offset, value) for offset, value in acked if by_offset.get(offset) != value]
    assert not lost, f"{len(lost)} acknowledged records lost or changed, first: {lost[:5]}"
    # The sequence is in order: acknowledged values never go backwards along the log (retries may duplicate).
    values = [int(value) for _, value in acked]
    assert values == sorted(values), "acknowledged records out of order"
