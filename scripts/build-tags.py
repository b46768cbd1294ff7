#!/usr/bin/env python3
"""Build assets/tags.txt, the prompt tag-completion list of Kamiya Studio.

Source of the tag export
------------------------
  Repository: https://github.com/DominikDoom/a1111-sd-webui-tagcomplete
  Path:       tags/danbooru.csv
  Commit:     4170882f90b47be130a0ff9314f663c230b9153d
  Licence:    MIT, "Copyright (c) 2022 Dominik Reh"

The CSV is NOT kept in this repository. Its lines are
    name,category,post_count,"alias1,alias2,..."
(standard CSV quoting: fields containing a comma or a double quote are
quoted, quotes doubled). Categories: 0 general, 1 artist, 3 copyright,
4 character, 5 meta.

The Chinese names come from data/tags-zh.tsv, Kamiya Studio's own glossary
(MIT, like the project).

Rebuild
-------
  git clone https://github.com/DominikDoom/a1111-sd-webui-tagcomplete /tmp/tagcomplete
  git -C /tmp/tagcomplete checkout 4170882f90b47be130a0ff9314f663c230b9153d
  python3 scripts/build-tags.py /tmp/tagcomplete/tags/danbooru.csv

  (options: --zh data/tags-zh.tsv  --out assets/tags.txt  --count 30000)

Output format (one tag per line, UTF-8, "\\n" line ends, no header, sorted
by post count descending, ties by name ascending), always 4 TABs per line:
    name<TAB>category<TAB>count<TAB>alias1,alias2,...<TAB>zh1,zh2,...

Python 3.11 standard library only. Deterministic: same inputs give
byte-identical output.
"""

import argparse
import csv
import gzip
import os
import shutil
import subprocess
import sys
import tempfile

CATEGORIES = {"0", "1", "3", "4", "5"}
MAX_ALIASES = 8
MAX_ZH = 4


def die(msg: str) -> None:
    print(f"build-tags: error: {msg}", file=sys.stderr)
    sys.exit(1)


def bad_text(s: str) -> bool:
    return any(c in s for c in "\t\n\r")


def read_csv(path: str) -> list[tuple[str, str, int, list[str]]]:
    tags = []
    seen = set()
    with open(path, encoding="utf-8", newline="") as f:
        for lineno, row in enumerate(csv.reader(f), 1):
            if not row:
                continue
            if len(row) < 3:
                die(f"{path}:{lineno}: expected at least 3 fields, got {row!r}")
            name, cat, count = row[0], row[1].strip(), row[2].strip()
            if cat not in CATEGORIES:
                continue
            if not name or bad_text(name) or name in seen:
                continue
            if not count.isdigit():
                die(f"{path}:{lineno}: post count is not an integer: {count!r}")
            seen.add(name)
            aliases: list[str] = []
            if len(row) > 3:
                for a in row[3].split(","):
                    if not a or bad_text(a) or a == name or a in aliases:
                        continue
                    aliases.append(a)
            tags.append((name, cat, int(count), aliases[:MAX_ALIASES]))
    tags.sort(key=lambda t: (-t[2], t[0]))
    return tags


def read_glossary(path: str, kept: set[str]) -> dict[str, list[str]]:
    zh: dict[str, list[str]] = {}
    with open(path, encoding="utf-8", newline="") as f:
        data = f.read()
    if data.startswith("\ufeff"):
        die(f"{path}: has a byte order mark; save it as plain UTF-8")
    for lineno, line in enumerate(data.split("\n"), 1):
        line = line.rstrip("\r")
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2:
            die(f"{path}:{lineno}: malformed line (need 'tag<TAB>名1,名2'): {line!r}")
        tag, names_field = parts
        if not tag or tag != tag.strip():
            die(f"{path}:{lineno}: malformed tag name {tag!r}")
        names = names_field.split(",")
        if not names or any(not n or n != n.strip() for n in names):
            die(f"{path}:{lineno}: empty name or stray spaces in {names_field!r}")
        if len(set(names)) != len(names):
            die(f"{path}:{lineno}: repeated Chinese name in {names_field!r}")
        if len(names) > MAX_ZH:
            die(f"{path}:{lineno}: more than {MAX_ZH} Chinese names for {tag}")
        if tag in zh:
            die(f"{path}:{lineno}: duplicate tag {tag!r}")
        if tag not in kept:
            die(f"{path}:{lineno}: tag {tag!r} is not among the kept tags")
        zh[tag] = names
    return zh


def main() -> None:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description="Build assets/tags.txt")
    ap.add_argument("csv", help="path to danbooru.csv from a1111-sd-webui-tagcomplete")
    ap.add_argument("--zh", default=os.path.join(root, "data", "tags-zh.tsv"))
    ap.add_argument("--out", default=os.path.join(root, "assets", "tags.txt"))
    ap.add_argument("--count", type=int, default=30000)
    args = ap.parse_args()
    if args.count <= 0:
        die("--count must be positive")

    tags = read_csv(args.csv)[: args.count]
    kept = {t[0] for t in tags}
    zh = read_glossary(args.zh, kept)

    lines = []
    for name, cat, count, aliases in tags:
        lines.append(
            f"{name}\t{cat}\t{count}\t{','.join(aliases)}\t{','.join(zh.get(name, []))}\n"
        )
    out = "".join(lines).encode("utf-8")

    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=".tags-")
    with os.fdopen(fd, "wb") as f:
        f.write(out)
    os.chmod(tmp, 0o644)
    os.replace(tmp, args.out)

    gz = len(gzip.compress(out, compresslevel=9, mtime=0))
    br = None
    if shutil.which("brotli"):
        r = subprocess.run(["brotli", "-c", "-q", "11"], input=out, capture_output=True)
        if r.returncode == 0:
            br = len(r.stdout)
    print(f"tags kept:             {len(tags)}", file=sys.stderr)
    print(f"tags with Chinese:     {sum(1 for t in tags if t[0] in zh)}", file=sys.stderr)
    print(f"output:                {args.out}", file=sys.stderr)
    print(f"size raw:              {len(out)} bytes", file=sys.stderr)
    print(f"size gzip -9:          {gz} bytes", file=sys.stderr)
    if br is None:
        print("size brotli:           (skipped, no brotli command)", file=sys.stderr)
    else:
        print(f"size brotli -q 11:     {br} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
