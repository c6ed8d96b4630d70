#!/usr/bin/env bash
# Installs what the build needs when it is missing: libsodium's headers (Debian package libsodium-dev).
set -euo pipefail

if ! command -v swift >/dev/null 2>&1; then
    echo "ensure-deps: swift is not on PATH; install the Swift 6 toolchain first" >&2
    exit 1
fi

if ! pkg-config --exists libsodium 2>/dev/null; then
    echo "ensure-deps: installing libsodium-dev" >&2
    sudo_cmd=()
    if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update -qq
    "${sudo_cmd[@]}" apt-get install -y -qq libsodium-dev pkg-config >/dev/null
fi
