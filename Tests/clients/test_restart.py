"""Crashes and damaged files: every acknowledged record comes back at its offset after a restart."""

import glob
import os
import threading
import time

from clients import Rec, consume_kafka_python, produce_confluent
from conftest import create_topic, leader_of, wait_for_leaders, wait_until, metadata


def test_sigkill_during_acks_1_produce_loses_no_acknowledged_record(cluster):
    create_topic(cluster, "crash")
    leader = leader_of(cluster, "crash")
    acked = []
    stop = threading.Event()

    def produce():
        from confluent_kafka import Producer
        p = Producer({"bootstrap.servers": leader.bootstrap, "acks": 1, "linger.ms": 2,
                      "message.timeout.ms": 3000, "retries": 0})

        def report(err, msg):
            if err is None:
                acked.append((msg.offset(), msg.value()))

        i = 0
        while not stop.is_set():
            try:
                p.produce("crash", value=f"record-{i}".encode(), partition=0, on_delivery=report)
                i += 1
            except BufferError:
                pass
            p.poll(0.001)
        p.flush(5)

    thread = threading.Thread(target=produce)
    thread.start()
    wait_until(lambda: len(acked) > 2000, timeout=30, what="2000 acknowledged records")
    leader.kill()
    stop.set()
    thread.join(timeout=30)
    assert acked

    cluster.restart(leader)
    wait_until(lambda: len(metadata(leader.bootstrap).brokers) == 3, timeout=60, what="restarted broker")
    wait_for_leaders(cluster, "crash", 1)
    last = max(offset for offset, _ in acked)
    got = {g.offset: g.value for g in consume_kafka_python(cluster.bootstrap, "crash", last + 1)}
    lost = [(offset, value) for offset, value in acked if got.get(offset) != value]
    assert not lost, f"{len(lost)} acknowledged records lost or changed, e.g. {lost[:3]}"


def test_a_torn_or_corrupt_tail_is_cut_and_the_rest_served(cluster):
    create_topic(cluster, "torn")
    leader = leader_of(cluster, "torn")
    for i in range(5):
        produce_confluent(cluster.bootstrap, "torn", [Rec(b"k", f"batch-{i}".encode())])
    leader.stop()
    [segment] = glob.glob(os.path.join(leader.data_dir, "**", "torn-0", "*.log"), recursive=True)
    size = os.path.getsize(segment)
    with open(segment, "r+b") as f:
        f.truncate(size - 7)  # the last batch cut mid-way
    cluster.restart(leader)
    wait_until(lambda: len(metadata(leader.bootstrap).brokers) == 3, timeout=60, what="restarted broker")
    wait_for_leaders(cluster, "torn", 1)
    got = consume_kafka_python(cluster.bootstrap, "torn", 4)
    assert [g.value for g in got] == [f"batch-{i}".encode() for i in range(4)]
    # Appends continue right after what survived.
    produce_confluent(cluster.bootstrap, "torn", [Rec(b"k", b"after")])
    got = consume_kafka_python(cluster.bootstrap, "torn", 5)
    assert [g.offset for g in got] == [0, 1, 2, 3, 4] and got[-1].value == b"after"

    leader.stop()
    with open(segment, "r+b") as f:
        data = bytearray(f.read())
        data[-3] ^= 0x55  # flip bytes inside the last batch
        f.seek(0)
        f.write(data)
    cluster.restart(leader)
    wait_until(lambda: len(metadata(leader.bootstrap).brokers) == 3, timeout=60, what="restarted broker")
    wait_for_leaders(cluster, "torn", 1)
    got = consume_kafka_python(cluster.bootstrap, "torn", 4)
    assert [g.value for g in got] == [f"batch-{i}".encode() for i in range(4)]
