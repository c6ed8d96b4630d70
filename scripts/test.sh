#!/usr/bin/env bash
# Runs every test: the sans-IO cores, sealing, the codecs and the log, the simulator, real agent processes on
# loopback, and the real Kafka clients (kcat, confluent-kafka, kafka-python, aiokafka) against a real cluster.
# Arguments go to `swift test` (e.g. --filter GossipTests) and skip the client tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh --clients
swift build --build-tests
swift test --skip-build "$@"
if [ "$#" -eq 0 ]; then
    PEER_BIN="$(swift build --show-bin-path)/peer" .venv-clients/bin/python -m pytest -q -p no:cacheprovider Tests/clients
fi
