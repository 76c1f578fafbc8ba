"""A bounded stress test of `python -m zoo.serve` on 127.0.0.1: 200 concurrent keep-alive clients
sending predict requests, while slow clients (a stalled body, a trickled body, unfinished
headers) and oversized bodies (declared and chunked) hit the same server. Every regular request
is answered 200, the slow ones are cut off by their deadline, the oversized ones get 413, and
the server answers afterwards. Its figures are printed (run with -s to see them)."""

import asyncio
import importlib.util
import json
import time
import urllib.parse

import numpy as np
import pytest

if importlib.util.find_spec("kserve") is None:
    pytest.skip("kserve is not installed (pip install -e \".[serve]\")", allow_module_level=True)

from server_process import EXAMPLES, output, running_server, toy_model  # noqa: E402
from zoo.saved_model import export  # noqa: E402

CLIENTS = 200
REQUESTS_PER_CLIENT = 5
HEADER_TIMEOUT = 2
BODY_TIMEOUT = 3
MAX_REQUEST_MB = 0.05
SLACK = 5  # seconds a cut-off may come late on a loaded 2-core machine
BUDGET = 50  # seconds for the whole run; no new request is sent after it


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stress") / "vae"
    export(toy_model(), folder, num_importance_samples=8)
    return folder


def head(path, length):
    """The headers of a POST with a body of `length` bytes ("chunked": streamed in chunks)."""
    size = ("Transfer-Encoding: chunked" if length == "chunked" else f"Content-Length: {length}")
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"{size}\r\n\r\n").encode()


async def read_answer(reader):
    """(status, body) of one HTTP/1.1 answer with a Content-Length."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    fields = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), await reader.readexactly(int(fields["content-length"]))


async def regular_client(host, port, path, deadline, latencies, failures):
    """REQUESTS_PER_CLIENT predict requests on one keep-alive connection."""
    bodies = [json.dumps(e["request"]).encode() for e in EXAMPLES["examples"]]
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError as error:
        failures.append(f"connect: {error}")
        return
    try:
        for i in range(REQUESTS_PER_CLIENT):
            if time.monotonic() > deadline:
                return
            start = time.monotonic()
            body = bodies[i % len(bodies)]
            writer.write(head(path, len(body)) + body)
            status, answer = await read_answer(reader)
            latencies.append(time.monotonic() - start)
            if status != 200:
                failures.append(f"{status}: {answer[:200]!r}")
    except (OSError, asyncio.IncompleteReadError) as error:
        failures.append(f"{type(error).__name__}: {error}")
    finally:
        writer.close()


async def slow_client(host, port, path, kind):
    """(what the server answered, seconds from the last complete part to the cut-off)."""
    reader, writer = await asyncio.open_connection(host, port)
    if kind == "headers":
        writer.write(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode())
    else:
        writer.write(head(path, 5000) + b'{"instances": ')
    start = time.monotonic()
    chunks = []
    try:
        while True:
            try:
                data = await asyncio.wait_for(reader.read(65536), 0.4)
            except asyncio.TimeoutError:
                if kind == "trickle":
                    writer.write(b" ")
                continue
            if not data:
                break
            chunks.append(data)
    except OSError:
        pass
    finally:
        writer.close()
    return b"".join(chunks)[:12], time.monotonic() - start


async def oversized_client(host, port, path, chunked):
    """The status answered to a body over --max_request_mb (declared, or streamed chunked)."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        if chunked:
            writer.write(head(path, "chunked"))
            part = b'{"instances": [' + b"[0.0, 0.0]," * 800
            for _ in range(8):  # ~ 70 kB, over the 52 kB limit
                writer.write(b"%x\r\n%s\r\n" % (len(part), part))
                await writer.drain()
        else:
            writer.write(head(path, 10 ** 9))
        status, _ = await asyncio.wait_for(read_answer(reader), BODY_TIMEOUT + SLACK)
        return status
    except (OSError, asyncio.IncompleteReadError):
        return "reset"
    finally:
        writer.close()


async def run_load(url):
    parts = urllib.parse.urlsplit(url)
    host, port, path = parts.hostname, parts.port, parts.path + ":predict"
    latencies, failures = [], []
    deadline = time.monotonic() + BUDGET
    slow = [slow_client(host, port, path, kind)
            for kind in ("stalled", "stalled", "trickle", "trickle", "headers", "headers")]
    big = [oversized_client(host, port, path, chunked) for chunked in (False, True) * 3]
    regular = [regular_client(host, port, path, deadline, latencies, failures)
               for _ in range(CLIENTS)]
    start = time.monotonic()
    results = await asyncio.wait_for(asyncio.gather(*slow, *big, *regular), BUDGET + 10)
    return {"seconds": time.monotonic() - start, "latencies": latencies, "failures": failures,
            "slow": results[:len(slow)], "oversized": results[len(slow):len(slow) + len(big)]}


@pytest.mark.slow
def test_server_keeps_answering_under_load_slow_clients_and_big_bodies(base):
    flags = (f"--header_timeout={HEADER_TIMEOUT}", f"--body_timeout={BODY_TIMEOUT}",
             f"--max_request_mb={MAX_REQUEST_MB}", "--max_batch_size=64")
    with running_server(base, *flags) as (url, process):
        figures = asyncio.run(run_load(url))
        after = asyncio.run(run_after(url))
        alive = process.poll() is None
        log = output(process)
    latencies = np.array(figures["latencies"]) * 1000
    print(f"\nzoo.serve stress: {CLIENTS} clients x {REQUESTS_PER_CLIENT} requests in "
          f"{figures['seconds']:.1f} s: {len(latencies)} answered, {len(figures['failures'])} "
          f"errors, {len(latencies) / figures['seconds']:.0f} requests/s, p50 "
          f"{np.percentile(latencies, 50):.0f} ms, p99 {np.percentile(latencies, 99):.0f} ms, "
          f"max {latencies.max():.0f} ms; slow clients cut off after "
          f"{', '.join(f'{s:.1f}' for _, s in figures['slow'])} s "
          f"({', '.join(a.decode(errors='replace').strip() for a, _ in figures['slow'])}); "
          f"oversized bodies answered {figures['oversized']}")
    assert not figures["failures"], figures["failures"][:5]
    assert len(latencies) == CLIENTS * REQUESTS_PER_CLIENT
    for answer, seconds in figures["slow"]:
        assert answer.startswith(b"HTTP/1.1 408") and seconds < BODY_TIMEOUT + SLACK
    assert all(status in (413, "reset") for status in figures["oversized"])
    assert 413 in figures["oversized"]
    assert after == 200 and alive, log[-3000:]
    assert "Traceback" not in log, log[-3000:]


async def run_after(url):
    """The status of one predict request once the load is over."""
    parts = urllib.parse.urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        body = json.dumps(EXAMPLES["examples"][0]["request"]).encode()
        writer.write(head(parts.path + ":predict", len(body)) + body)
        return (await read_answer(reader))[0]
    finally:
        writer.close()
