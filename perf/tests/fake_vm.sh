#!/bin/sh
# A stand-in VM for cairn-perf's integration tests: takes the SOM harness invocation
# `-cp CLASSPATH Harness BENCH OUTER INNER` and prints AWFY-format lines whose times
# warm up like a JIT's: base * (1 + 4 * 0.5^i), with +-1% deterministic jitter.
# Environment: FAKE_BASE_US (default 1000), FAKE_SLOW_BENCH and FAKE_SLOW_PCT (make one
# benchmark slower by a percentage), FAKE_SEED (varies the jitter), FAKE_FAIL (a
# benchmark that crashes), FAKE_LOG (a file each invocation appends "LABEL BENCH" to),
# FAKE_LABEL. Prints Cairn's GC statistics line on stderr when CAIRN_GC_STATS=1.
[ "$1" = "-cp" ] || { echo "usage: fake_vm.sh -cp CP Harness BENCH OUTER INNER" >&2; exit 2; }
bench=$4; outer=$5
[ -n "$FAKE_LOG" ] && echo "${FAKE_LABEL:-fake} $bench" >> "$FAKE_LOG"
if [ "$bench" = "${FAKE_FAIL:-}" ]; then
  echo "$bench: iterations=1 runtime: 1000us"
  echo "error: simulated crash in $bench" >&2
  exit 1
fi
base=${FAKE_BASE_US:-1000}
[ "$bench" = "${FAKE_SLOW_BENCH:-}" ] && base=$((base * (100 + ${FAKE_SLOW_PCT:-0}) / 100))
seed=${FAKE_SEED:-0}
echo "Starting $bench benchmark ... "
i=0; total=0; warm=$((base * 4))
while [ $i -lt "$outer" ]; do
  jitter=$(( ((i * 31 + seed * 17) % 11 - 5) * base / 500 ))
  t=$((base + warm + jitter))
  warm=$((warm / 2))
  echo "$bench: iterations=1 runtime: ${t}us"
  total=$((total + t)); i=$((i + 1))
done
echo "$bench: iterations=$outer average: $((total / outer))us total: ${total}us"
echo
echo "Total Runtime: ${total}us"
[ "${CAIRN_GC_STATS:-}" = 1 ] && echo "cairn-gc-stats: scavenges=7 full-gcs=1 gc-time-us=$((total / 10)) run-time-us=$total" >&2
exit 0
