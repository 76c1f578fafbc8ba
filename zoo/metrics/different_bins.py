"""Number of statistically Different Bins (Richardson & Weiss, "On GANs and GMMs", 2018)."""

import dataclasses

import numpy as np

SIGNIFICANCE = 0.05
SUBSET_THRESHOLD = 1000
STD_EPS = 1e-6


def two_proportion_z_test(p1, n1, p2, n2, alpha=SIGNIFICANCE):
    """Two-tailed two-proportion z-test with the pooled proportion, per bin (reference code).

    ```none
    p = (p1 n1 + p2 n2) / (n1 + n2),  se = sqrt(p (1 - p) (1/n1 + 1/n2)),  z = (p1 - p2) / se,
    different  iff  2 Phi(-|z|) < alpha
    ```
    Returns (different [K] bool, z [K]). A bin empty in both samples is not different.
    """
    p1, p2 = np.asarray(p1, np.float64), np.asarray(p2, np.float64)
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    se = np.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, (p1 - p2) / np.where(se > 0, se, 1.0), 0.0)
    from scipy import stats  # imported here: scipy.stats and sklearn add ~0.5 s to import zoo

    p_values = 2.0 * stats.norm.cdf(-np.abs(z))
    return p_values < alpha, z


def _proportions(assignments, num_bins):
    return np.bincount(assignments, minlength=num_bins) / float(len(assignments))


def _js_divergence(p, q):
    """Jensen-Shannon divergence (nats) between two bin histograms (reported by the reference)."""
    m = 0.5 * (p + q)

    def kl(a, b):
        mask = a > 0
        return float(np.sum(a[mask] * np.log(a[mask] / b[mask])))

    return 0.5 * kl(p, m) + 0.5 * kl(q, m)


@dataclasses.dataclass(frozen=True)
class Bins:
    """NDB's K-means bins on training samples (`fit_bins`): the feature map (standardisation
    and dimension subset), the bin centres and the training proportions."""

    mean: np.ndarray
    std: np.ndarray
    dims: np.ndarray
    centres: np.ndarray
    train_proportions: np.ndarray
    num_train: int
    alpha: float = SIGNIFICANCE

    @property
    def num_bins(self):
        return len(self.centres)

    def features(self, samples):
        samples = np.asarray(samples, np.float64).reshape(len(samples), -1)
        if samples.shape[1] != len(self.mean):
            raise ValueError(f"samples have {samples.shape[1]} dimensions, training data "
                             f"{len(self.mean)}")
        return ((samples - self.mean) / self.std)[:, self.dims]

    def nearest(self, samples):
        """Each sample's bin: its nearest centre (L2)."""
        f, c = self.features(samples), self.centres
        d2 = np.sum(f ** 2, axis=1, keepdims=True) - 2.0 * f @ c.T + np.sum(c ** 2, axis=1)
        return np.argmin(d2, axis=1)

    def compare(self, samples):
        """{"ndb", "ndb_over_k", "different_bins", "z", "proportions", "js_divergence"} of
        `samples` against the training proportions (two-proportion z-tests per bin)."""
        props = _proportions(self.nearest(samples), self.num_bins)
        different, z = two_proportion_z_test(self.train_proportions, self.num_train, props,
                                             len(samples), self.alpha)
        return {"ndb": int(different.sum()), "ndb_over_k": float(different.sum()) / self.num_bins,
                "different_bins": different, "z": z, "proportions": props,
                "js_divergence": _js_divergence(self.train_proportions, props)}


def fit_bins(train_samples, num_bins=100, standardize=False, max_dims=None,
             subset_threshold=SUBSET_THRESHOLD, alpha=SIGNIFICANCE, n_init=10, seed=0):
    """The `Bins` of `ndb` (its arguments, same meaning): fitted once, they compare any number
    of query sets (the K-means is most of NDB's cost)."""
    rng = np.random.default_rng(seed)
    train = np.asarray(train_samples, np.float64).reshape(len(train_samples), -1)
    d = train.shape[1]
    if len(train) < num_bins:
        raise ValueError(f"need at least num_bins = {num_bins} training samples, got {len(train)}")
    mean, std = np.zeros(d), np.ones(d)
    if standardize:
        mean = train.mean(axis=0)
        std = train.std(axis=0) + STD_EPS
    if max_dims is None and d > subset_threshold:
        max_dims = d // 6
    dims = np.arange(d) if max_dims is None or max_dims >= d else np.sort(
        rng.choice(d, max_dims, replace=False))
    train_features = ((train - mean) / std)[:, dims]
    from sklearn.cluster import KMeans

    kmeans = KMeans(n_clusters=num_bins, n_init=n_init, max_iter=100,
                    random_state=int(rng.integers(2**31 - 1)))
    train_bins = kmeans.fit_predict(train_features)
    centres = np.stack([train_features[train_bins == k].mean(axis=0) if np.any(train_bins == k)
                        else kmeans.cluster_centers_[k] for k in range(num_bins)])
    return Bins(mean, std, dims, centres, _proportions(train_bins, num_bins), len(train), alpha)


def ndb(train_samples, generated_samples, test_samples=None, num_bins=100, standardize=False,
        max_dims=None, subset_threshold=SUBSET_THRESHOLD, alpha=SIGNIFICANCE, n_init=10,
        seed=0):
    """NDB / K: the fraction of K-means bins where generated samples differ from training data.

    Richardson & Weiss 2018, section 4 and their reference code: K-means with K bins on the
    training samples (max 100 iterations; `n_init` = 10 restarts, scikit-learn's default when
    the reference was written); bin centres are the means of the training samples in each bin;
    every generated (and held-out real) sample goes to its nearest centre (L2);
    each bin's training proportion is compared with the query proportion by a two-proportion
    z-test (pooled proportion, two-tailed, significance 0.05). NDB is the number of bins with a
    significant difference; NDB / K is reported. Held-out real samples give the reference level
    (about alpha or below for a good split).

    Settings of the reference: MNIST 50k training vs 10k queries; CelebA 80k vs 20k with
    `standardize=True` (per-dimension whitening (x - mean) / (std + 1e-6) with the training
    statistics, as the reference). For d > `subset_threshold` (1000) dimensions the reference
    clusters on a random subset of d // 6 dimensions (drawn with `seed`); `max_dims` sets the
    subset size explicitly.

    Args:
      train_samples, generated_samples, test_samples: arrays [N, ...] (flattened here).
      num_bins: K (the papers report K = 100, 200, 300).
      standardize: per-dimension standardisation with the training statistics.
      max_dims: cluster on this many random dimensions (None: the d // 6 rule above).
      subset_threshold: d above which the d // 6 rule applies.
      alpha: significance level.
      n_init: K-means restarts.
      seed: seeds the dimension subset and K-means.
    Returns (the bins are `fit_bins`, each query set is `Bins.compare`):
      dict with "ndb" (count), "ndb_over_k", "num_bins", "different_bins" [K] bool, "z" [K],
      "train_proportions", "generated_proportions" [K], "js_divergence", and, with
      `test_samples`, "test_ndb", "test_ndb_over_k", "test_proportions", "test_js_divergence".
    """
    bins = fit_bins(train_samples, num_bins, standardize, max_dims, subset_threshold, alpha,
                    n_init, seed)
    generated = bins.compare(generated_samples)
    result = {"ndb": generated["ndb"], "ndb_over_k": generated["ndb_over_k"],
              "num_bins": num_bins, "different_bins": generated["different_bins"],
              "z": generated["z"], "train_proportions": bins.train_proportions,
              "generated_proportions": generated["proportions"],
              "js_divergence": generated["js_divergence"]}
    if test_samples is not None:
        test = bins.compare(test_samples)
        result.update({"test_ndb": test["ndb"], "test_ndb_over_k": test["ndb_over_k"],
                       "test_proportions": test["proportions"],
                       "test_js_divergence": test["js_divergence"]})
    return result
