"""The standalone page as a browser meets it from a real `rnnlens serve`: a strict
Content-Security-Policy in the header and in the HTML, GET and HEAD only, one Host header."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

LINE = re.compile(r"^panel: http://127\.0\.0\.1:(\d+)/\?token=(\S+)$")


@dataclass
class Served:
    port: int
    token: str
    process: subprocess.Popen


@pytest.fixture(scope="module")
def served(tiny_models: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    env = {**os.environ, "RNNLENS_CACHE": str(tmp_path_factory.mktemp("cache"))}
    process = subprocess.Popen([sys.executable, "-m", "rnnlens", "serve", "--model-path", str(tiny_models),
                                "--model", "tiny-gru-lm"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env)
    line = process.stdout.readline().rstrip("\n") if process.stdout else ""
    match = LINE.match(line)
    assert match, f"{line!r} {process.stderr.read() if process.poll() is not None and process.stderr else ''}"
    yield Served(int(match.group(1)), match.group(2), process)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    # Nothing a client sent may have reached a traceback on the server's side.
    assert "Traceback" not in err, err


def raw(served: Served, request: bytes) -> bytes:
    """A hand-written request (http.client cannot send two Host headers); the whole answer."""
    with socket.create_connection(("127.0.0.1", served.port), timeout=30) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part}


def page(served: Served, host: str | None = None) -> tuple[http.client.HTTPResponse, str]:
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
    connection.request("GET", f"/?token={served.token}", headers={"Host": host} if host else {})
    response = connection.getresponse()
    return response, response.read().decode("utf-8")


def meta_policy(body: str) -> str:
    match = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', body)
    assert match, "the page carries its policy in a <meta> too"
    return match.group(1).replace("&#x27;", "'").replace("&quot;", '"').replace("&amp;", "&")


def test_page_header_allows_only_its_own_nonce_script_styles_and_its_stream(served: Served):
    response, body = page(served)
    assert response.status == 200
    policy = directives(response.getheader("Content-Security-Policy") or "")
    assert policy["default-src"] == ["'none'"]
    nonce = policy["script-src"]
    assert len(nonce) == 1 and nonce[0].startswith("'nonce-")
    assert policy["style-src"] == nonce
    assert policy["connect-src"] == [f"ws://127.0.0.1:{served.port}/ws"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in source or source == "*" for sources in policy.values() for source in sources)
    # Every script and stylesheet element of the page carries that nonce; none is inline.
    value = nonce[0][len("'nonce-"):-1]
    tags = re.findall(r"<(?:script|link)\b[^>]*>", body)
    assert tags and all(f'nonce="{value}"' in tag for tag in tags)
    assert all("src=" in tag or "href=" in tag for tag in tags)
    assert response.getheader("Referrer-Policy") == "no-referrer"  # the URL holds the token


def test_page_html_carries_the_same_policy_but_frame_ancestors(served: Served):
    response, body = page(served)
    header = directives(response.getheader("Content-Security-Policy") or "")
    meta = directives(meta_policy(body))
    assert meta == {name: value for name, value in header.items() if name != "frame-ancestors"}
    # The policy comes before anything that loads.
    assert body.index("Content-Security-Policy") < min(body.index("<script"), body.index("<link"))


def test_each_page_gets_a_fresh_nonce(served: Served):
    first = directives(page(served)[0].getheader("Content-Security-Policy") or "")["script-src"]
    second = directives(page(served)[0].getheader("Content-Security-Policy") or "")["script-src"]
    assert first != second


def test_page_opened_as_localhost_may_connect_to_localhost_only(served: Served):
    response, body = page(served, host=f"localhost:{served.port}")
    assert directives(response.getheader("Content-Security-Policy") or "")["connect-src"] == \
        [f"ws://localhost:{served.port}/ws"]


def test_bundle_files_refuse_to_act_as_documents(served: Served):
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
    connection.request("GET", "/panel.js")
    response = connection.getresponse()
    response.read()
    policy = directives(response.getheader("Content-Security-Policy") or "")
    assert policy["default-src"] == ["'none'"] and policy["script-src"] == ["'none'"]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"])
def test_methods_other_than_get_and_head_get_405_with_allow(served: Served, method: str):
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
    connection.request(method, f"/?token={served.token}")
    response = connection.getresponse()
    body = response.read()
    assert response.status == 405
    assert response.getheader("Allow") == "GET, HEAD"
    assert b"<html" not in body.lower()


def test_head_has_the_get_headers_and_no_body(served: Served):
    get_response, body = page(served)
    answer = raw(served, f"HEAD /?token={served.token} HTTP/1.1\r\nHost: 127.0.0.1:{served.port}\r\n\r\n".encode())
    head, _, rest = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert rest == b""
    lengths = re.findall(rb"(?im)^content-length: *(\d+)", head)
    assert lengths == [str(len(body.encode())).encode()]
    assert b"content-security-policy:" in head.lower()
    assert get_response.status == 200


@pytest.mark.parametrize("hosts", [("127.0.0.1:{port}", "127.0.0.1:{port}"), ("127.0.0.1:{port}", "evil.example")])
def test_two_host_headers_are_a_400_not_a_traceback(served: Served, hosts: tuple[str, str]):
    lines = "".join(f"Host: {h.format(port=served.port)}\r\n" for h in hosts)
    answer = raw(served, f"GET /?token={served.token} HTTP/1.1\r\n{lines}\r\n".encode())
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert b"Traceback" not in answer and b"<html" not in answer.lower()


def test_no_host_header_is_a_400(served: Served):
    answer = raw(served, b"GET / HTTP/1.1\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]


def test_a_request_with_a_body_gets_no_page(served: Served):
    # The HTTP parser refuses request bodies before our code runs: the connection just closes.
    answer = raw(served, f"POST /?token={served.token} HTTP/1.1\r\nHost: 127.0.0.1:{served.port}\r\n"
                         "Content-Length: 5\r\n\r\nhello".encode())
    assert b"<html" not in answer.lower() and not answer.startswith(b"HTTP/1.1 200")


def test_the_server_still_serves_after_the_bad_requests(served: Served):
    assert served.process.poll() is None
    assert page(served)[0].status == 200
