r"""Serve an exported zoo model over HTTP with TF Serving's REST API, on KServe's ModelServer.

    pip install -e ".[serve]"
    python -m zoo.serve --model_base_path=savedmodels/mnist_vae [--port=8501] [--host=127.0.0.1]
                        [--model_name=NAME] [--max_batch_size=4096] [--max_request_mb=64]
                        [--header_timeout=10] [--body_timeout=30] [--keep_alive_timeout=15]
                        [--max_connections=512]

Every integer version folder under `--model_base_path` is loaded (with `zoo.load`, so its
manifest is checked); requests without a version go to the newest. Routes (NAME defaults to the
folder's name), as TF Serving answers them, and KServe's read-only health and metrics routes:

```none
POST /v1/models/NAME:predict                {"instances": ...} or {"inputs": ...},
POST /v1/models/NAME/versions/N:predict     optional "signature_name" (see zoo.saved_model.rest)
GET  /v1/models/NAME[/versions/N]           {"model_version_status": [...]}
GET  /v1/models/NAME[/versions/N]/metadata  {"model_spec": ..., "metadata": {"signature_def": ...}}
GET  /v2/health/live, /v2/health/ready      KServe's liveness / readiness ({"live": true}, ...)
GET  /v2/models/NAME/ready                  KServe's model readiness
GET  /metrics                               Prometheus metrics
```
Every other request is answered 404 `{"error": ...}` naming these routes: KServe's model
repository routes (`/v2/repository/models/NAME/load`, `unload`, which would let any client take
the model down), its v1 / v2 inference, explain, listing and OpenAPI routes are not served.
A bad request is answered 400 with `{"error": message}` (the signature's own check, e.g.
"images must have shape [N, 28, 28, 1] ..."; a body that is not UTF-8 JSON without a byte order
mark, or nests over 32 levels), an unknown model or version 404, a body over `--max_request_mb`
413, and a request for more than `--max_batch_size` examples (rows, leading dimension, or the
value of `num_samples`, however wrapped) 400.

Slow and idle clients are bounded (uvicorn alone times out only idle keep-alive connections):
a request's headers must arrive within `--header_timeout` seconds of the connection (or of the
request's first byte) and within 64 KiB (else 431), its whole body within `--body_timeout`
seconds of the headers (a trickle does not extend it); a late client is answered 408 and
disconnected, others are answered meanwhile. An idle connection closes after
`--keep_alive_timeout` seconds; at most `--max_connections` connections are served at once,
a request on a further one is answered 503. The server binds 127.0.0.1 unless `--host` says
otherwise; gRPC is off.
"""

import argparse
import asyncio
import json
import logging
import os
import sys

DEFAULT_PORT = 8501
DEFAULT_MAX_BATCH_SIZE = 4096
DEFAULT_MAX_REQUEST_MB = 64
DEFAULT_HEADER_TIMEOUT = 10.0
DEFAULT_BODY_TIMEOUT = 30.0
DEFAULT_KEEP_ALIVE_TIMEOUT = 15.0
DEFAULT_MAX_CONNECTIONS = 512
MAX_HEADER_BYTES = 64 * 1024
# KServe's routes that stay (health and Prometheus metrics, read-only); every other KServe route
# (v2 inference, model repository load / unload, server and model listings, OpenAPI) is removed.
KSERVE_ROUTES = (("GET", "/v2/health/live"), ("GET", "/v2/health/ready"),
                 ("GET", "/v2/models/{model_name}/ready"), ("GET", "/metrics"))


def parse_args(argv):
    """The command line (fast: nothing heavy is imported before `--help` answers)."""
    parser = argparse.ArgumentParser(
        prog="python -m zoo.serve",
        description="Serve a zoo SavedModel (TF Serving layout) over TF Serving's REST API.")
    parser.add_argument("--model_base_path", required=True,
                        help="folder holding the integer version folders (or a model name "
                             "known to zoo.list_models())")
    parser.add_argument("--model_name", default=None,
                        help="NAME in /v1/models/NAME (default: the folder's name)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="HTTP port")
    parser.add_argument("--trusted_manifests", default=None,
                        help="JSON file of trusted manifest sha256 digests (a list, or an "
                             "object of name: digest); a version whose manifest is not in it is "
                             "refused before its graph is loaded")
    parser.add_argument("--allow_untrusted", action="store_true",
                        help="serve without --trusted_manifests and without the warning")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (0.0.0.0 for every interface)")
    parser.add_argument("--max_batch_size", type=int, default=DEFAULT_MAX_BATCH_SIZE,
                        help="most examples per request (rows, leading dimension, num_samples)")
    parser.add_argument("--max_request_mb", type=float, default=DEFAULT_MAX_REQUEST_MB,
                        help="largest request body in MiB (larger ones are answered 413)")
    parser.add_argument("--header_timeout", type=float, default=DEFAULT_HEADER_TIMEOUT,
                        help="seconds a client has to send a request's headers, from the "
                             "connection (or the request's first byte); then 408 and closed")
    parser.add_argument("--body_timeout", type=float, default=DEFAULT_BODY_TIMEOUT,
                        help="seconds a client has to send a whole request body, from the end "
                             "of its headers; then 408 and closed")
    parser.add_argument("--keep_alive_timeout", type=float, default=DEFAULT_KEEP_ALIVE_TIMEOUT,
                        help="seconds an idle connection stays open between requests")
    parser.add_argument("--max_connections", type=int, default=DEFAULT_MAX_CONNECTIONS,
                        help="connections served at once; requests on further ones are "
                             "answered 503")
    args = parser.parse_args(argv)
    positive = ("max_batch_size", "max_request_mb", "header_timeout", "body_timeout",
                "keep_alive_timeout", "max_connections")
    if any(getattr(args, name) <= 0 for name in positive):
        parser.error(f"{', '.join('--' + name for name in positive)} must be positive")
    return args


def _import_kserve():
    """kserve, imported without letting it parse this process' command line (it does so at
    import time, and would answer our --help with its own)."""
    saved = sys.argv
    sys.argv = saved[:1]
    try:
        import kserve  # noqa: F401
        import kserve.model_server  # noqa: F401
        import kserve.protocol.rest.server  # noqa: F401
    except ImportError as error:
        raise SystemExit(f"zoo.serve needs the serve extra: pip install -e \".[serve]\" "
                         f"({error})") from None
    finally:
        sys.argv = saved
    return kserve


class ServedModel:
    """Every version of one exported model, loaded, with TF Serving's status and metadata."""

    def __init__(self, base_path, name=None, trusted=None):
        import zoo
        from zoo.saved_model import catalog

        self.base_path = catalog.resolve(base_path)
        self.name = name or os.path.basename(os.path.normpath(self.base_path))
        folders = catalog.version_folders(self.base_path)
        if not folders:
            raise ValueError(f"{self.base_path} holds no integer version folders with a "
                             f"saved_model.pb (TF Serving layout: {self.base_path}/1/...)")
        self.versions = {version: zoo.load(path, trusted=trusted)
                         for version, path in folders.items()}
        self.newest = max(self.versions)

    def get(self, version=None):
        from zoo.saved_model.rest import RestError

        if version is None:
            return self.newest, self.versions[self.newest]
        try:
            number = int(version)
        except ValueError:
            number = None
        if number not in self.versions:
            raise RestError(404, f"model '{self.name}' has no version {version}; it has "
                                 f"{sorted(self.versions)}")
        return number, self.versions[number]

    def status(self, version=None):
        chosen = sorted(self.versions) if version is None else [self.get(version)[0]]
        return {"model_version_status": [
            {"version": str(v), "state": "AVAILABLE",
             "status": {"error_code": "OK", "error_message": ""}} for v in chosen]}

    def metadata(self, version=None):
        number, model = self.get(version)
        return {"model_spec": {"name": self.name, "signature_name": "", "version": str(number)},
                "metadata": {"signature_def": _signature_defs(model.path)}}


def _signature_defs(folder):
    """The SavedModel's SignatureDefMap as TF Serving prints it (proto JSON)."""
    from google.protobuf import json_format
    from tensorflow.core.protobuf import saved_model_pb2

    saved_model = saved_model_pb2.SavedModel()
    with open(os.path.join(folder, "saved_model.pb"), "rb") as f:
        saved_model.ParseFromString(f.read())
    graph = next(m for m in saved_model.meta_graphs if "serve" in m.meta_info_def.tags)
    defs = {key: json_format.MessageToDict(value, preserving_proto_field_name=True)
            for key, value in sorted(graph.signature_def.items())
            if not key.startswith("__")}
    return {"signature_def": defs}


class _Request:
    """A decoded predict body and the version it asks for, handed through KServe's data plane."""

    def __init__(self, body, version):
        self.body = body
        self.version = version


def _kserve_model(kserve, served, max_batch_size):
    """A KServe `Model` answering predict requests with the served versions' signatures."""
    from zoo.saved_model import rest

    class ZooModel(kserve.Model):
        def __init__(self):
            super().__init__(served.name)
            self.ready = True

        async def predict(self, payload, headers=None):
            if not isinstance(payload, _Request):
                raise kserve.errors.InvalidInput(
                    "this server speaks TF Serving's REST API: POST /v1/models/"
                    f"{served.name}:predict with 'instances' or 'inputs'")
            _, model = served.get(payload.version)
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(None, rest.predict, payload.body,
                                              model.signatures, max_batch_size)

    return ZooModel()


def _add_routes(app, served, dataplane, max_request_bytes):
    """TF Serving's predict, status and metadata routes on KServe's FastAPI app (registered
    before KServe's own, so they take precedence on the shared paths); returns them."""
    import orjson
    from fastapi import Request
    from fastapi.responses import Response
    from starlette.requests import ClientDisconnect

    from zoo.saved_model.rest import RestError, decode_body

    def answer(content, status=200):
        return Response(orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY),
                        status_code=status, media_type="application/json")

    def error(status, message):
        return answer({"error": message}, status)

    def check_name(name):
        if name != served.name:
            raise RestError(404, f"no model named '{name}'; this server serves "
                                 f"'{served.name}'")

    async def read_body(request):
        declared = request.headers.get("content-length")
        too_large = RestError(413, f"request body over {max_request_bytes} bytes, the "
                                   f"server's limit (--max_request_mb); split the request")
        if declared is not None and declared.isdigit() and int(declared) > max_request_bytes:
            raise too_large
        chunks, size = [], 0
        try:
            async for chunk in request.stream():
                size += len(chunk)
                if size > max_request_bytes:
                    raise too_large
                chunks.append(chunk)
        except ClientDisconnect:  # Gone, or cut off by --body_timeout (answered 408 already).
            raise RestError(408, "the client disconnected before sending the whole body")
        return decode_body(b"".join(chunks))

    async def predict(request: Request, name: str, version: str = None):
        try:
            check_name(name)
            served.get(version)
            body = await read_body(request)
            result, _ = await dataplane.infer(served.name, _Request(body, version),
                                              dict(request.headers))
        except RestError as failure:
            return error(failure.status, failure.message)
        return answer(result)

    def status(name: str, version: str = None):
        try:
            check_name(name)
            return answer(served.status(version))
        except RestError as failure:
            return error(failure.status, failure.message)

    def metadata(name: str, version: str = None):
        try:
            check_name(name)
            return answer(served.metadata(version))
        except RestError as failure:
            return error(failure.status, failure.message)

    first = len(app.router.routes)
    for prefix in ("/v1/models/{name}", "/v1/models/{name}/versions/{version}"):
        app.add_api_route(prefix + ":predict", predict, methods=["POST"], response_model=None)
        app.add_api_route(prefix, status, methods=["GET"], response_model=None)
        app.add_api_route(prefix + "/metadata", metadata, methods=["GET"], response_model=None)
    return app.router.routes[first:]


def _raw_answer(status, reason, message):
    """An HTTP/1.1 answer `{"error": message}` as bytes, closing the connection."""
    body = json.dumps({"error": message}).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n")
    return head.encode() + body


def _deadline_protocol(header_timeout, body_timeout):
    """uvicorn's httptools protocol with a deadline on every request, which uvicorn lacks (it
    times out only idle keep-alive connections, so a client that stops halfway through its
    headers or body holds the connection forever).

    A request's headers must arrive within `header_timeout` seconds of the connection opening or
    the request's first byte, and be under MAX_HEADER_BYTES; its body within `body_timeout`
    seconds of the headers, in total (a trickle does not renew it). A late client is answered
    408 (431 for huge headers) unless it was answered already, and disconnected; the handler
    still waiting for the body then sees a disconnect. The clock stops while the server itself
    has paused reading (a pipelined request waiting its turn, a full body buffer).
    """
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class DeadlineProtocol(HttpToolsProtocol):
        _timer = None
        _phase = None  # "headers" or "body" while a request is arriving
        _header_bytes = 0

        def _arm(self, phase):
            self._disarm()
            self._phase = phase
            seconds = header_timeout if phase == "headers" else body_timeout
            self._timer = self.loop.call_later(seconds, self._late)

        def _disarm(self):
            if self._timer is not None:
                self._timer.cancel()
            self._timer, self._phase = None, None

        def connection_made(self, transport):
            super().connection_made(transport)
            self._arm("headers")

        def connection_lost(self, exc):
            self._disarm()
            super().connection_lost(exc)

        def data_received(self, data):
            was_headers = self._phase == "headers"
            super().data_received(data)
            if was_headers and self._phase == "headers":
                self._header_bytes += len(data)
                if self._header_bytes > MAX_HEADER_BYTES:
                    self._cut_off(431, "Request Header Fields Too Large",
                                  f"request headers over {MAX_HEADER_BYTES} bytes")

        def on_message_begin(self):
            super().on_message_begin()
            self._header_bytes = 0
            self._arm("headers")

        def on_headers_complete(self):
            super().on_headers_complete()
            self._arm("body")

        def on_message_complete(self):
            self._disarm()
            super().on_message_complete()

        def _late(self):
            self._timer = None
            if self.flow is not None and self.flow.read_paused:
                self._arm(self._phase)
            elif self._phase == "headers":
                self._cut_off(408, "Request Timeout", f"the request headers did not arrive "
                                                      f"within {header_timeout:g} s "
                                                      f"(--header_timeout)")
            else:
                self._cut_off(408, "Request Timeout", f"the request body did not arrive within "
                                                      f"{body_timeout:g} s (--body_timeout)")

        def _cut_off(self, status, reason, message):
            """Answer `status` if the client is owed an answer and none is under way; close."""
            cycle, phase = self.cycle, self._phase
            self._disarm()
            if self.transport.is_closing():
                return
            if phase == "headers":
                owed = cycle is None or cycle.response_complete
            else:
                owed = not cycle.response_started
            if owed:
                self.transport.write(_raw_answer(status, reason, message))
            self.transport.close()

    return DeadlineProtocol


class _DocumentedRoutesOnly:
    """ASGI middleware passing on only the requests for `own_routes` (matched as FastAPI would)
    and KSERVE_ROUTES; any other (an unknown path, or a method a path does not take) is answered
    404 `{"error": ...}` naming the routes there are, before KServe's routes see it."""

    def __init__(self, app, own_routes):
        from starlette.routing import compile_path

        self.app = app
        self.own_routes = own_routes
        self.kserve_routes = [(method, compile_path(path)[0]) for method, path in KSERVE_ROUTES]

    def documented(self, scope):
        from starlette.routing import Match

        if any(route.matches(scope)[0] == Match.FULL for route in self.own_routes):
            return True
        return any(scope["method"] == method and pattern.match(scope["path"])
                   for method, pattern in self.kserve_routes)

    async def __call__(self, scope, receive, send):
        from fastapi.responses import ORJSONResponse

        if scope["type"] != "http" or self.documented(scope):
            return await self.app(scope, receive, send)
        kept = ", ".join(f"{method} {path}" for method, path in KSERVE_ROUTES)
        answer = ORJSONResponse(
            {"error": f"no route {scope['method']} {scope['path']}; this server answers "
                      f"/v1/models/NAME[/versions/N] (GET; POST :predict; GET /metadata) and "
                      f"{kept}"}, status_code=404)
        await answer(scope, receive, send)


def _limit(config, args):
    """The address, request deadlines, keep-alive and connection limit of uvicorn's `config`."""
    config.host = args.host
    config.http = _deadline_protocol(args.header_timeout, args.body_timeout)
    config.timeout_keep_alive = args.keep_alive_timeout
    # uvicorn answers 503 once the open connections, the asking one included, reach the limit.
    config.limit_concurrency = args.max_connections + 1


def trusted_digests(args):
    """The manifest digests a model must match (`--trusted_manifests`, a JSON object or list of
    sha256 hex digests), or None with `--allow_untrusted`; without either, a warning."""
    if args.trusted_manifests:
        with open(args.trusted_manifests, encoding="utf-8") as file:
            trusted = json.load(file)
        if not isinstance(trusted, (dict, list)):
            raise SystemExit(f"zoo.serve: {args.trusted_manifests} must hold a JSON object or "
                             "list of sha256 digests")
        return trusted
    if not args.allow_untrusted:
        print("zoo.serve: warning: no --trusted_manifests: the model's graph is run without "
              "checking it against a digest you trust (its own manifest is checked); see "
              "docs/guides/serving.md, Security", file=sys.stderr, flush=True)
    return None


def serve(args):
    """Load the model, then serve it until interrupted (SIGINT / SIGTERM)."""
    kserve = _import_kserve()
    from kserve.constants.constants import FASTAPI_APP_IMPORT_STRING
    from kserve.model_server import app
    from kserve.protocol.rest.server import RESTServer

    try:
        served = ServedModel(args.model_base_path, args.model_name, trusted_digests(args))
    except (OSError, ValueError) as error:  # no such model, not a zoo export, bad manifest
        raise SystemExit(f"zoo.serve: {error}") from None

    class LocalRESTServer(RESTServer):
        """KServe's REST server with only the documented routes, bound to `args.host` (KServe
        binds 0.0.0.0), with request deadlines and a connection limit."""

        def create_application(self):
            super().create_application()
            app.add_middleware(_DocumentedRoutesOnly, own_routes=own_routes)

    class LocalModelServer(kserve.ModelServer):
        """KServe's ModelServer with the REST server above and without gRPC."""

        def start(self, models):
            self._register_and_check_atleast_one_model_is_ready(models)
            self._rest_server = LocalRESTServer(
                FASTAPI_APP_IMPORT_STRING, self.dataplane, self.model_repository_extension,
                self.http_port, grace_period=self.grace_period)
            _limit(self._rest_server.config, args)
            self.servers.append(self._rest_server.start())
            self.setup_event_loop()
            self.register_signal_handler()
            asyncio.run(self._serve())

    server = LocalModelServer(http_port=args.port, enable_grpc=False, workers=1,
                              grace_period=5, enable_latency_logging=False)
    logging.getLogger("kserve.trace").setLevel(logging.WARNING)  # a timing line per request
    own_routes = _add_routes(app, served, server.dataplane, int(args.max_request_mb * 2 ** 20))
    print(f"serving '{served.name}' versions {sorted(served.versions)} (newest "
          f"{served.newest}) from {served.base_path} at "
          f"http://{args.host}:{args.port}/v1/models/{served.name}", flush=True)
    server.start([_kserve_model(kserve, served, args.max_batch_size)])


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    serve(args)


if __name__ == "__main__":
    main()
