"""savant.weight_correlation, adjacent_correlation and grid_signature against NumPy (SPEC
section 5)."""
import numpy as np
import pytest

import savant


@pytest.fixture(scope="module")
def kernel():
    k = np.random.default_rng(4).normal(size=(784, 32)).astype(np.float32)
    k[0] = 0.5  # a constant row: R is NaN there
    return k


def numpy_adjacent(R, rows, cols):
    A = np.full((rows, cols), np.nan)
    for r in range(rows):
        for c in range(cols):
            p = r * cols + c
            v = [R[p, p + 1]] if c + 1 < cols else []
            v += [R[p, p + cols]] if r + 1 < rows else []
            v = [x for x in v if not np.isnan(x)]
            if v:
                A[r, c] = np.mean(v)
    return A


def test_weight_correlation_is_numpys_corrcoef(kernel):
    R = savant.weight_correlation(kernel)
    assert R.shape == (784, 784) and R.dtype == np.float64
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = np.corrcoef(kernel.astype(np.float64))
    assert np.all(np.isnan(R[0])) and np.all(np.isnan(R[:, 0]))
    assert np.allclose(R[1:, 1:], expected[1:, 1:], atol=1e-12)
    model = savant.Model([kernel, np.zeros(32, np.float32), np.ones((32, 10), np.float32),
                          np.zeros(10, np.float32)])
    assert np.array_equal(savant.weight_correlation(model), R, equal_nan=True)


def test_adjacent_correlation_and_grid_signature_match_numpy(kernel):
    R = savant.weight_correlation(kernel)
    A = savant.adjacent_correlation(R)
    assert np.allclose(A, numpy_adjacent(R, 28, 28), equal_nan=True, atol=1e-12)
    assert np.isnan(A[27, 27])
    s = savant.grid_signature(R, grid=4)
    within, across = [], []
    for r in range(28):
        for c in range(28):
            p = r * 28 + c
            for q, crosses in ((p + 1, (c + 1) % 7 == 0), (p + 28, (r + 1) % 7 == 0)):
                if (q == p + 1 and c + 1 == 28) or (q == p + 28 and r + 1 == 28):
                    continue
                if not np.isnan(R[p, q]):
                    (across if crosses else within).append(R[p, q])
    assert (s.within_pairs, s.across_pairs) == (len(within), len(across))
    assert s.within == pytest.approx(np.mean(within), abs=1e-12)
    assert s.across == pytest.approx(np.mean(across), abs=1e-12)
    assert s.contrast == pytest.approx(s.within - s.across, abs=1e-15)


def test_analysis_refuses_matrices_that_do_not_fit():
    with pytest.raises(ValueError, match=r"R must be \(784, 784\) for 28x28 images"):
        savant.adjacent_correlation(np.zeros((100, 100)), 28, 28)
    with pytest.raises(ValueError, match="dtype float64; got float32"):
        savant.grid_signature(np.zeros((784, 784), np.float32))
    with pytest.raises(ValueError, match="grid=5"):
        savant.grid_signature(np.zeros((784, 784)), grid=5)
    with pytest.raises(ValueError, match="dtype float32"):
        savant.weight_correlation(np.zeros((784, 8)))
