r"""Serve an exported zoo model over HTTP with TF Serving's REST API, on KServe's ModelServer.

    pip install -e ".[serve]"
    python -m zoo.serve --model_base_path=savedmodels/mnist_vae [--port=8501] [--host=127.0.0.1]
                        [--model_name=NAME] [--max_batch_size=4096] [--max_request_mb=64]

Every integer version folder under `--model_base_path` is loaded (with `zoo.load`, so its
manifest is checked); requests without a version go to the newest. Routes (NAME defaults to the
folder's name), as TF Serving answers them:

```none
POST /v1/models/NAME:predict                {"instances": ...} or {"inputs": ...},
POST /v1/models/NAME/versions/N:predict     optional "signature_name" (see zoo.saved_model.rest)
GET  /v1/models/NAME[/versions/N]           {"model_version_status": [...]}
GET  /v1/models/NAME[/versions/N]/metadata  {"model_spec": ..., "metadata": {"signature_def": ...}}
```
A bad request is answered 400 with `{"error": message}` (the signature's own check, e.g.
"images must have shape [N, 28, 28, 1] ..."), an unknown model or version 404, a body over
`--max_request_mb` 413, and a request for more than `--max_batch_size` examples (rows,
leading dimension, or `num_samples`) 400. KServe's own routes (`GET /v1/models`, `/v2/...`
health and metadata, `/metrics`) stay available; KServe's `GET /v1/models/NAME` (`{"ready":
...}`) and `:predict` are replaced by the TF Serving forms above, which KServe's ModelServer does
not offer (it has no version or metadata routes). The server binds 127.0.0.1 unless `--host` says
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
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (0.0.0.0 for every interface)")
    parser.add_argument("--max_batch_size", type=int, default=DEFAULT_MAX_BATCH_SIZE,
                        help="most examples per request (rows, leading dimension, num_samples)")
    parser.add_argument("--max_request_mb", type=float, default=DEFAULT_MAX_REQUEST_MB,
                        help="largest request body in MiB (larger ones are answered 413)")
    args = parser.parse_args(argv)
    if args.max_batch_size < 1 or args.max_request_mb <= 0:
        parser.error("--max_batch_size and --max_request_mb must be positive")
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

    def __init__(self, base_path, name=None):
        import zoo
        from zoo.saved_model import catalog

        self.base_path = catalog.resolve(base_path)
        self.name = name or os.path.basename(os.path.normpath(self.base_path))
        folders = catalog.version_folders(self.base_path)
        if not folders:
            raise ValueError(f"{self.base_path} holds no integer version folders with a "
                             f"saved_model.pb (TF Serving layout: {self.base_path}/1/...)")
        self.versions = {version: zoo.load(path) for version, path in folders.items()}
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
    before KServe's own, so they take precedence on the shared paths)."""
    import orjson
    from fastapi import Request
    from fastapi.responses import Response

    from zoo.saved_model.rest import RestError

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
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_request_bytes:
                raise too_large
            chunks.append(chunk)
        data = b"".join(chunks)
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
        try:
            return json.loads(data)  # Slower, but accepts NaN and Infinity as TF Serving does.
        except (ValueError, UnicodeDecodeError) as failure:
            raise RestError(400, f"the request body is not valid JSON: {failure}") from None

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

    for prefix in ("/v1/models/{name}", "/v1/models/{name}/versions/{version}"):
        app.add_api_route(prefix + ":predict", predict, methods=["POST"], response_model=None)
        app.add_api_route(prefix, status, methods=["GET"], response_model=None)
        app.add_api_route(prefix + "/metadata", metadata, methods=["GET"], response_model=None)


def serve(args):
    """Load the model, then serve it until interrupted (SIGINT / SIGTERM)."""
    kserve = _import_kserve()
    from kserve.constants.constants import FASTAPI_APP_IMPORT_STRING
    from kserve.model_server import app
    from kserve.protocol.rest.server import RESTServer

    try:
        served = ServedModel(args.model_base_path, args.model_name)
    except (OSError, ValueError) as error:  # no such model, not a zoo export, bad manifest
        raise SystemExit(f"zoo.serve: {error}") from None

    class LocalModelServer(kserve.ModelServer):
        """KServe's ModelServer with its REST server bound to `args.host` (KServe binds
        0.0.0.0) and without gRPC."""

        def start(self, models):
            self._register_and_check_atleast_one_model_is_ready(models)
            self._rest_server = RESTServer(FASTAPI_APP_IMPORT_STRING, self.dataplane,
                                           self.model_repository_extension, self.http_port,
                                           grace_period=self.grace_period)
            self._rest_server.config.host = args.host
            self.servers.append(self._rest_server.start())
            self.setup_event_loop()
            self.register_signal_handler()
            asyncio.run(self._serve())

    server = LocalModelServer(http_port=args.port, enable_grpc=False, workers=1,
                              grace_period=5, enable_latency_logging=False)
    logging.getLogger("kserve.trace").setLevel(logging.WARNING)  # a timing line per request
    _add_routes(app, served, server.dataplane, int(args.max_request_mb * 2 ** 20))
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
