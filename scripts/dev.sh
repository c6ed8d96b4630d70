#!/usr/bin/env bash
# Starts a local cluster of real agents on loopback (default 5 nodes); extra arguments go to `peer dev`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh --kcat
swift build --product peer
exec "$(swift build --show-bin-path)/peer" dev "$@"
