#!/usr/bin/env python3
"""Check every sbuf_fmt call's format against the conversions sbuf_fmt knows.

sbuf_fmt (src/sbuf.c) is spelled like printf so that -Wformat=2 checks each
argument's type, but it implements only %s, %-s, %u, %llu, %016llx, %c, %m
and %%. A conversion printf knows and sbuf_fmt does not (%lu, %d, %x, %zu,
a width) would pass the compiler and then be misread at run time: on a
32-bit architecture %lu would take a 64-bit argument. This check fails the
build on one. It reads the preprocessor's output, so formats built from
macros (IDNUM_STR) are checked as the compiler sees them.

Usage: fmt-check.py [--cpp 'CPP COMMAND'] FILE.c...   (make check: src/)
"""
import bisect
import re
import shlex
import subprocess
import sys

KNOWN = {"s", "-s", "u", "llu", "016llx", "c", "m", "%"}
CONV = re.compile(r"%([-+ #0-9.*]*(?:hh|h|ll|l|j|z|t|L)?[a-zA-Z%])")
STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
CHAR = re.compile(r"'(?:[^'\\\n]|\\.)*'")
MARKER = re.compile(r'# (\d+) "([^"]*)"')


def preprocess(cpp, path):
    """cpp's output for path (line markers blanked) and a function giving
    the source file and line of an offset in it."""
    out = subprocess.run(cpp + [path], check=True, capture_output=True,
                         text=True).stdout.split("\n")
    where, starts, pos, name, line = [], [], 0, path, 1
    for i, text in enumerate(out):
        m = MARKER.match(text)
        starts.append(pos)
        pos += (0 if m else len(text)) + 1
        if m:
            line, name = int(m.group(1)), m.group(2)
            out[i] = ""
            where.append((name, 0))
            continue
        where.append((name, line))
        line += 1

    def locate(offset):
        return where[bisect.bisect_right(starts, offset) - 1]
    return "\n".join(out), locate


def call_args(src, start):
    """The top-level arguments of a call; start is just after its '('."""
    depth, i, arg, args = 0, start, [], []
    while i < len(src):
        c = src[i]
        if c in "\"'":
            m = (STRING if c == '"' else CHAR).match(src, i)
            arg.append(m.group(0))
            i = m.end()
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                args.append("".join(arg))
                return args
            depth -= 1
        elif c == "," and depth == 0:
            args.append("".join(arg))
            arg = []
            i += 1
            continue
        arg.append(c)
        i += 1
    return args


def check(cpp, path):
    src, locate = preprocess(cpp, path)
    bad = []
    for m in re.finditer(r"\bsbuf_fmt\s*\(", src):
        name, line = locate(m.start())
        if not name.endswith(".c"):
            continue  # the declaration in sbuf.h
        if re.search(r"\bvoid\s*$", src[max(0, m.start() - 40):m.start()]):
            continue  # the definition
        args = call_args(src, m.end())
        fmt = args[1] if len(args) > 1 else ""
        if not STRING.search(fmt) or STRING.sub("", fmt).strip():
            bad.append("%s:%d: the format is not a string literal: it cannot be "
                       "checked" % (name, line))
            continue
        text = "".join(s[1:-1] for s in STRING.findall(fmt))
        for c in CONV.finditer(text):
            if c.group(1) not in KNOWN:
                bad.append("%s:%d: %%%s: sbuf_fmt knows only %s" % (
                    name, line, c.group(1),
                    " ".join("%" + k for k in sorted(KNOWN))))
    return bad


def main(argv):
    cpp = ["cc", "-E", "-D_GNU_SOURCE", "-DNREXEC_VERSION=\"0\"", "-Isrc"]
    if len(argv) > 2 and argv[1] == "--cpp":
        cpp = shlex.split(argv[2])
        argv = argv[2:]
    if len(argv) < 2:
        print("usage: " + __doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    bad = []
    for p in argv[1:]:
        bad += check(cpp, p)
    for b in bad:
        print("fmt-check: " + b, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
