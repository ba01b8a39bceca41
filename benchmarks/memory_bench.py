"""Benchmark: peak memory of analysing long texts (issue 11, item 4).

    .venv/bin/python benchmarks/memory_bench.py [--model brown-lstm] [--kill-above-mb 3000]

Each case runs in its own process, and its peak resident memory is the kernel's own count:
`ru_maxrss` from `os.wait4` for a CLI run (started by a small launcher, see LAUNCHER), `VmHWM`
from /proc for the language server (read while it still runs, after the command answered). Cases:
  - `rnnlens analyze` of a 1 MB file that is one single line (Brown-vocabulary words);
  - `rnnlens analyze` of a 20 MB file (above the size limit: it must be refused, fast, with the
    message naming the limit);
  - `rnnlens analyze` of a text just under the limit (`rnnlens.limits.MAX_TEXT_CHARS`), in lines;
  - `rnnlens analyze --json` of the 1 MB line (the JSON is streamed, to /dev/null here);
  - `workspace/executeCommand rnnlens.server.explainSentence` on a 600 KB paragraph with no
    sentence end, through a real LSP client over stdio.
Target: each under 1 GB peak RSS, or a clear refusal at the documented limit. A watchdog kills
a case above --kill-above-mb so a regression cannot take the machine's memory. The model's
statistics are computed (or loaded) once before, untimed, by analysing a short text.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from rnnlens.limits import MAX_TEXT_CHARS
from rnnlens.models.registry import ModelRegistry

TARGET_MB = 1024
WORDS = ("the of and to a in that is was he for it with as his on be at by i this had not are but from or have "
         "an they which one you were her all she there would their we him been has when who will more no if out "
         "so said what up its about into than them can only other new some could time these two may then do "
         "first any my now such like our over man me even most made after also did many before must through "
         "years where much your way well down should because each just those people mr how too little state "
         "good very make world still own see men work long get here between both life being under never day "
         "same another know while last might us great old year off come since against go came right used take "
         "three").split()


def words_text(size: int, seed: int, line_words: int | None = None) -> str:
    """About `size` characters of common words; one line, or lines of `line_words` words."""
    rng = random.Random(seed)
    parts: list[str] = []
    total = 0
    count = 0
    while total < size:
        word = rng.choice(WORDS)
        count += 1
        sep = "\n" if line_words and count % line_words == 0 else " "
        parts.append(word + sep)
        total += len(word) + 1
    return "".join(parts)[:size]


def status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def watchdog(pid: int, limit_mb: int, stop: threading.Event, killed: list[bool]) -> None:
    while not stop.wait(0.05):
        if status_kb(pid, "VmRSS") > limit_mb * 1024:
            killed.append(True)
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass
            return


# Linux records, at exec, the memory high-water mark of the process image being replaced in the
# child's ru_maxrss: a child forked from this (large) process would report at least our size. So
# a small fresh interpreter starts the measured command and reports the rusage of that grandchild.
LAUNCHER = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=open(sys.argv[1], "wb"))
print(proc.pid, flush=True)
_, status, usage = os.wait4(proc.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss, flush=True)
"""


def run_cli(args: list[str], limit_mb: int) -> dict[str, Any]:
    """Run `python -m rnnlens ARGS`; its peak RSS (MB), exit code, seconds, last stderr line."""
    started = time.perf_counter()
    with tempfile.NamedTemporaryFile() as err:
        launcher = subprocess.Popen([sys.executable, "-c", LAUNCHER, err.name, sys.executable, "-m", "rnnlens", *args],
                                    stdout=subprocess.PIPE, text=True)
        assert launcher.stdout is not None
        pid = int(launcher.stdout.readline())
        stop, killed = threading.Event(), []
        guard = threading.Thread(target=watchdog, args=(pid, limit_mb, stop, killed), daemon=True)
        guard.start()
        code, maxrss_kb = (int(value) for value in launcher.stdout.readline().split())
        launcher.wait()
        stop.set()
        lines = Path(err.name).read_text("utf-8", "replace").strip().splitlines()
    return {"peak_mb": maxrss_kb / 1024, "code": code, "seconds": time.perf_counter() - started,
            "message": lines[-1] if lines else "", "killed": bool(killed)}


async def explain_sentence(text: str, model: str, limit_mb: int) -> dict[str, Any]:
    logging.getLogger("pygls").setLevel(logging.ERROR)  # the server's status notifications are not ours to handle
    client = LanguageClient("rnnlens-memory-bench", "1")
    await client.start_io(sys.executable, "-m", "rnnlens", "lsp")
    pid = client._server.pid  # type: ignore[attr-defined]  # pygls keeps the asyncio subprocess here
    stop, killed = threading.Event(), []
    threading.Thread(target=watchdog, args=(pid, limit_mb, stop, killed), daemon=True).start()
    options = {"model": model, "inlayHints": {"enabled": False}}
    await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities(),
                                                         initialization_options=options))
    client.initialized(types.InitializedParams())
    uri = "file:///tmp/rnnlens-memory-bench/paragraph.txt"
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id="plaintext", version=1, text=text)))
    started = time.perf_counter()
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="rnnlens.server.explainSentence",
        arguments=[{"uri": uri, "position": {"line": 0, "character": len(text) // 2}}]))
    seconds = time.perf_counter() - started
    peak = status_kb(pid, "VmHWM") / 1024
    stop.set()
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    data = result if isinstance(result, dict) else {}
    shown = f"{len(data.get('tokens', []))} tokens shown of {data.get('tokens_total', '?')}"
    return {"peak_mb": peak, "code": 0 if "error" not in data else 2, "seconds": seconds,
            "message": data.get("error", shown), "killed": bool(killed)}


def report(name: str, outcome: dict[str, Any], refusal_expected: bool = False) -> bool:
    refused = outcome["code"] == 2 and "size limit" in outcome["message"]
    ok = not outcome["killed"] and (refused if refusal_expected else
                                    outcome["code"] == 0 and outcome["peak_mb"] < TARGET_MB)
    verdict = "ok" if ok else "FAIL"
    what = "refused" if refused else ("KILLED" if outcome["killed"] else f"exit {outcome['code']}")
    print(f"{name:<58} peak {outcome['peak_mb']:7.0f} MB  {outcome['seconds']:6.1f} s  {what:<8} {verdict}")
    if outcome["message"] and (refused or not ok):
        print(f"    {outcome['message'][:200]}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="brown-lstm")
    parser.add_argument("--kill-above-mb", type=int, default=3000)
    args = parser.parse_args()
    if args.model not in ModelRegistry().names():
        print(f"model {args.model} not found; run scripts/train_samples.sh or pass --model", file=sys.stderr)
        return 2
    limit = args.kill_above_mb
    with tempfile.TemporaryDirectory(prefix="rnnlens-memory-") as folder:
        root = Path(folder)
        short = root / "short.txt"
        short.write_text("the cat sat on the mat .\n")
        warm = run_cli(["analyze", str(short), "--model", args.model], limit)  # statistics: computed or loaded
        if warm["code"] != 0:
            print(f"warm-up failed: {warm['message']}", file=sys.stderr)
            return 2
        line = root / "line-1mb.txt"
        line.write_text(words_text(1_000_000, 0))
        big = root / "file-20mb.txt"
        big.write_text(words_text(20_000_000, 1, line_words=12))
        at_limit = root / "at-limit.txt"
        at_limit.write_text(words_text(MAX_TEXT_CHARS - 100, 2, line_words=12))
        print(f"model {args.model}; peak resident memory per case (target < {TARGET_MB} MB or a clear refusal)")
        print(f"size limit: {MAX_TEXT_CHARS:,} characters (rnnlens.limits.MAX_TEXT_CHARS)")
        ok = report("analyze, 1 MB single line", run_cli(["analyze", str(line), "--model", args.model], limit))
        ok &= report("analyze --json, 1 MB single line",
                     run_cli(["analyze", str(line), "--model", args.model, "--json"], limit))
        ok &= report("analyze, 20 MB file", run_cli(["analyze", str(big), "--model", args.model], limit),
                     refusal_expected=True)
        ok &= report(f"analyze, {MAX_TEXT_CHARS - 100:,} characters (at the limit), lines",
                     run_cli(["analyze", str(at_limit), "--model", args.model], limit))
        paragraph = words_text(600_000, 3)
        ok &= report("explainSentence (LSP), 600 KB paragraph",
                     asyncio.run(explain_sentence(paragraph, args.model, limit)))
    print("all within target" if ok else "SOME CASES MISSED THE TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
