#!/usr/bin/env bash
# Runs every test: the sans-IO cores, sealing, the simulator, and real agent processes on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh
swift build --build-tests
swift test --skip-build "$@"
