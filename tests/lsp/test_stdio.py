"""The stdio transport: editors give the server a pipe (read on the event loop, covered by every
end-to-end test); anything else, such as a file on stdin, falls back to pygls' threaded reader."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def framed(message: dict) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def replies(output: bytes) -> list[dict]:
    found = []
    while output:
        header, _, rest = output.partition(b"\r\n\r\n")
        length = int(header.split(b"Content-Length: ")[1].split(b"\r\n")[0])
        found.append(json.loads(rest[:length]))
        output = rest[length:]
    return found


def test_a_session_read_from_a_file_on_stdin_answers_and_exits_cleanly(tmp_path: Path):
    session = tmp_path / "session.jsonrpc"
    session.write_bytes(b"".join(framed(m) for m in [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"processId": None, "rootUri": None, "capabilities": {},
                    "initializationOptions": {"modelPaths": [str(tmp_path / "no-models")]}}},
        {"jsonrpc": "2.0", "id": 2, "method": "shutdown"},
        {"jsonrpc": "2.0", "method": "exit"},
    ]))
    with session.open("rb") as stdin:
        done = subprocess.run([sys.executable, "-m", "rnnlens", "lsp"], stdin=stdin, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    answers = {reply["id"]: reply for reply in replies(done.stdout) if "id" in reply}
    assert answers[1]["result"]["serverInfo"]["name"] == "rnnlens"
    assert "inlayHintProvider" in answers[1]["result"]["capabilities"]
    assert answers[2]["result"] is None
