#!/usr/bin/env python3
"""Start-up of `cairn run` from a built image against `cairn run` from source
(issue 13, acceptance 8 direction; docs/perf/images.md).

Builds perf/images/Hello.som into an image (`cairn build --main Hello`), checks that both
ways print the same line, then runs each RUNS times, alternating, and prints per way the
wall time (mean, median, min) and the CPU time of the child processes (user + system,
from os.times), in milliseconds.

    python3 perf/images/startup.py [CAIRN_BINARY] [RUNS]

CAIRN_BINARY defaults to $CARGO_TARGET_DIR/release/cairn, else target/release/cairn.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def binary():
    if len(sys.argv) > 1:
        return sys.argv[1]
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(HERE, "..", "..", "target"))
    return os.path.join(target, "release", "cairn")


def timed(cmd, runs_out):
    before = os.times()
    start = time.perf_counter()
    out = subprocess.run(cmd, stdout=subprocess.PIPE, check=True).stdout
    wall = time.perf_counter() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    runs_out.append((wall * 1000, cpu * 1000))
    return out


def main():
    cairn = binary()
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    with tempfile.TemporaryDirectory() as tmp:
        image = os.path.join(tmp, "hello.image")
        src = os.path.join(tmp, "src")
        os.mkdir(src)
        with open(os.path.join(HERE, "Hello.som")) as f, open(os.path.join(src, "Hello.som"), "w") as g:
            g.write(f.read())
        subprocess.run([cairn, "build", "--source", src, "--main", "Hello", "-o", image], check=True)
        ways = {
            "image": [cairn, "run", image],
            "source": [cairn, "run", "-cp", src, "Hello"],
        }
        outputs = {name: subprocess.run(cmd, stdout=subprocess.PIPE, check=True).stdout for name, cmd in ways.items()}
        assert outputs["image"] == outputs["source"] == b"Hello, World\n", outputs
        for cmd in ways.values():  # warm-up
            for _ in range(5):
                subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
        results = {name: [] for name in ways}
        for _ in range(runs):
            for name, cmd in ways.items():
                timed(cmd, results[name])
        print(f"{cairn}, {runs} runs each, alternating; image {os.path.getsize(image)} bytes")
        print(f"{'way':8} {'wall mean':>10} {'median':>8} {'min':>8} {'cpu mean':>9}   (ms)")
        for name, r in results.items():
            wall = [w for w, _ in r]
            cpu = statistics.mean(c for _, c in r)
            print(f"{name:8} {statistics.mean(wall):10.2f} {statistics.median(wall):8.2f} {min(wall):8.2f} {cpu:9.2f}")


if __name__ == "__main__":
    main()
