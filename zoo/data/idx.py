"""`idx:FOLDER` — MNIST / Fashion-MNIST as distributed: IDX files, plain or gzip-compressed.

The folder holds `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`
and `t10k-labels-idx1-ubyte`, each optionally with a `.gz` suffix (the plain file is used when
both exist). Splits: 'train' (the train-* files) and 'test' (the t10k-* files), each with an
optional slice, e.g. 'train[:50000]' / 'train[50000:]' for a validation split.

Every file is validated: magic number (2051 for images, 2049 for labels), a positive count, and
the file size against the header; a truncated, corrupt or inconsistent file raises a ValueError
naming the file and the problem. A .gz file is decompressed only up to the size its header
declares (plus one byte, to tell a longer stream), and a declared size beyond what deflate can
expand the file to (`DEFLATE_MAX_RATIO`) is refused before decompressing: a gzip bomb behind a
small header, or a header with a huge count, is refused instead of ending in a MemoryError. The
train and test images must have the same size. Files named like the MNIST / Fashion-MNIST files
are checked against the known checksums (`zoo.data.checksums`); a mismatch only warns. Option
`verify=false` skips that check.
"""

import functools
import gzip
import io
import math
import os
import warnings
import zlib

import numpy as np

from zoo.data import checksums
from zoo.data.base import DEFLATE_MAX_RATIO, InMemory, SourceInfo, source_path
from zoo.data.spec import argument_of, as_bool, source_of
from zoo.data.splits import check_split_name

OPTIONS = ("verify",)
IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 24  # bytes decompressed at a time
_KIND = {IMAGES_MAGIC: "images (2051: unsigned bytes, 3 dimensions)",
         LABELS_MAGIC: "labels (2049: unsigned bytes, 1 dimension)"}


def find_file(folder, stem):
    """The path of `stem` or `stem.gz` in `folder`.

    Raises:
      FileNotFoundError: the folder or both files are missing.
    """
    if not os.path.isdir(folder):
        raise FileNotFoundError(
            f"IDX folder not found: {folder!r}. It should hold the four MNIST (or "
            f"Fashion-MNIST) files {', '.join(s for pair in FILES.values() for s in pair)}, "
            f"each optionally .gz; with internet access use 'tfds:mnist' instead, offline "
            f"'sklearn:digits'")
    for name in (stem, stem + ".gz"):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return path
    raise FileNotFoundError(
        f"IDX file {stem!r} (or {stem}.gz) not found in {folder!r}; expected the MNIST file "
        f"names: {', '.join(s for pair in FILES.values() for s in pair)}")


def parse_header(content, path, magic):
    """The shape an IDX header declares, and the header's length in bytes.

    Raises:
      ValueError: truncated header, wrong magic number or an empty declared shape.
    """
    if len(content) < 4:
        raise ValueError(f"{path}: truncated IDX header ({len(content)} bytes)")
    found = int.from_bytes(content[:4], "big")
    if found != magic:
        hint = f" (that is the magic number of IDX {_KIND[found]})" if found in _KIND else ""
        raise ValueError(
            f"{path}: wrong magic number {found}{hint}; expected {magic} for IDX {_KIND[magic]}")
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(content) < header:
        raise ValueError(f"{path}: truncated IDX header ({len(content)} of {header} bytes)")
    shape = tuple(int.from_bytes(content[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    if min(shape) == 0:
        raise ValueError(f"{path}: header declares an empty array of shape {shape}")
    return shape, header


def declared_size(shape, header):
    """(bytes of a whole IDX file of `shape` with a `header`-byte header, a description)."""
    what = (f"{shape[0]} images of {shape[1]}x{shape[2]}" if len(shape) == 3
            else f"{shape[0]} labels")
    return header + math.prod(shape), what


def decompress(file_bytes, path, magic):
    """The content of the gzip file `file_bytes`, decompressed no further than the size its IDX
    header declares plus one byte.

    Raises:
      ValueError: corrupt gzip data, a bad header, a declared size the file cannot hold even at
        deflate's largest ratio, or data longer than the header declares.
    """
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(file_bytes)) as stream:
            content = bytearray(stream.read(4 + 4 * (magic & 0xFF)))
            shape, header = parse_header(bytes(content), path, magic)
            expected, what = declared_size(shape, header)
            if expected > DEFLATE_MAX_RATIO * len(file_bytes) + header:
                raise ValueError(
                    f"{path}: the header declares {what} ({expected} bytes), more than "
                    f"{len(file_bytes)} bytes of gzip data can decompress to (a ratio of at "
                    f"most {DEFLATE_MAX_RATIO}); a wrong count in the header, or a gzip bomb")
            while len(content) <= expected and (chunk := stream.read(
                    min(_CHUNK, expected + 1 - len(content)))):
                content += chunk
    except (OSError, EOFError, zlib.error) as e:
        raise ValueError(f"{path}: corrupt or truncated gzip data ({e})") from e
    if len(content) > expected:
        raise ValueError(f"{path}: the gzip data decompresses to more than the {what} "
                         f"({expected} bytes) the header declares (wrong count in the header?)")
    return bytes(content)


def parse_idx(content, path, magic):
    """Parse IDX bytes whose header must carry `magic`: a uint8 array of the declared shape.

    Raises:
      ValueError: a bad header (see `parse_header`) or a size that disagrees with the header.
    """
    shape, header = parse_header(content, path, magic)
    expected, what = declared_size(shape, header)
    if len(content) < expected:
        raise ValueError(
            f"{path}: truncated: the header declares {what} ({expected} bytes in all) but the "
            f"data has {len(content)} bytes")
    if len(content) > expected:
        raise ValueError(
            f"{path}: {len(content) - expected} bytes beyond the {what} the header declares "
            "(wrong count in the header?)")
    return np.frombuffer(content, dtype=np.uint8, offset=header).reshape(shape)


def read_file(path, magic, verify=True):
    """Read, check and parse one IDX file (gzip-compressed if it starts with the gzip magic)."""
    with open(path, "rb") as f:
        file_bytes = f.read()
    content = decompress(file_bytes, path, magic) if file_bytes[:2] == GZIP_MAGIC else file_bytes
    array = parse_idx(content, path, magic)
    if verify:
        checksums.verify(path, file_bytes, content)
    return array


@functools.lru_cache(maxsize=8)
def _read_split_cached(images_path, labels_path, stamps, verify):
    """(images [N, H, W, 1] uint8, labels [N] int64); `stamps` keys the cache on file changes."""
    del stamps
    images = read_file(images_path, IMAGES_MAGIC, verify)
    labels = read_file(labels_path, LABELS_MAGIC, verify)
    if len(images) != len(labels):
        raise ValueError(
            f"{images_path} holds {len(images)} images but {labels_path} holds {len(labels)} "
            "labels")
    images = images[..., np.newaxis]
    labels = labels.astype(np.int64)
    labels.flags.writeable = False
    return images, labels


def read_split(folder, split, verify=True):
    """All examples of split 'train' or 'test' of an IDX folder, cached per file version."""
    paths = [find_file(folder, stem) for stem in FILES[split]]
    stats = [os.stat(p) for p in paths]
    stamps = tuple((s.st_mtime_ns, s.st_size) for s in stats)
    return _read_split_cached(*paths, stamps, verify)


def _read_header(path, magic):
    """The declared shape of an IDX file, reading only its header."""
    with open(path, "rb") as f:
        compressed = f.read(2) == GZIP_MAGIC
    try:
        with (gzip.open if compressed else open)(path, "rb") as f:
            head = f.read(4 + 4 * (magic & 0xFF))
    except (OSError, EOFError, zlib.error) as e:
        raise ValueError(f"{path}: corrupt or truncated gzip data ({e})") from e
    return parse_header(head, path, magic)[0]


def identify(folder):
    """'mnist' or 'fashion_mnist' if the folder's test images are that data set's canonical
    file (by checksum: the .gz as released, or its uncompressed content, so recompressed copies
    such as Debian's count), else None. Reads one 8 MB file."""
    path = find_file(folder, FILES["test"][0])
    with open(path, "rb") as f:
        file_bytes = f.read()
    try:
        content = (decompress(file_bytes, path, IMAGES_MAGIC) if file_bytes[:2] == GZIP_MAGIC
                   else file_bytes)
    except ValueError:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return checksums.verify(path, file_bytes, content)


def identify_spec(spec):
    """`identify` for a data spec: the data set of an `idx:FOLDER[?...]` spec, else None."""
    if source_of(spec) != "idx":
        return None
    return identify(argument_of(spec))


def describe(arg, data_dir=None, verify=True):
    """Shape and split sizes from the image files' headers (the files are not read in full).

    Raises:
      ValueError: a bad header, or train and test images of different sizes (naming both).
    """
    del verify
    folder = source_path(arg, data_dir)
    splits, shapes = {}, {}
    for split, (stem, _) in FILES.items():
        path = find_file(folder, stem)
        dims = _read_header(path, IMAGES_MAGIC)
        splits[split], shapes[path] = dims[0], dims[1:] + (1,)
    if len(set(shapes.values())) > 1:
        (train, train_shape), (test, test_shape) = shapes.items()
        raise ValueError(f"the train images {train} are {train_shape[0]}x{train_shape[1]} but "
                         f"the test images {test} are {test_shape[0]}x{test_shape[1]} (height "
                         f"x width); an IDX folder holds one data set of one image size")
    return SourceInfo(image_shape=next(iter(shapes.values())), splits=splits, levels=256,
                      has_labels=True)


def read(arg, selection, data_dir=None, verify=True):
    """The selected examples of an IDX folder as uint8 arrays."""
    check_split_name(selection, tuple(FILES), f"idx:{arg}")
    folder = source_path(arg, data_dir)
    images, labels = read_split(folder, selection.name, as_bool(verify, "verify"))
    start, stop = selection.bounds(len(images))
    return InMemory(images[start:stop], labels[start:stop], levels=256)
