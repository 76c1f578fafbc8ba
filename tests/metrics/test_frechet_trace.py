"""The eigen route to Tr (S1 S2)^(1/2) used by FID equals TTUR's scipy sqrtm."""

import numpy as np
import pytest
from scipy import linalg

from zoo import metrics
from zoo.metrics.frechet import frechet_distance, trace_sqrt_product


@pytest.mark.parametrize("n1, n2", [(200, 300), (10, 300), (10, 12)])   # full rank and singular
def test_trace_sqrt_product_equals_sqrtm(n1, n2):
    rng = np.random.default_rng(n1 + n2)
    dim = 64
    mixing = rng.standard_normal((dim, dim))
    s1 = np.cov(rng.standard_normal((n1, dim)) @ mixing, rowvar=False)
    s2 = np.cov(rng.standard_normal((n2, dim)) @ mixing.T + 1.0, rowvar=False)
    expected = np.trace(linalg.sqrtm(s1 @ s2)).real
    assert trace_sqrt_product(s1, s2) == pytest.approx(expected, rel=1e-6)
    assert trace_sqrt_product(s2, s1) == pytest.approx(expected, rel=1e-6)


def test_fid_from_statistics_equals_the_ttur_frechet_distance():
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((300, 32)), rng.standard_normal((300, 32)) * 1.5 + 0.2
    stats_a, stats_b = metrics.feature_statistics(a), metrics.feature_statistics(b)
    expected = frechet_distance(*stats_a, *stats_b)
    assert expected > 1.0
    assert metrics.fid_from_statistics(stats_a, stats_b) == pytest.approx(expected, rel=1e-8)
    assert metrics.fid_from_statistics(stats_a, stats_a) == pytest.approx(0.0, abs=1e-8)
    with pytest.raises(ValueError, match="mismatched"):
        metrics.fid_from_statistics(stats_a, (stats_b[0][:3], stats_b[1][:3, :3]))
