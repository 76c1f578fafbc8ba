"""Run in a fresh interpreter: load exported SavedModels with TensorFlow alone and call them.

    python fresh_process_load.py requests.npz outputs.npz

`requests.npz` holds `paths` (a JSON list of [kind, SavedModel folder]) and the inputs
`<kind>/<signature>/<case>/<input name>`; every signature that a SavedModel has is called with
every case given for it. The outputs are written as `<kind>/<signature>/<case>/<output name>`,
plus `modules`: a JSON list of the top-level modules imported at the end (to check that neither
TFP nor zoo was needed).
"""

import json
import sys

import numpy as np
import tensorflow as tf


def main(requests_path, outputs_path):
    requests = np.load(requests_path)
    outputs = {}
    for kind, path in json.loads(str(requests["paths"])):
        signatures = tf.saved_model.load(path).signatures
        cases = {}
        for key in requests.files:
            if key.startswith(kind + "/"):
                _, signature, case, name = key.split("/")
                cases.setdefault((signature, case), {})[name] = tf.constant(requests[key])
        for (signature, case), inputs in cases.items():
            if signature in signatures:
                for name, value in signatures[signature](**inputs).items():
                    outputs[f"{kind}/{signature}/{case}/{name}"] = value.numpy()
    modules = sorted({name.split(".")[0] for name in sys.modules})
    np.savez(outputs_path, modules=json.dumps(modules), **outputs)


if __name__ == "__main__":
    main(*sys.argv[1:])
