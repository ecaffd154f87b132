#!/usr/bin/python3
"""Reference values for SslSharp's DeepCluster building blocks
(tests/SslSharp.Tests/Modules/{PcaWhiteningTests,KMeansTests}.cs,
tests/SslSharp.Tests/Methods/Clustering/DeepClusterTests.cs).

Independent implementation in NumPy (float64), written from the descriptions, not from SslSharp:

* PCA whitening as in facebookresearch/deepcluster clustering.py preprocess_features (faiss
  PCAMatrix(D, d, eigen_power=-0.5) then L2 normalisation), computed here through the SVD of the
  centred data (not an eigen-decomposition of the covariance): covariance eigenvalues are s^2 / N,
  eigenvectors the right singular vectors. Each eigenvector's sign is fixed so that its entry of
  largest magnitude is positive; the whitening scale is (lambda + eps * lambda_max)^(-1/2) with
  eps = 1e-6 (SslSharp's documented convention).
* Lloyd's k-means as faiss runs it for DeepCluster: per iteration, assign each point to the nearest
  centroid (squared Euclidean distance computed directly as sum((x - c)^2), ties to the lowest index),
  move each centroid to its points' mean, then re-seed each empty cluster ci (in index order) from the
  currently largest cluster cj (first on ties): c_i = c_j * (1 +/- 1/1024) (plus on even coordinates),
  c_j = c_j * (1 -/+ 1/1024), counts split as n_i = n_j // 2, n_j -= n_i. After the iterations every
  point is assigned once more to the final centroids.

Run with Debian's python:  /usr/bin/python3 scripts/make_deepcluster_fixtures.py
Writes tests/SslSharp.Tests/Fixtures/deepcluster.json.
"""
import json
import os

import numpy as np

EPS_SPLIT = 1.0 / 1024
PCA_EPS = 1e-6


def pca_whiten(x, out_dim, eps=PCA_EPS):
    n = x.shape[0]
    mean = x.mean(axis=0)
    xc = x - mean
    _, s, vt = np.linalg.svd(xc, full_matrices=False)
    lam = s ** 2 / n
    comps = vt[:out_dim].copy()
    lam = lam[:out_dim]
    for i in range(out_dim):
        j = np.argmax(np.abs(comps[i]))
        if comps[i, j] < 0:
            comps[i] = -comps[i]
    scale = 1.0 / np.sqrt(lam + eps * lam[0])
    proj = comps * scale[:, None]
    y = xc @ proj.T
    return mean, proj, lam, y


def l2_normalize(y):
    return y / np.maximum(np.linalg.norm(y, axis=1, keepdims=True), 1e-12)


def sq_dist(x, c):
    return ((x[:, None, :] - c[None, :, :]) ** 2).sum(-1)


def lloyd(x, init, iterations):
    c = init.copy()
    k, d = c.shape
    plus = np.array([1 + EPS_SPLIT if j % 2 == 0 else 1 - EPS_SPLIT for j in range(d)])
    minus = 2 - plus
    splits = 0
    history = []
    for _ in range(iterations):
        a = sq_dist(x, c).argmin(1)
        counts = np.bincount(a, minlength=k).astype(np.int64)
        for i in range(k):
            c[i] = x[a == i].mean(0) if counts[i] > 0 else 0.0
        for ci in range(k):
            if counts[ci] != 0:
                continue
            cj = int(np.argmax(counts))
            src = c[cj].copy()
            c[ci] = src * plus
            c[cj] = src * minus
            counts[ci] = counts[cj] // 2
            counts[cj] -= counts[ci]
            splits += 1
        history.append(a.tolist())
    dist = sq_dist(x, c)
    a = dist.argmin(1)
    loss = float(dist[np.arange(len(x)), a].sum())
    return c, a, loss, splits, history


def margin(x, c):
    d = np.sort(sq_dist(x, c), axis=1)
    return float((d[:, 1] - d[:, 0]).min())


def anisotropic(rng, n, d, spread=3.0):
    scales = np.exp(np.linspace(np.log(spread), -np.log(spread), d))
    mix = np.linalg.qr(rng.standard_normal((d, d)))[0]
    return rng.standard_normal((n, d)) * scales @ mix.T + rng.standard_normal(d)


def pca_case(name, n, d, out_dim, seed):
    rng = np.random.default_rng(seed)
    x = anisotropic(rng, n, d)
    mean, proj, lam, y = pca_whiten(x, out_dim)
    gaps = np.diff(lam[::-1])
    assert gaps.min() > 1e-3 * lam[0], f"{name}: eigenvalues too close for a stable reference"
    return {
        "name": name, "n": n, "d": d, "out_dim": out_dim,
        "x": x.reshape(-1).tolist(),
        "mean": mean.tolist(),
        "eigenvalues": lam.tolist(),
        "projection": proj.reshape(-1).tolist(),
        "whitened": y.reshape(-1).tolist(),
        "normalized": l2_normalize(y).reshape(-1).tolist(),
    }


def blobs(rng, n, d, centers, spread):
    mu = rng.standard_normal((centers, d)) * 4
    lab = rng.integers(0, centers, n)
    return mu[lab] + spread * rng.standard_normal((n, d))


def kmeans_case(name, x, init, iterations, expect_splits):
    c, a, loss, splits, history = lloyd(x, init, iterations)
    assert (splits > 0) == expect_splits, f"{name}: expected splits={expect_splits}, got {splits}"
    m = margin(x, c)
    assert m > 1e-4, f"{name}: assignment margin {m} too small for a stable reference"
    return {
        "name": name, "n": x.shape[0], "d": x.shape[1], "k": init.shape[0], "iterations": iterations,
        "x": x.reshape(-1).tolist(),
        "init": init.reshape(-1).tolist(),
        "centroids": c.reshape(-1).tolist(),
        "assignments": a.tolist(),
        "first_assignments": history[0],
        "loss": loss,
        "splits": splits,
    }


def pipeline_case(name, n, d, pca_dim, k, iterations, seed):
    rng = np.random.default_rng(seed)
    feats = blobs(rng, n, d, centers=k, spread=1.5) @ rng.standard_normal((d, d))
    out_dim = min(pca_dim, d)
    _, _, _, y = pca_whiten(feats, out_dim)
    z = l2_normalize(y)
    init_idx = rng.choice(n, size=k, replace=False)
    c, a, loss, splits, _ = lloyd(z, z[init_idx], iterations)
    m = margin(z, c)
    assert m > 1e-4, f"{name}: assignment margin {m} too small"
    return {
        "name": name, "n": n, "d": d, "pca_dim": pca_dim, "k": k, "iterations": iterations,
        "features": feats.reshape(-1).tolist(),
        "init_indices": init_idx.tolist(),
        "points": z.reshape(-1).tolist(),
        "centroids": c.reshape(-1).tolist(),
        "assignments": a.tolist(),
        "loss": loss,
    }


def main():
    rng = np.random.default_rng(11)
    x1 = blobs(rng, 90, 5, centers=6, spread=1.0)
    init1 = x1[rng.choice(90, size=6, replace=False)]
    rng2 = np.random.default_rng(12)
    x2 = blobs(rng2, 40, 3, centers=3, spread=0.5)
    # Start with one centroid far from every point: it is empty after the first assignment.
    init2 = np.vstack([x2[rng2.choice(40, size=3, replace=False)], np.full((1, 3), 100.0)])
    cases = {
        "pca": [
            pca_case("pca_50x6_to_4", 50, 6, 4, seed=1),
            pca_case("pca_80x16_to_10", 80, 16, 10, seed=2),
            pca_case("pca_40x5_full", 40, 5, 5, seed=3),
        ],
        "kmeans": [
            kmeans_case("kmeans_90x5_k6", x1, init1, 4, expect_splits=False),
            kmeans_case("kmeans_40x3_k4_empty", x2, init2, 3, expect_splits=True),
        ],
        "pipeline": [
            pipeline_case("pipeline_100x12_pca8_k5", 100, 12, 8, 5, 5, seed=4),
            pipeline_case("pipeline_120x6_pca256_k7", 120, 6, 256, 7, 6, seed=5),
        ],
    }
    out = os.path.join(os.path.dirname(__file__), "..", "tests", "SslSharp.Tests", "Fixtures", "deepcluster.json")
    with open(out, "w") as f:
        json.dump(cases, f)
    print(f"wrote {os.path.normpath(out)}")


if __name__ == "__main__":
    main()
