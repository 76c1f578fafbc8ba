"""Where the zoo looks for local copies of the papers' data sets, and the spec that reads them.

One owner for the default locations: the `idx:` folder of MNIST is `$ZOO_MNIST_DIR`, else
`../shared/data/mnist` (relative to the working directory, as a checkout beside `shared/` has
it); Fashion-MNIST's is `$ZOO_FASHION_MNIST_DIR`, else `../shared/data/fashion_mnist`. Read when
called (never at import), so a process that sets the variable later sees it.

    zoo.data.locations.idx_spec("mnist")   # 'idx:../shared/data/mnist' or 'idx:$ZOO_MNIST_DIR'
"""

import os

# data set: (environment variable, default folder)
LOCAL = {"mnist": ("ZOO_MNIST_DIR", "../shared/data/mnist"),
         "fashion_mnist": ("ZOO_FASHION_MNIST_DIR", "../shared/data/fashion_mnist")}


def folder(name):
    """The local IDX folder of data set `name` ("mnist" or "fashion_mnist")."""
    if name not in LOCAL:
        raise ValueError(f"no default location for data set {name!r}; known: {sorted(LOCAL)}")
    variable, default = LOCAL[name]
    return os.environ.get(variable, default)


def idx_spec(name):
    """The `zoo.data` spec of data set `name`'s local IDX folder (`folder`)."""
    return "idx:" + folder(name)
