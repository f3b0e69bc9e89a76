"""An open-loop load generator: requests sent at their own times, whatever the answers.

wrk is a closed loop: a connection sends its next request when it has the last answer, so
the server is always saturated and the latency is connections / throughput (Little's law).
Vonage's webhooks come from independent calls, so here each request is sent at a time of
its own, the arrivals a Poisson process at `rate` requests/s, each on a new connection (the
sync workers close theirs after each answer), and its latency counts from the time it was
due: a slow answer does not hold back the requests after it, and a send that fell behind
counts its delay (no coordinated omission). A paced wrk (delay() before each request) is no
substitute: after each answer it reconnects at once and then waits, and a sync worker that
accepted the connection waits with it.

run() takes the request files bench/traffic.py writes for wrk and returns the figures in the
shape of wrk's BENCH_RESULT line (bench/wrk_requests.lua).
"""

import asyncio
import math
import random
import time
from pathlib import Path


def read_requests(prefix: Path, threads: int) -> list[bytes]:
    """The raw requests of PREFIX.1 .. PREFIX.threads, "<byte length>\\n<raw request>" each."""
    requests = []
    for thread_id in range(1, threads + 1):
        with open(f"{prefix}.{thread_id}", "rb") as handle:
            while length := handle.readline():
                requests.append(handle.read(int(length)))
    return requests


def percentile_us(latencies: list[float], share: float) -> int:
    if not latencies:
        return 0
    ordered = sorted(latencies)
    return round(ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)] * 1e6)


async def send(request: bytes, *, host: str, port: int, timeout: float) -> str:
    """One request on a connection of its own: "ok", "non2xx", or the kind of socket error."""
    stage = "connect_errors"
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(host, port)
            stage = "write_errors"
            writer.write(request)
            await writer.drain()
            stage = "read_errors"
            answer = await reader.read()  # the sync worker closes the connection after it
            writer.close()
    except TimeoutError:
        return "timeouts"
    except OSError:
        return stage
    status = answer.split(b" ", 2)[1:2]
    return "ok" if status and status[0].startswith(b"2") else "non2xx"


async def load(
    requests: list[bytes], *, host: str, port: int, rate: float, seconds: float, timeout: float
) -> dict:
    outcomes: dict[str, int] = {}
    latencies: list[float] = []

    async def timed(request: bytes, due: float) -> None:
        outcome = await send(request, host=host, port=port, timeout=timeout)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if outcome in ("ok", "non2xx"):
            latencies.append(time.perf_counter() - due)

    tasks = []
    start = due = time.perf_counter()
    ran_out = 0
    while True:
        due += random.expovariate(rate)
        if due - start >= seconds:
            break
        if len(tasks) == len(requests):
            ran_out = 1
            break
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        tasks.append(asyncio.create_task(timed(requests[len(tasks)], due)))
    await asyncio.gather(*tasks)
    return {
        "requests": len(latencies),
        "duration_us": round(seconds * 1e6),
        "p50_us": percentile_us(latencies, 0.50),
        "p90_us": percentile_us(latencies, 0.90),
        "p99_us": percentile_us(latencies, 0.99),
        "max_us": round(max(latencies, default=0) * 1e6),
        "non2xx": outcomes.get("non2xx", 0),
        **{
            kind: outcomes.get(kind, 0)
            for kind in ("connect_errors", "read_errors", "write_errors", "timeouts")
        },
        "threads_out_of_requests": ran_out,
    }


def run(
    prefix: Path,
    *,
    threads: int,
    host: str,
    port: int,
    rate: float,
    seconds: float,
    timeout: float,
) -> dict:
    return asyncio.run(
        load(
            read_requests(prefix, threads),
            host=host,
            port=port,
            rate=rate,
            seconds=seconds,
            timeout=timeout,
        )
    )
