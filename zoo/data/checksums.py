"""Known checksums of the MNIST and Fashion-MNIST IDX files, checked with a warning on mismatch.

Both data sets use the same four file names, so a file passes if it matches either one.

- MNIST: md5 of the *uncompressed* files (the canonical values; they hold for every mirror, since
  mirrors recompress the .gz files differently) and sha256 of the .gz files of the copy in
  ../shared/data/mnist (its SHA256SUMS).
- Fashion-MNIST: md5 of the uncompressed files (the canonical content, e.g. Debian's
  `dataset-fashion-mnist`, whose recompressed .gz files have other sha256s) and sha256 of the .gz
  files of the Zalando release, as recorded in the checksum list of tensorflow-datasets 4.9.10
  (`fashion_mnist`).
"""

import hashlib
import os
import warnings

# file stem -> checksums of the uncompressed content (md5)
RAW_MD5 = {
    "train-images-idx3-ubyte": {"mnist": "6bbc9ace898e44ae57da46a324031adb",
                                "fashion_mnist": "f4a8712d7a061bf5bd6d2ca38dc4d50a"},
    "train-labels-idx1-ubyte": {"mnist": "a25bea736e30d166cdddb491f175f624",
                                "fashion_mnist": "9018921c3c673c538a1fc5bad174d6f9"},
    "t10k-images-idx3-ubyte": {"mnist": "2646ac647ad5339dbf082846283269ea",
                               "fashion_mnist": "8181f5470baa50b63fa0f6fddb340f0a"},
    "t10k-labels-idx1-ubyte": {"mnist": "27ae3e4e09519cfbb04c329615203637",
                               "fashion_mnist": "15d484375f8d13e6eb1aabb0c3f46965"},
}

# file stem -> checksums of the gzip file (sha256)
GZ_SHA256 = {
    "train-images-idx3-ubyte": {
        "mnist": "0b367032e93c5d0cea0925647cfdb18614af8ee15f83e6f2fc2ad904a6835971",
        "fashion_mnist": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    },
    "train-labels-idx1-ubyte": {
        "mnist": "1787548bbe0bff1ec2ecdc0ef292b02df999e2d1a6002d27500982c652b17203",
        "fashion_mnist": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    },
    "t10k-images-idx3-ubyte": {
        "mnist": "1a1a05eab793c14bb050b398624a11b0ffd1a2953baed553b1b9bd079e2a20be",
        "fashion_mnist": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    },
    "t10k-labels-idx1-ubyte": {
        "mnist": "b91679a0acfe4ba0e50a2437a903084cba1f5f92592b016a25a7dfd00455798b",
        "fashion_mnist": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    },
}


def verify(path, file_bytes, content_bytes):
    """Warn (UserWarning) if a file named like a known IDX file matches none of its checksums.

    Args:
      path: the file's path; only its name is used to look up known checksums.
      file_bytes: the bytes as stored (gzip-compressed for .gz files).
      content_bytes: the uncompressed bytes.

    Returns:
      The name of the matching data set ('mnist' or 'fashion_mnist'), or None if the file name
      is not a known one or nothing matched.
    """
    name = os.path.basename(path)
    compressed = name.endswith(".gz")
    stem = name[:-3] if compressed else name
    if stem not in RAW_MD5:
        return None
    if compressed:
        digest = hashlib.sha256(file_bytes).hexdigest()
        for dataset, expected in GZ_SHA256[stem].items():
            if digest == expected:
                return dataset
    digest = hashlib.md5(content_bytes).hexdigest()
    for dataset, expected in RAW_MD5[stem].items():
        if digest == expected:
            return dataset
    known = "MNIST or Fashion-MNIST" + (" (.gz)" if compressed else "")
    warnings.warn(
        f"{path}: checksum does not match the canonical {known} file of this name (md5 of the "
        f"content {digest}); the file may be modified or corrupt, or be another data set stored "
        "under the same name. Loading it anyway.",
        UserWarning, stacklevel=3)
    return None
