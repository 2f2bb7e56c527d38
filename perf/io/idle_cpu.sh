#!/usr/bin/env bash
# The CPU time an idle echo server uses (docs/perf/scheduler.md, "Idle CPU"): starts
# examples/echo/EchoServer.som with CONNECTIONS idle clients connected, samples the
# server's user+system CPU ticks from /proc over SECONDS, and prints them as a
# percentage of one core. Usage: perf/io/idle_cpu.sh [CAIRN] [SECONDS] [CONNECTIONS]
set -euo pipefail
cairn=${1:-target/release/cairn}
seconds=${2:-10}
connections=${3:-100}
port=$((20000 + RANDOM % 20000))
"$cairn" run -cp examples/echo EchoServer "$port" > /dev/null &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
sleep 1
python3 - "$port" "$connections" "$seconds" "$server" <<'PY'
import os, socket, sys, time
port, n, seconds, pid = map(int, sys.argv[1:])
socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(n)]
for s in socks:
    s.sendall(b"warm up\n"); s.recv(100)
hz = os.sysconf("SC_CLK_TCK")
def cpu():
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])
before, t0 = cpu(), time.time()
time.sleep(seconds)
after, t1 = cpu(), time.time()
print(f"idle server, {n} idle connections: {(after - before) / hz:.3f} s CPU in {t1 - t0:.1f} s"
      f" = {100 * (after - before) / hz / (t1 - t0):.2f} % of one core")
PY
