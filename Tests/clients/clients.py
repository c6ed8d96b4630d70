"""The four real Kafka clients behind one small interface: produce a list of records, consume a partition."""

import asyncio
import json
import subprocess
import time
from dataclasses import dataclass

CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]


@dataclass(frozen=True)
class Rec:
    key: bytes
    value: bytes
    headers: tuple = ()
    timestamp: int = None


@dataclass(frozen=True)
class Got:
    offset: int
    key: bytes
    value: bytes
    headers: tuple
    timestamp: int


# ---------------------------------------------------------------- producers


def produce_kcat(bootstrap, topic, records, codec="none", partition=0, acks="all"):
    """kcat takes one header set for the whole run, so records must share their headers; keys via -K."""
    headers = records[0].headers
    assert all(r.headers == headers for r in records)
    args = ["kcat", "-b", bootstrap, "-t", topic, "-P", "-p", str(partition), "-K", "\t", "-z", codec,
            "-X", f"acks={acks}", "-X", "linger.ms=5"]
    for k, v in headers:
        args += ["-H", f"{k}={v.decode()}"]
    data = "".join(f"{r.key.decode()}\t{r.value.decode()}\n" for r in records)
    result = subprocess.run(args, input=data.encode(), capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr.decode()


def produce_confluent(bootstrap, topic, records, codec="none", partition=0, acks="all", idempotent=False):
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": bootstrap, "compression.type": codec, "acks": acks, "linger.ms": 5,
                  "enable.idempotence": idempotent})
    errors, acked = [], []

    def report(err, msg):
        if err is not None:
            errors.append(err)
        else:
            acked.append((msg.offset(), msg.value()))

    for r in records:
        p.produce(topic, value=r.value, key=r.key, headers=list(r.headers), partition=partition,
                  timestamp=r.timestamp or 0, on_delivery=report)
        p.poll(0)
    remaining = p.flush(30)
    assert remaining == 0 and not errors, (remaining, errors)
    return acked


def produce_kafka_python(bootstrap, topic, records, codec="none", partition=0, acks="all"):
    from kafka import KafkaProducer
    acks_value = -1 if acks == "all" else int(acks)
    p = KafkaProducer(bootstrap_servers=bootstrap, compression_type=None if codec == "none" else codec,
                      acks=acks_value, linger_ms=5)
    futures = [p.send(topic, value=r.value, key=r.key, headers=list(r.headers), partition=partition,
                      timestamp_ms=r.timestamp) for r in records]
    for f in futures:
        f.get(timeout=30)
    p.close(timeout=10)


def produce_aiokafka(bootstrap, topic, records, codec="none", partition=0, acks="all", idempotent=False):
    from aiokafka import AIOKafkaProducer

    async def run():
        p = AIOKafkaProducer(bootstrap_servers=bootstrap, compression_type=None if codec == "none" else codec,
                             acks=-1 if acks == "all" else int(acks), linger_ms=5,
                             enable_idempotence=idempotent)
        await p.start()
        try:
            futures = [await p.send(topic, value=r.value, key=r.key, headers=list(r.headers),
                                    partition=partition, timestamp_ms=r.timestamp) for r in records]
            for f in futures:
                await f
        finally:
            await p.stop()

    asyncio.run(asyncio.wait_for(run(), 60))


PRODUCERS = {
    "kcat": produce_kcat,
    "confluent": produce_confluent,
    "kafka-python": produce_kafka_python,
    "aiokafka": produce_aiokafka,
}

# ---------------------------------------------------------------- consumers


def consume_kcat(bootstrap, topic, count, partition=0, offset=0):
    args = ["kcat", "-b", bootstrap, "-C", "-t", topic, "-p", str(partition), "-o", str(offset), "-c", str(count),
            "-J", "-e"]
    result = subprocess.run(args, capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    out = []
    for line in result.stdout.decode().splitlines():
        m = json.loads(line)
        headers = m.get("headers") or []
        pairs = tuple((headers[i], headers[i + 1].encode()) for i in range(0, len(headers), 2))
        out.append(Got(m["offset"], (m["key"] or "").encode(), (m["payload"] or "").encode(), pairs, m["ts"]))
    return out


def consume_confluent(bootstrap, topic, count, partition=0, offset=0):
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "peer-tests", "enable.auto.commit": False,
                  "auto.offset.reset": "earliest"})
    c.assign([TopicPartition(topic, partition, offset)])
    out = []
    deadline = time.time() + 30
    try:
        while len(out) < count and time.time() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            assert m.error() is None, m.error()
            out.append(Got(m.offset(), m.key() or b"", m.value() or b"", tuple(m.headers() or ()),
                           m.timestamp()[1]))
    finally:
        c.close()
    return out


def consume_kafka_python(bootstrap, topic, count, partition=0, offset=0):
    from kafka import KafkaConsumer, TopicPartition
    c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                      auto_offset_reset="earliest")
    tp = TopicPartition(topic, partition)
    c.assign([tp])
    c.seek(tp, offset)
    out = []
    deadline = time.time() + 30
    try:
        while len(out) < count and time.time() < deadline:
            for records in c.poll(timeout_ms=500).values():
                for m in records:
                    out.append(Got(m.offset, m.key or b"", m.value or b"", tuple(m.headers or ()), m.timestamp))
    finally:
        c.close()
    return out


def consume_aiokafka(bootstrap, topic, count, partition=0, offset=0):
    from aiokafka import AIOKafkaConsumer, TopicPartition

    async def run():
        c = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                             auto_offset_reset="earliest")
        await c.start()
        out = []
        try:
            tp = TopicPartition(topic, partition)
            c.assign([tp])
            c.seek(tp, offset)
            while len(out) < count:
                batches = await c.getmany(tp, timeout_ms=500)
                for m in batches.get(tp, []):
                    out.append(Got(m.offset, m.key or b"", m.value or b"", tuple(m.headers or ()), m.timestamp))
        finally:
            await c.stop()
        return out

    return asyncio.run(asyncio.wait_for(run(), 30))


CONSUMERS = {
    "kcat": consume_kcat,
    "confluent": consume_confluent,
    "kafka-python": consume_kafka_python,
    "aiokafka": consume_aiokafka,
}
