"""bench/open_loop.py against a real local HTTP server."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bench import open_loop, traffic


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers["Content-Length"]))
        if self.path == "/slow":
            time.sleep(0.05)
        status = 500 if self.path == "/fail" else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


class Server(ThreadingHTTPServer):
    # http.server's listen backlog is 5: at 200 new connections a second, a pause of its
    # accept thread on a busy machine overflows it, and TCP sends the dropped connections
    # again only after 1 s, 3 s, 7 s (a 0.3 s pause took the slowest answer from 0.3 s to
    # 1.2 s; a pause of two seconds would time some out). gunicorn and uvicorn listen with 2048.
    request_queue_size = 2048


@pytest.fixture
def server():
    httpd = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def request_files(tmp_path: Path, *, port: int, path: str, count: int) -> Path:
    prefix = tmp_path / "requests"
    request = traffic.raw_request(
        host=f"127.0.0.1:{port}", path=path, body=b'{"a": 1}', authorization=None
    )
    traffic.write_thread_files(prefix, [[request] * (count // 2), [request] * (count - count // 2)])
    return prefix


def load(prefix: Path, port: int, *, rate: float, seconds: float) -> dict:
    return open_loop.run(
        prefix, threads=2, host="127.0.0.1", port=port, rate=rate, seconds=seconds, timeout=5
    )


def test_requests_arrive_at_the_rate_asked_and_are_all_answered(server, tmp_path):
    prefix = request_files(tmp_path, port=server, path="/ok", count=1000)

    result = load(prefix, server, rate=200, seconds=2)

    assert 300 <= result["requests"] <= 500  # 400 expected; a Poisson count stays near it
    assert result["non2xx"] == result["timeouts"] == result["connect_errors"] == 0
    assert result["threads_out_of_requests"] == 0
    assert 0 < result["p50_us"] <= result["p99_us"] <= result["max_us"]


def test_latency_counts_the_servers_time(server, tmp_path):
    prefix = request_files(tmp_path, port=server, path="/slow", count=200)

    result = load(prefix, server, rate=50, seconds=1)

    assert result["p50_us"] >= 50_000


def test_error_answers_and_running_out_of_requests_are_reported(server, tmp_path):
    prefix = request_files(tmp_path, port=server, path="/fail", count=10)

    result = load(prefix, server, rate=200, seconds=2)

    assert result["non2xx"] == result["requests"] == 10
    assert result["threads_out_of_requests"] == 1


def test_a_server_that_is_not_there_counts_as_connect_errors(tmp_path):
    prefix = request_files(tmp_path, port=9, path="/ok", count=20)

    result = load(prefix, 9, rate=100, seconds=0.1)

    assert result["requests"] == 0
    assert result["connect_errors"] >= 1
