#!/usr/bin/env python3
"""Writes som-core-selectors.txt: every method selector of SOM's core library.

Usage: tests/data/som_core_selectors.py SOM_CHECKOUT > tests/data/som-core-selectors.txt

SOM_CHECKOUT is a clone of SOM-st/SOM (outside this repository); its `Smalltalk/`
directory holds the core library, one class per file. Only the selectors are read (a
line `Class selector` or `Class class selector` each): `tests/som_selectors.rs` checks
that Cairn's kernel answers every one of them, less the differences docs/design/kernel.md
lists with their reasons.
"""
import glob
import os
import re
import subprocess
import sys


def depth_zero(text):
    """The class body with every method body and string cut out (comments are gone
    already); a method body leaves a NUL marker where it began."""
    out, depth, i = [], 0, 0
    while i < len(text):
        c = text[i]
        if c == "'":
            i = text.index(c, i + 1) + 1
            continue
        if c == "(":
            depth += 1
            if depth == 1:
                out.append("\0")
        elif c == ")":
            depth -= 1
        elif depth == 0:
            out.append(c)
        i += 1
    return "".join(out)


def selector(pattern):
    if re.fullmatch(r"[A-Za-z_]\w*", pattern):
        return pattern
    if re.fullmatch(r"[~!@%&*\-+=/\\<>,|]+\s+\w+", pattern):
        return pattern.split()[0]
    return "".join(re.findall(r"\w+:", pattern))


def main(som):
    commit = subprocess.run(
        ["git", "-C", som, "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    print(f"# SOM-st/SOM core library ({commit or 'unknown commit'}), written by som_core_selectors.py")
    for path in sorted(glob.glob(os.path.join(som, "Smalltalk", "*.som"))):
        name = os.path.basename(path)[:-4]
        src = re.sub(r'"[^"]*"', "", open(path, encoding="utf-8").read())
        body = src[src.index("(") + 1 :]
        sides = re.split(r"\n\s*-{4,}\s*\n", body, maxsplit=1)
        for prefix, text in zip((name, name + " class"), sides):
            for chunk in re.split(r"\0|(?<=primitive)", depth_zero(text)):
                chunk = chunk.strip()
                if chunk.endswith("primitive"):
                    chunk = chunk[: -len("primitive")].rstrip()
                if not chunk.endswith("="):
                    continue
                pattern = chunk[:-1].strip().split("\n")[-1].strip()
                sel = selector(pattern) if pattern else ""
                if sel:
                    print(prefix, sel)


if __name__ == "__main__":
    main(sys.argv[1])
