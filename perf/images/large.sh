#!/bin/sh
# Load and save of an image with about 96 MB of live objects (issue 13, acceptance 7
# direction; docs/perf/images.md). Builds it with perf/images/large/BigBoot.som as the
# boot class and Idle (an empty `run`) as the main class, then times, RUNS times each:
#   run-image  `cairn run big.image`: map, check, load, verify, an empty run, exit
#   boot-only  `cairn run BigBoot`: kernel boot and the allocation, no image
#   build      `cairn build --boot BigBoot.som`: the same plus collect, write, fsync
# Save is read as build minus boot-only. Usage: perf/images/large.sh [CAIRN] [RUNS]
set -e
here=$(cd "$(dirname "$0")" && pwd)
cairn=${1:-${CARGO_TARGET_DIR:-$here/../../target}/release/cairn}
runs=${2:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/src"
cp "$here/large/Idle.som" "$tmp/src/"
"$cairn" build --source "$tmp/src" --boot "$here/large/BigBoot.som" --main Idle -o "$tmp/big.image"
echo "image: $(wc -c < "$tmp/big.image") bytes; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
i=0
while [ "$i" -lt "$runs" ]; do
    /usr/bin/time -f "run-image %e s wall, %U s user, %S s sys, %M KB max RSS" "$cairn" run "$tmp/big.image"
    /usr/bin/time -f "boot-only %e s wall, %U s user, %S s sys, %M KB max RSS" "$cairn" run -cp "$here/large" BigBoot
    /usr/bin/time -f "build     %e s wall, %U s user, %S s sys, %M KB max RSS" "$cairn" build --source "$tmp/src" --boot "$here/large/BigBoot.som" --main Idle -o "$tmp/big.image"
    i=$((i + 1))
done
