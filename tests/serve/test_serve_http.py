"""`python -m zoo.serve` over real HTTP on 127.0.0.1: the serving guide's REST bodies answer what
the in-process signatures answer, versions, status and metadata routes, bad requests get 400 /
404 / 413 with the signature's readable message, only the documented routes exist, and slow
clients are cut off by the header and body deadlines while others are answered."""

import http.client
import importlib.util
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np
import pytest

if importlib.util.find_spec("kserve") is None:
    pytest.skip("kserve is not installed (pip install -e \".[serve]\")", allow_module_level=True)

import tensorflow as tf  # noqa: E402

from tiny_models import perturb  # noqa: E402
from server_process import EXAMPLES, ROOT, free_port, running_server, toy_model  # noqa: E402
from zoo.saved_model import export, load  # noqa: E402

MAX_BATCH = 64
MAX_REQUEST_MB = 0.05  # 52,428 bytes: the 4 x 4 bodies fit, a 2,000-image one does not
HEADER_TIMEOUT = 2
BODY_TIMEOUT = 3
MAX_CONNECTIONS = 12
SLACK = 3  # seconds a cut-off may come late on a busy machine


def call(url, body=None, raw=None):
    """(HTTP status, decoded JSON answer) of a GET (no body) or POST."""
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture(scope="module")
def versions(tmp_path_factory):
    """The serving guide's toy model exported twice (different weights):
    {version: ExportedModel}."""
    model = toy_model()
    base = tmp_path_factory.mktemp("served") / "vae"
    export(model, base, num_importance_samples=8)
    export(perturb(model, seed=1), base, num_importance_samples=8)
    return base, {1: load(base / "1"), 2: load(base / "2")}


@pytest.fixture(scope="module")
def server(versions):
    base, _ = versions
    with running_server(base, f"--max_batch_size={MAX_BATCH}", f"--max_request_mb={MAX_REQUEST_MB}",
                        f"--header_timeout={HEADER_TIMEOUT}", f"--body_timeout={BODY_TIMEOUT}",
                        f"--max_connections={MAX_CONNECTIONS}") as (url, _):
        yield url


def in_process(model, body):
    """What the signature answers in-process for a TF Serving body: {output: array}."""
    name = body.get("signature_name", "serving_default")
    signature = model.signatures[name]
    specs = signature.structured_input_signature[1]
    if "instances" in body:
        rows = [r if isinstance(r, dict) else {next(iter(specs)): r} for r in body["instances"]]
        values = {key: [row[key] for row in rows] for key in rows[0]}
    else:
        values = body["inputs"]
    inputs = {key: tf.constant(np.asarray(v, specs[key].dtype.as_numpy_dtype))
              for key, v in values.items()}
    return {key: value.numpy() for key, value in signature(**inputs).items()}


def as_columns(body, answer):
    """An HTTP answer as {output: array} (rows stacked back for the row format)."""
    if "outputs" in answer:
        out = answer["outputs"]
        return out if isinstance(out, dict) else {"images": out}
    rows = answer["predictions"]
    assert len(rows) == len(body["instances"])
    if isinstance(rows[0], dict):
        return {key: [row[key] for row in rows] for key in rows[0]}
    return {"images": rows}


@pytest.mark.parametrize("example", EXAMPLES["examples"], ids=lambda e: e["signature"])
def test_readme_bodies_answer_as_in_process(server, versions, example):
    body = example["request"]
    status, answer = call(server + ":predict", body)
    assert status == 200, answer
    got = as_columns(body, answer)
    expected = in_process(versions[1][2], body)  # the newest version by default
    assert {k: list(np.shape(v)) for k, v in got.items()} == example["response_shapes"]
    for key, value in expected.items():
        # float32 travels as its shortest decimal: the round trip is exact.
        np.testing.assert_array_equal(np.asarray(got[key], np.float32), value)


def test_listens_on_loopback_only(server):
    """The listening socket is bound to 127.0.0.1, not 0.0.0.0 (KServe's default)."""
    table = Path("/proc/net/tcp")
    if not table.is_file():
        pytest.skip("no /proc/net/tcp to read listening sockets from")
    port = urllib.parse.urlsplit(server).port
    listening = [line.split()[1] for line in table.read_text().splitlines()[1:]
                 if line.split()[3] == "0A" and int(line.split()[1].split(":")[1], 16) == port]
    assert listening == ["0100007F:%04X" % port]


def test_version_routes_reach_each_version(server, versions):
    body = EXAMPLES["examples"][0]["request"]
    answers = {v: call(server + f"/versions/{v}:predict", body) for v in (1, 2)}
    for version, (status, answer) in answers.items():
        assert status == 200
        expected = in_process(versions[1][version], body)["images"]
        np.testing.assert_array_equal(np.asarray(answer["predictions"], np.float32), expected)
    assert answers[1][1] != answers[2][1]  # the weights differ, so must the images


def test_status_and_metadata(server):
    status, answer = call(server)
    assert status == 200
    assert [(s["version"], s["state"]) for s in answer["model_version_status"]] == \
        [("1", "AVAILABLE"), ("2", "AVAILABLE")]
    assert call(server + "/versions/1")[1]["model_version_status"][0]["version"] == "1"
    status, meta = call(server + "/metadata")
    assert status == 200 and meta["model_spec"]["version"] == "2"
    defs = meta["metadata"]["signature_def"]["signature_def"]
    assert set(defs) == {"encode", "decode", "reconstruct", "generate", "sample", "score",
                         "serving_default"}
    images = defs["generate"]["outputs"]["images"]
    assert images["dtype"] == "DT_FLOAT"
    assert [int(d["size"]) for d in images["tensor_shape"]["dim"]] == [-1, 4, 4, 1]
    assert defs["sample"]["inputs"]["seed"]["dtype"] == "DT_INT64"
    assert call(server + "/versions/1/metadata")[1]["model_spec"]["version"] == "1"


IMAGE = np.linspace(0, 1, 16).reshape(4, 4, 1).tolist()
BAD = [
    ("shape", {"signature_name": "encode", "instances": [{"images": [[[0.5] * 3] * 4] * 4}]},
     400, "images must have shape [N, 4, 4, 1] (float32 in [0, 1]); got shape [1 4 4 3]"),
    ("range", {"signature_name": "score", "inputs": {"images": [[[[2.0]] * 4] * 4]}},
     400, "images must lie in [0, 1]; got min"),
    ("latent size", {"signature_name": "decode", "instances": [[0.1, 0.2, 0.3]]},
     400, "z must have shape [N, 2]"),
    ("dtype string", {"signature_name": "generate", "instances": [{"noise": ["a", "b"]}]},
     400, "must hold numbers"),
    ("dtype float for int", {"signature_name": "sample", "inputs": {"num_samples": 2.5,
                                                                  "seed": 1}},
     400, "must hold integers"),
    ("scalar", {"signature_name": "sample", "inputs": {"num_samples": [1, 2], "seed": 1}},
     400, "must be a scalar"),
    ("negative", {"signature_name": "sample", "inputs": {"num_samples": -1, "seed": 1}},
     400, "num_samples must be in [0, 10000]"),
    ("ragged", {"signature_name": "decode", "instances": [[0.1, 0.2], [0.3]]},
     400, "not a rectangular array"),
    ("unknown signature", {"signature_name": "classify", "instances": [[0.0, 0.0]]},
     400, "serving signature name 'classify' not found"),
    ("both formats", {"instances": [[0.0, 0.0]], "inputs": [[0.0, 0.0]]},
     400, "exactly one of 'instances'"),
    ("rows for scalars", {"signature_name": "sample",
                          "instances": [{"num_samples": 3, "seed": 1}]},
     400, "use the columnar 'inputs' format"),
    ("too many samples", {"signature_name": "sample", "inputs": {"num_samples": 10 ** 9,
                                                                 "seed": 1}},
     400, f"at most {MAX_BATCH} per request"),
    ("too many rows", {"instances": [[0.0, 0.0]] * (MAX_BATCH + 1)},
     400, f"at most {MAX_BATCH} per request"),
    ("too many samples in a list", {"signature_name": "sample",
                                    "inputs": {"num_samples": [MAX_BATCH + 1], "seed": 1}},
     400, f"asks for {MAX_BATCH + 1} examples; this server answers at most {MAX_BATCH}"),
]


@pytest.mark.parametrize("case", BAD, ids=lambda c: c[0])
def test_bad_requests_get_readable_errors(server, case):
    _, body, expected_status, message = case
    status, answer = call(server + ":predict", body)
    assert status == expected_status, answer
    assert message in answer["error"]
    assert "Graph execution error" not in answer["error"]


def test_nan_literal_reaches_the_signature_check(server):
    raw = ('{"signature_name": "score", "instances": [{"images": %s}]}'
           % json.dumps(IMAGE).replace("0.0", "NaN", 1)).encode()
    status, answer = call(server + ":predict", raw=raw)
    assert status == 400 and answer["error"].startswith("images must be finite")


def test_oversized_bodies_are_413(server):
    """Declared too large (answered before the body is read), and streamed (chunked) past the
    limit."""
    url = urllib.parse.urlsplit(server + ":predict")
    chunk = json.dumps({"images": IMAGE}).encode()
    for chunked in (False, True):
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        try:
            connection.putrequest("POST", url.path)
            connection.putheader("Content-Type", "application/json")
            if chunked:
                connection.putheader("Transfer-Encoding", "chunked")
                connection.endheaders()
                body = b'{"instances": [' + b",".join([chunk] * 400) + b"]}"  # ~ 120 kB
                for start in range(0, len(body), 8192):
                    part = body[start:start + 8192]
                    connection.send(b"%x\r\n%s\r\n" % (len(part), part))
                connection.send(b"0\r\n\r\n")
            else:
                connection.putheader("Content-Length", str(10 ** 9))
                connection.endheaders()
            answer = connection.getresponse()
            assert answer.status == 413
            assert "--max_request_mb" in json.loads(answer.read())["error"]
        finally:
            connection.close()


def test_bad_json(server):
    status, answer = call(server + ":predict", raw=b'{"instances": [')
    assert status == 400 and "not valid JSON" in answer["error"]


def test_byte_order_mark_and_deep_nesting_are_400(server):
    body = json.dumps(EXAMPLES["examples"][0]["request"]).encode()
    status, answer = call(server + ":predict", raw=b"\xef\xbb\xbf" + body)
    assert status == 400 and "UTF-8 byte order mark (EF BB BF)" in answer["error"]
    status, answer = call(server + ":predict", raw=b"[" * 5000 + b"]" * 5000)
    assert status == 400, answer
    assert "5000 levels deep; this server accepts at most 32" in answer["error"]


def test_unknown_version_and_model_are_404(server):
    body = EXAMPLES["examples"][1]["request"]
    status, answer = call(server + "/versions/7:predict", body)
    assert status == 404 and "no version 7" in answer["error"] and "[1, 2]" in answer["error"]
    assert call(server + "/versions/7")[0] == 404
    status, answer = call(server.replace("/vae", "/nope") + ":predict", body)
    assert status == 404 and "no model named 'nope'" in answer["error"]


def test_refuses_to_start_on_a_changed_file(versions, tmp_path):
    """The manifest is checked before serving; the error names the file, without a traceback."""
    base, _ = versions
    copy = tmp_path / "vae"
    shutil.copytree(base, copy)
    index = copy / "2" / "variables" / "variables.index"
    index.write_bytes(index.read_bytes() + b"\0")
    result = subprocess.run(
        [sys.executable, "-m", "zoo.serve", f"--model_base_path={copy}", f"--port={free_port()}"],
        env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "variables.index does not match zoo_manifest.json" in result.stderr
    assert "Traceback" not in result.stderr


def test_only_the_documented_routes_exist(server):
    """KServe's model repository (unload / load), v2 inference, listings and OpenAPI routes are
    gone (404 naming the routes there are); its health and metrics routes stay; the model keeps
    answering."""
    root = server.rsplit("/v1/", 1)[0]
    for path in ("/v2/repository/models/vae/unload", "/v2/repository/models/vae/load",
                 "/v2/models/vae/infer", "/v1/models/vae:explain"):
        status, answer = call(root + path, {})
        assert status == 404, (path, answer)
        assert f"no route POST {path}" in answer["error"] and "/v2/health/ready" in answer["error"]
    for path in ("/", "/v1/models", "/v2", "/v2/models", "/v2/models/vae", "/openapi.json",
                 "/docs"):
        assert call(root + path)[0] == 404, path
    for path in ("/v2/health/live", "/v2/health/ready", "/v2/models/vae/ready"):
        assert call(root + path)[0] == 200, path
    with urllib.request.urlopen(root + "/metrics", timeout=30) as answer:
        assert answer.status == 200 and b"# TYPE" in answer.read()
    status, _ = call(server + ":predict", EXAMPLES["examples"][0]["request"])
    assert status == 200


def open_socket(server):
    url = urllib.parse.urlsplit(server)
    return socket.create_connection((url.hostname, url.port), timeout=30)


def answer_of(sock, trickle=False, limit=BODY_TIMEOUT + SLACK + 5):
    """(bytes the server sent until it closed the connection, seconds it took), sending a byte
    every 0.4 s meanwhile if `trickle`; stops after `limit` seconds."""
    chunks, start = [], time.monotonic()
    while time.monotonic() - start < limit:
        if select.select([sock], [], [], 0.4)[0]:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
        elif trickle:
            try:
                sock.sendall(b" ")
            except OSError:
                break
    return b"".join(chunks), time.monotonic() - start


def head(path, content_length):
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {content_length}\r\n\r\n").encode()


@pytest.mark.parametrize("trickle", [False, True], ids=["stalled", "trickling"])
def test_a_slow_body_is_cut_off_while_others_are_answered(server, trickle):
    """A client that sends part of its body and stops (or sends a byte now and then) gets 408
    and a closed connection about --body_timeout after its headers; others are answered."""
    path = urllib.parse.urlsplit(server).path + ":predict"
    with open_socket(server) as slow:
        slow.sendall(head(path, 1000) + b'{"instances": ')
        start = time.monotonic()
        for example in EXAMPLES["examples"][:3]:
            assert call(server + ":predict", example["request"])[0] == 200
        assert time.monotonic() - start < BODY_TIMEOUT
        answer, _ = answer_of(slow, trickle)
    seconds = time.monotonic() - start  # from the end of the headers
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert b"within 3 s (--body_timeout)" in answer
    assert BODY_TIMEOUT - 0.5 < seconds < BODY_TIMEOUT + SLACK


@pytest.mark.parametrize("sent", [b"", b"POST /v1/models/vae:predict HTTP/1.1\r\nHost: x\r\n"],
                         ids=["nothing", "half the headers"])
def test_slow_headers_are_cut_off(server, sent):
    with open_socket(server) as slow:
        slow.sendall(sent)
        answer, seconds = answer_of(slow)
    assert answer.startswith(b"HTTP/1.1 408 ") and b"(--header_timeout)" in answer, answer
    assert HEADER_TIMEOUT - 0.5 < seconds < HEADER_TIMEOUT + SLACK


def test_huge_headers_are_431(server):
    """Headers over 64 KiB are answered 431 at once (here 70 kB, unfinished: the client then
    waits, so the server has read everything when it closes and the answer is not lost to a
    reset)."""
    with open_socket(server) as client:
        client.sendall(b"GET /v1/models/vae HTTP/1.1\r\nHost: x\r\n")
        for _ in range(7):
            client.sendall(b"X-Pad: " + b"a" * 10_000 + b"\r\n")
        answer, seconds = answer_of(client)
    assert answer.startswith(b"HTTP/1.1 431 "), answer
    assert seconds < HEADER_TIMEOUT


def status_of(server):
    url = urllib.parse.urlsplit(server)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        connection.request("GET", url.path)
        return connection.getresponse().status
    finally:
        connection.close()


def test_connections_over_the_limit_get_503(server):
    """--max_connections connections are served at once; a request on one more gets 503."""
    for idle, expected in ((MAX_CONNECTIONS - 1, 200), (MAX_CONNECTIONS, 503)):
        sockets = [open_socket(server) for _ in range(idle)]
        try:
            time.sleep(0.3)  # accepted by the server (they would be cut off after 2 s)
            assert status_of(server) == expected, idle
        finally:
            for sock in sockets:
                sock.close()
        time.sleep(0.3)
    assert status_of(server) == 200
