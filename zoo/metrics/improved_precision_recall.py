"""Improved precision and recall (Kynkaanniemi et al. 2019, "Improved Precision and Recall Metric
for Assessing Generative Models", section 2): quality and coverage measured apart.

```none
manifold(Phi) = union over phi in Phi of the ball B(phi, ||phi - NN_k(phi, Phi)||)
precision     = fraction of generated features inside manifold(real features)
recall        = fraction of real features inside manifold(generated features)
```
NN_k is the k-th nearest neighbour of phi among the other features of its own set (k = 3, the
paper's choice). A model whose samples are all realistic but cover one mode has precision near
1 and low recall; one that covers the data with blurry samples the reverse. Features are usually
Inception pool_3 features (the paper uses VGG-16; `precision_recall_of_images` uses the 2015
Inception network, as FID does here).
"""

import numpy as np


def _squared_distances(a, b):
    return np.maximum((a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T, 0.0)


def knn_radii(features, k=3, batch_size=1000):
    """Squared distance of every feature to its k-th nearest other feature of the set."""
    if len(features) <= k:
        raise ValueError(f"need more than k = {k} features, got {len(features)}")
    radii = []
    for start in range(0, len(features), batch_size):
        d = _squared_distances(features[start:start + batch_size], features)
        radii.append(np.partition(d, k, axis=1)[:, k])  # index 0 is the point itself
    return np.concatenate(radii)


def _inside(queries, manifold, radii, batch_size=1000):
    """Whether each query lies in some ball of the manifold (squared radii `radii`)."""
    out = []
    for start in range(0, len(queries), batch_size):
        d = _squared_distances(queries[start:start + batch_size], manifold)
        out.append((d <= radii[None, :]).any(axis=1))
    return np.concatenate(out)


def precision_recall(real_features, generated_features, k=3):
    """{"precision": ..., "recall": ..., "k": k} of two feature sets [N, d]."""
    real = np.asarray(real_features, dtype=np.float64)
    fake = np.asarray(generated_features, dtype=np.float64)
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(f"features must be [N, d] of the same d, got {real.shape} and "
                         f"{fake.shape}")
    precision = _inside(fake, real, knn_radii(real, k)).mean()
    recall = _inside(real, fake, knn_radii(fake, k)).mean()
    return {"precision": float(precision), "recall": float(recall), "k": k}


def precision_recall_of_images(real_images, generated_images, k=3, inception_path=None):
    """`precision_recall` of two image sets in [0, 1] in 2015 Inception pool_3 features."""
    from zoo.metrics.fid_score import inception_features

    return precision_recall(inception_features(real_images, inception_path=inception_path),
                            inception_features(generated_images, inception_path=inception_path),
                            k)
