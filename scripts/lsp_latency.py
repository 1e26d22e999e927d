#!/usr/bin/env python3
"""Measure `procc lsp`: latency from `didChange` to `publishDiagnostics` on a generated
project, and `procc fmt` throughput.

Usage:
    scripts/lsp_latency.py [--procc target/release/procc] [--lines 10000] [--edits 100]

Generates a project with scripts/gen_large_project.py, starts `procc lsp`, opens one of
its files and makes `--edits` edits one after another (a comment line inserted at the
top, then removed), timing each from sending `didChange` to receiving the file's
`publishDiagnostics`; the server's debounce is part of the figure. Then times
`procc fmt --check` over a copy of the project scaled to 100k lines. Prints the median and
p99 latency and the formatter's MB/s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def send(proc, message):
    body = json.dumps(message).encode()
    proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    proc.stdin.flush()


def receive(proc):
    length = None
    while True:
        line = proc.stdout.readline()
        if not line:
            raise SystemExit("procc lsp closed its output")
        line = line.strip()
        if not line:
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return json.loads(proc.stdout.read(length))


def wait_for(proc, wanted):
    while True:
        message = receive(proc)
        if wanted(message):
            return message


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--procc", default="target/release/procc")
    parser.add_argument("--lines", type=int, default=10000)
    parser.add_argument("--edits", type=int, default=100)
    args = parser.parse_args()
    root_dir = Path(__file__).resolve().parent.parent
    procc = str(Path(args.procc).resolve())
    work = Path(tempfile.mkdtemp(prefix="procc-lsp-latency-"))
    try:
        project = work / "project"
        subprocess.run([sys.executable, str(root_dir / "scripts/gen_large_project.py"), str(args.lines), str(project)],
                       check=True, stdout=subprocess.DEVNULL)
        files = sorted(project.rglob("*.proc"))
        total_lines = sum(f.read_text().count("\n") for f in files)
        target = max(files, key=lambda f: f.stat().st_size)
        text = target.read_text()
        uri = target.as_uri()

        proc = subprocess.Popen([procc, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        send(proc, {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                    "params": {"processId": None, "rootUri": project.as_uri(), "capabilities": {}}})
        wait_for(proc, lambda m: m.get("id") == 1)
        send(proc, {"jsonrpc": "2.0", "method": "initialized", "params": {}})
        is_mine = lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
        started = time.perf_counter()
        send(proc, {"jsonrpc": "2.0", "method": "textDocument/didOpen",
                    "params": {"textDocument": {"uri": uri, "languageId": "proc", "version": 1, "text": text}}})
        first = wait_for(proc, is_mine)
        first_ms = (time.perf_counter() - started) * 1000
        errors = [d for d in first["params"]["diagnostics"] if d.get("severity") == 1]

        latencies = []
        for edit in range(args.edits):
            if edit % 2 == 0:
                change = {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                          "text": f"// edit {edit}\n"}
            else:
                change = {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}},
                          "text": ""}
            begin = time.perf_counter()
            send(proc, {"jsonrpc": "2.0", "method": "textDocument/didChange",
                        "params": {"textDocument": {"uri": uri, "version": edit + 2}, "contentChanges": [change]}})
            wait_for(proc, is_mine)
            latencies.append((time.perf_counter() - begin) * 1000)
        send(proc, {"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": None})
        wait_for(proc, lambda m: m.get("id") == 2)
        send(proc, {"jsonrpc": "2.0", "method": "exit", "params": None})
        proc.wait(timeout=30)

        print(f"project: {len(files)} files, {total_lines} lines; edited {target.name}")
        print(f"first check after didOpen: {first_ms:.1f} ms ({len(errors)} errors)")
        print(f"didChange -> publishDiagnostics over {len(latencies)} edits: "
              f"median {percentile(latencies, 0.5):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms, "
              f"max {max(latencies):.1f} ms")

        big = work / "big"
        subprocess.run([sys.executable, str(root_dir / "scripts/gen_large_project.py"), "100000", str(big)],
                       check=True, stdout=subprocess.DEVNULL)
        size = sum(f.stat().st_size for f in big.rglob("*.proc"))
        runs = []
        for _ in range(3):
            begin = time.perf_counter()
            subprocess.run([procc, "fmt", "--check", str(big)], stdout=subprocess.DEVNULL)
            runs.append(time.perf_counter() - begin)
        best = min(runs)
        print(f"procc fmt --check: {size / 1e6:.2f} MB in {best * 1000:.0f} ms (best of 3, whole process) "
              f"= {size / 1e6 / best:.1f} MB/s")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
