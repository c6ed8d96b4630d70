"""`peer produce` and `peer consume` against the same brokers the real clients use, each way round."""

import json
import os
import subprocess

from clients import Rec, consume_kcat, produce_kcat
from conftest import create_topic


def peer(*args, stdin=None):
    result = subprocess.run([os.environ["PEER_BIN"], *args], input=stdin, capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


def test_peer_produce_then_kcat_reads(cluster):
    create_topic(cluster, "cli-out", partitions=1)
    lines = [f"line {i}" for i in range(50)]
    peer("produce", "cli-out", "--key", "k", "--header", "source=peer", "--bootstrap", cluster.bootstrap,
         stdin="\n".join(lines).encode() + b"\n")
    got = consume_kcat(cluster.bootstrap, "cli-out", 50)
    assert [g.value.decode() for g in got] == lines
    assert {g.key for g in got} == {b"k"} and {g.headers for g in got} == {(("source", b"peer"),)}


def test_peer_produce_compresses_with_every_codec(cluster):
    from conftest import CODEC_IDS, stored_codecs
    create_topic(cluster, "cli-codecs", partitions=1)
    for codec in ["gzip", "snappy", "lz4", "zstd"]:
        peer("produce", "cli-codecs", "--partition", "0", "--compression", codec, "--bootstrap", cluster.bootstrap,
             stdin=f"{codec} one\n{codec} two\n".encode())
    assert stored_codecs(cluster, "cli-codecs") == [CODEC_IDS[c] for c in ["gzip", "snappy", "lz4", "zstd"]]
    got = consume_kcat(cluster.bootstrap, "cli-codecs", 8)
    assert [g.value.decode() for g in got] == [f"{c} {n}" for c in ["gzip", "snappy", "lz4", "zstd"] for n in ["one", "two"]]


def test_kcat_produces_then_peer_consume_reads_json(cluster):
    create_topic(cluster, "cli-in", partitions=2)
    records = [Rec(f"key-{i}".encode(), f"value-{i}".encode(), (("h", b"1"),)) for i in range(20)]
    produce_kcat(cluster.bootstrap, "cli-in", records[:10], partition=0, codec="snappy")
    produce_kcat(cluster.bootstrap, "cli-in", records[10:], partition=1, codec="zstd")
    out = peer("consume", "cli-in", "--json", "--bootstrap", cluster.agents[1].bootstrap)
    got = [json.loads(line) for line in out.splitlines()]
    assert sorted((r["partition"], r["offset"], r["key"], r["value"]) for r in got) == sorted(
        [(0, i, f"key-{i}", f"value-{i}") for i in range(10)]
        + [(1, i - 10, f"key-{i}", f"value-{i}") for i in range(10, 20)]
    )
    assert all(r["headers"] == [{"key": "h", "value": "1"}] for r in got)
    # From an offset, one partition, values only.
    out = peer("consume", "cli-in", "--partition", "1", "--offset", "7", "--bootstrap", cluster.bootstrap)
    assert out.splitlines() == ["value-17", "value-18", "value-19"]


def test_peer_consume_refuses_a_missing_topic_in_one_line(cluster):
    result = subprocess.run([os.environ["PEER_BIN"], "consume", "no-such-topic", "--bootstrap", cluster.bootstrap],
                            capture_output=True, timeout=60)
    assert result.returncode != 0
    assert len(result.stderr.decode().strip().splitlines()) == 1
