#!/usr/bin/env bash
# Installs what is missing: the headers of libsodium and of the compression libraries (Debian libsodium-dev,
# zlib1g-dev, libsnappy-dev, liblz4-dev, libzstd-dev) for the build; with --kcat also kcat
# (Debian), the quickstart's Kafka client; with --clients the real Kafka clients the tests drive: kcat, and
# confluent-kafka, kafka-python, aiokafka and pytest (PyPI, into the virtual environment .venv-clients it creates);
# with --bench what `peer bench kafka` measures with: iperf3 and kcat (Debian; dd comes with coreutils).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v swift >/dev/null 2>&1; then
    echo "ensure-deps: swift is not on PATH; install the Swift 6 toolchain first" >&2
    exit 1
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
apt_updated=0
apt_install() {
    if [ "$apt_updated" -eq 0 ]; then
        "${sudo_cmd[@]}" apt-get update -qq
        apt_updated=1
    fi
    echo "ensure-deps: installing $*" >&2
    "${sudo_cmd[@]}" apt-get install -y -qq "$@" >/dev/null
}

if ! pkg-config --exists libsodium 2>/dev/null; then
    apt_install libsodium-dev pkg-config
fi

# Kafka's record batch codecs (Sources/C*): gzip, snappy, lz4 (frame format) and zstd.
missing=()
pkg-config --exists zlib 2>/dev/null || missing+=(zlib1g-dev)
# Some distributions ship snappy without a .pc file: look for its C header as well.
pkg-config --exists snappy 2>/dev/null || [ -f /usr/include/snappy-c.h ] || missing+=(libsnappy-dev)
pkg-config --exists liblz4 2>/dev/null || missing+=(liblz4-dev)
pkg-config --exists libzstd 2>/dev/null || missing+=(libzstd-dev)
if [ "${#missing[@]}" -gt 0 ]; then
    apt_install "${missing[@]}" pkg-config
fi

if [ "${1:-}" = "--kcat" ] || [ "${1:-}" = "--clients" ] || [ "${1:-}" = "--bench" ]; then
    command -v kcat >/dev/null 2>&1 || apt_install kcat
fi

if [ "${1:-}" = "--bench" ]; then
    command -v iperf3 >/dev/null 2>&1 || apt_install iperf3
fi

if [ "${1:-}" = "--clients" ]; then
    python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || apt_install python3-venv
    venv=.venv-clients
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import confluent_kafka, kafka, aiokafka, pytest' 2>/dev/null; then
        echo "ensure-deps: creating $venv with confluent-kafka, kafka-python and aiokafka" >&2
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q --disable-pip-version-check \
            "confluent-kafka==2.16.*" "kafka-python==3.0.*" "aiokafka==0.14.*" \
            cramjam lz4 zstandard python-snappy "pytest==8.*"
    fi
fi
