#!/usr/bin/env bash
# Mutation testing of the protocol cores: applies each one-line mutation of scripts/mutants.txt, one at a time, to a
# scratch copy of the package, rebuilds it incrementally and runs the fast test targets (GossipTests,
# PartitionsTests, SealingTests) and a short peer-sim swarm, stopping at the first failure. A mutant is *killed* when
# a test or the swarm fails (or times out), *survived* when everything passes: a survivor is a missing test.
#
#   scripts/mutants.sh [--list FILE] [--only 1,4,7] [--timeout SECONDS] [--swarm-runs K] [--scratch DIR]
#
# The scratch copy lives in $TMPDIR/peer-mutants (its .build is kept between runs, so only the mutated module and
# its dependents rebuild). Its manifest leaves out the real shell (PeerNode, peer) and the slow SimulationTests.
# Exit status: 0 when every mutant was killed, 1 otherwise.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
list="$repo/scripts/mutants.txt"
scratch="${TMPDIR:-/tmp}/peer-mutants"
limit=900
swarm_runs=3
only=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --list) list=$2; shift 2 ;;
        --only) only=",$2,"; shift 2 ;;
        --timeout) limit=$2; shift 2 ;;
        --swarm-runs) swarm_runs=$2; shift 2 ;;
        --scratch) scratch=$2; shift 2 ;;
        -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "mutants.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

src="$scratch/src"
build="$scratch/build"
log="$scratch/log"
mkdir -p "$src" "$build" "$log"

# A copy of the working tree (mtimes kept, so unchanged files are not rebuilt), with a trimmed manifest.
tar -C "$repo" --exclude=./.build --exclude=./.build-sim --exclude=./.git -cf - . | tar -C "$src" -xpf -
python3 - "$src/Package.swift" <<'PY'
import re, sys
path = sys.argv[1]
text = open(path).read()
drop = {"PeerNode", "peer", "PeerNodeTests", "SimulationTests"}

def calls(text):
    """Yields (start, end, name) of each .target/.executableTarget/.testTarget(...) call."""
    for match in re.finditer(r'\.(?:target|executableTarget|testTarget)\(', text):
        depth, i = 0, match.end() - 1
        while True:
            if text[i] == '(':
                depth += 1
            elif text[i] == ')':
                depth -= 1
                if depth == 0:
                    break
            i += 1
        name = re.search(r'name:\s*"([^"]+)"', text[match.start():i]).group(1)
        yield match.start(), i + 1, name

for start, end, name in sorted(calls(text), reverse=True):
    if name in drop:
        tail = end + 1 if text[end:end + 1] == ',' else end
        text = text[:start] + text[tail:]
text = "\n".join(
    line for line in text.splitlines()
    if not re.search(r'\.(library|executable)\(name: "(PeerNode|peer)"', line)
) + "\n"
open(path, "w").write(text)
PY

cd "$src"
swift_build() { timeout "$limit" swift build --build-tests --scratch-path "$build" >"$1" 2>&1; }
bin=""

# Runs the fast targets (the one holding the mutated core first) and the swarm; prints what killed it, if anything.
run_checks() {
    local first=$1 out=$2 target
    local targets=("$first")
    for target in GossipTests PartitionsTests SealingTests; do
        [[ $target != "$first" ]] && targets+=("$target")
    done
    for target in "${targets[@]}"; do
        if ! timeout "$limit" swift test --skip-build --scratch-path "$build" --filter "$target" >"$out.$target" 2>&1
        then
            echo "$target"
            return
        fi
    done
    if ! timeout "$limit" "$bin/peer-sim" swarm --runs "$swarm_runs" --nodes 8 --duration 150 >"$out.swarm" 2>&1; then
        echo "swarm"
        return
    fi
    echo ""
}

started=$(date +%s)
echo "baseline: building $src"
if ! swift_build "$log/baseline.build"; then
    echo "baseline build failed; see $log/baseline.build" >&2
    exit 2
fi
bin=$(swift build --scratch-path "$build" --show-bin-path)
killer=$(run_checks GossipTests "$log/baseline")
if [[ -n $killer ]]; then
    echo "baseline fails in $killer ($log/baseline.$killer): fix that before judging mutants" >&2
    exit 2
fi
echo "baseline passes ($(($(date +%s) - started)) s)"

total=0
killed=0
survivors=()
index=0
while IFS=$'\t' read -r file original replacement description; do
    [[ -z $file || $file == \#* ]] && continue
    index=$((index + 1))
    [[ -n $only && $only != *",$index,"* ]] && continue
    total=$((total + 1))
    mutant_started=$(date +%s)
    applied=$(python3 - "$src/$file" "$original" "$replacement" <<'PY'
import sys
path, original, replacement = sys.argv[1:]
text = open(path).read()
count = text.count(original)
if count:
    open(path, "w").write(text.replace(original, replacement))
print(count)
PY
    )
    verdict=""
    if [[ $applied == 0 ]]; then
        verdict="INVALID (fragment not found)"
        total=$((total - 1))
    elif ! swift_build "$log/$index.build"; then
        verdict="INVALID (does not build; $log/$index.build)"
        total=$((total - 1))
    else
        case "$file" in
            Sources/Gossip/*) first=GossipTests ;;
            Sources/Sealing/*) first=SealingTests ;;
            *) first=PartitionsTests ;;
        esac
        killer=$(run_checks "$first" "$log/$index")
        if [[ -n $killer ]]; then
            killed=$((killed + 1))
            verdict="killed by $killer"
        else
            survivors+=("$index: $description")
            verdict="SURVIVED"
        fi
    fi
    cp "$repo/$file" "$src/$file"
    printf '#%-3s %-32s %4ss  %s (%s)\n' "$index" "$verdict" "$(($(date +%s) - mutant_started))" "$description" "$file"
done <"$list"

# Leave the scratch copy built from the unmutated sources.
swift_build "$log/restore.build" || true
wall=$(($(date +%s) - started))
echo
echo "mutation score: $killed / $total killed, wall $((wall / 60)) min $((wall % 60)) s"
for survivor in "${survivors[@]}"; do echo "survived: $survivor"; done
[[ $killed == "$total" ]]
