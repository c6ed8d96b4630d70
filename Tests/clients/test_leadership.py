"""Clients follow a partition's leadership when it moves: NOT_LEADER_OR_FOLLOWER or a lost connection makes them
refresh metadata and carry on with the new leader."""

import threading
import time

from conftest import create_topic, leader_of, metadata, wait_until


def test_a_producer_carries_on_after_its_leader_dies(cluster):
    from confluent_kafka import Producer
    # RF 2: the controller moves leadership to the other replica when the leader dies. (Without data replication
    # the new leader starts empty, so this checks the clients' recovery, not the data; acks=1 needs no follower.)
    create_topic(cluster, "moving", partitions=1, replication_factor=2)
    old = leader_of(cluster, "moving")
    others = [a for a in cluster.agents if a is not old]
    bootstrap = ",".join(a.bootstrap for a in others)
    delivered, stop = [], threading.Event()

    def produce():
        p = Producer({"bootstrap.servers": bootstrap, "acks": 1, "linger.ms": 5, "message.timeout.ms": 30000})
        i = 0
        while not stop.is_set():
            p.produce("moving", value=f"m{i}".encode(), partition=0,
                      on_delivery=lambda err, msg: err is None and delivered.append(time.time()))
            i += 1
            p.poll(0.01)
        p.flush(30)

    thread = threading.Thread(target=produce)
    thread.start()
    try:
        wait_until(lambda: len(delivered) > 50, what="deliveries to the first leader")
        old.kill()
        killed_at = time.time()
        wait_until(lambda: metadata(bootstrap).topics["moving"].partitions[0].leader not in (-1, None)
                   and leader_of_other(cluster, others) is not None, timeout=60, what="a new leader")
        wait_until(lambda: any(t > killed_at + 0.5 for t in delivered), timeout=60,
                   what="deliveries to the new leader")
    finally:
        stop.set()
        thread.join(timeout=60)
        cluster.restart(old)
        wait_until(lambda: len(metadata(old.bootstrap).brokers) == 3, timeout=60, what="the old leader back")


def leader_of_other(cluster, candidates):
    try:
        leader = leader_of(cluster, "moving")
    except (StopIteration, KeyError):
        return None
    return leader if leader in candidates else None
