#!/usr/bin/env python3
"""Fails when an #include in src/ crosses the layer graph of doc/architecture.md.

The graph is the table between the markers `<!-- layers: begin -->` and
`<!-- layers: end -->` in doc/architecture.md: one row per unit, with the files it
covers (directories end in `/`, a `*` matches within a file name) and the units it may
include. A file belongs to the first unit whose pattern matches it (so list file-level
exceptions before their directory). Includes are the project's own, written as
`#include "dir/file.h"` relative to src/; system and library headers (`<...>`) are not
checked. A unit may always include its own files.

Usage: check-layers.py [REPO_ROOT]      exit 0: clean, 1: violations, 2: bad table
"""
import fnmatch
import os
import re
import sys

BEGIN, END = "<!-- layers: begin -->", "<!-- layers: end -->"
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def fail_table(msg):
    print(f"check-layers: doc/architecture.md: {msg}", file=sys.stderr)
    sys.exit(2)


def read_table(doc_path):
    """Returns [(unit, [patterns], set(allowed units))] in table order."""
    with open(doc_path, encoding="utf-8") as f:
        text = f.read()
    if BEGIN not in text or END not in text:
        fail_table(f"no layer table (markers {BEGIN} ... {END})")
    body = text.split(BEGIN, 1)[1].split(END, 1)[0]
    units = []
    for line in body.splitlines():
        line = line.strip()
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        cells = [c.strip().strip("`") for c in line.strip("|").split("|")]
        if len(cells) < 3 or cells[0].lower() == "unit":
            continue
        name = cells[0]
        patterns = [p.strip().strip("`") for p in cells[1].split(",") if p.strip()]
        allowed = {a.strip().strip("`") for a in cells[2].split(",") if a.strip() and a.strip() not in ("—", "-")}
        units.append((name, patterns, allowed))
    if not units:
        fail_table("the layer table has no rows")
    names = {u[0] for u in units}
    for name, _, allowed in units:
        for a in allowed:
            if a not in names and a != "*":
                fail_table(f"unit '{name}' may include unknown unit '{a}'")
    return units


def unit_of(path, units):
    """`path` is relative to src/, with forward slashes."""
    for name, patterns, _ in units:
        for p in patterns:
            if p.endswith("/") and path.startswith(p):
                return name
            if fnmatch.fnmatchcase(path, p):
                return name
    return None


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", ".."))
    src = os.path.join(root, "src")
    units = read_table(os.path.join(root, "doc", "architecture.md"))
    allowed = {name: a for name, _, a in units}
    problems = []
    checked = 0
    for dirpath, _, files in os.walk(src):
        for fname in sorted(files):
            if not fname.endswith((".h", ".cpp")):
                continue
            full = os.path.join(dirpath, fname)
            rel = os.path.relpath(full, src).replace(os.sep, "/")
            unit = unit_of(rel, units)
            if unit is None:
                problems.append(f"src/{rel}: in no unit of the layer table")
                continue
            checked += 1
            with open(full, encoding="utf-8", errors="replace") as f:
                for lineno, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    target = m.group(1)
                    if not os.path.exists(os.path.join(src, target)):
                        problems.append(f"src/{rel}:{lineno}: #include \"{target}\" is not a path under src/")
                        continue
                    tunit = unit_of(target, units)
                    if tunit is None:
                        problems.append(f"src/{rel}:{lineno}: #include \"{target}\": in no unit of the layer table")
                    elif tunit != unit and tunit not in allowed[unit] and "*" not in allowed[unit]:
                        problems.append(f"src/{rel}:{lineno}: {unit} must not include {tunit} (\"{target}\")")
    for p in problems:
        print(p)
    if problems:
        print(f"check-layers: {len(problems)} include(s) cross the layer graph of doc/architecture.md", file=sys.stderr)
        return 1
    print(f"check-layers: {checked} files follow the layer graph of doc/architecture.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
