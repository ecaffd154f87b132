#!/usr/bin/env python3
"""Reference fixtures for SslSharp.Evaluation.Spectral (tests/SslSharp.Tests/Fixtures/spectral.json).

An independent NumPy / PyTorch implementation of the label-free embedding metrics, computed in
float64 from float32 inputs (the C# code also casts to float64):

    /usr/bin/python3 scripts/make_spectral_fixtures.py

Definitions pinned by the fixture (Z is [n, d], uncentred unless stated):
- singular values: torch.linalg.svdvals(Z), descending, min(n, d) of them;
- RankMe (Garrido et al., 2023): p = sigma / sum(sigma) + 1e-7, RankMe = exp(-sum p log p);
- numerical rank: torch.linalg.matrix_rank(Z) on the float32 matrix, i.e. the count of
  sigma > max(n, d) * sigma_max * eps(float32) (PyTorch's default tolerance);
- singular-value entropy: q = sigma^2 / sum(sigma^2) (the eigenvalue distribution of Z^T Z, von
  Neumann entropy of the trace-normalised Gram matrix), H = -sum_{q>0} q log q / log(min(n, d)) in [0, 1];
- alpha-ReQ (Agrawal et al., 2022): eigenvalues lambda of the centred covariance Zc^T Zc / (n - 1)
  (numpy.linalg.eigvalsh here); r = count of sigma(Zc) > max(n, d) * sigma_max(Z) * eps(float32)
  (the rounding level of the uncentred data);
  fit range (1-based, inclusive) last = min(100, floor(0.9 r)), first = 6 if last >= 15 else 1
  (reptrix's default arange(5, 100) skips the 5 leading eigenvalues; the last 10 % are the noise
  floor); weighted least squares of log lambda_i = -alpha log i + b with weights 1/i
  (numpy.linalg.lstsq on sqrt(w)-scaled rows); R^2 weighted the same way around the weighted mean;
- std of L2-normalised rows: mean over dims of the unbiased per-dim std;
- alignment (Wang & Isola, 2020, alpha 2): mean over rows of ||x_i - y_i||^2 after L2-normalising;
- uniformity (t 2): log mean over pairs i < j of exp(-2 ||x_i - x_j||^2) after L2-normalising.
"""
import json
import math
import os

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "SslSharp.Tests", "Fixtures", "spectral.json")
EPS32 = float(np.finfo(np.float32).eps)


def normalize(x):
    return torch.nn.functional.normalize(x, dim=1)


def reference(z32, positives32=None):
    z = z32.double()
    n, d = z.shape
    sigma = torch.linalg.svdvals(z)
    p = sigma / sigma.sum() + 1e-7
    rankme = math.exp(float(-(p * p.log()).sum()))
    numerical_rank = int(torch.linalg.matrix_rank(z32))  # float32: eps(float32) tolerance
    q = (sigma ** 2) / (sigma ** 2).sum()
    q = q[q > 0]
    entropy = float(-(q * q.log()).sum()) / math.log(min(n, d))

    zc = (z - z.mean(0, keepdim=True)).numpy()
    cov = zc.T @ zc / (n - 1)
    lam = np.sort(np.linalg.eigvalsh(cov))[::-1][: min(n, d)]
    sc = np.linalg.svd(zc, compute_uv=False)
    r = int((sc > max(n, d) * float(sigma[0]) * EPS32).sum())  # rounding level of the uncentred data
    last = min(100, int(math.floor(0.9 * r)))
    alpha = None
    if last >= 3:
        first = 6 if last >= 15 else 1
        i = np.arange(first, last + 1, dtype=np.float64)
        y = np.log(lam[first - 1:last])
        w = 1.0 / i
        design = np.stack([-np.log(i), np.ones_like(i)], axis=1)
        sw = np.sqrt(w)[:, None]
        (a, b), *_ = np.linalg.lstsq(design * sw, y * sw[:, 0], rcond=None)
        pred = design @ np.array([a, b])
        ybar = (w * y).sum() / w.sum()
        r2 = 1 - (w * (y - pred) ** 2).sum() / (w * (y - ybar) ** 2).sum()
        alpha = {"alpha": float(a), "intercept": float(b), "r2": float(r2), "first": first, "last": last}

    zn = normalize(z)
    std = float(zn.std(0, unbiased=True).mean())
    uniformity = float(torch.pdist(zn, p=2).pow(2).mul(-2).exp().mean().log())
    result = {
        "singular_values": sigma.tolist(),
        "rankme": rankme,
        "numerical_rank": numerical_rank,
        "sv_entropy": entropy,
        "cov_eigenvalues": [float(v) for v in lam],
        "alpha_req": alpha,
        "embedding_std": std,
        "uniformity": uniformity,
    }
    if positives32 is not None:
        y2 = normalize(positives32.double())
        result["alignment"] = float((zn - y2).norm(dim=1).pow(2).mean())
    return result


def as_list(t):
    # Shortest decimal that round-trips to the float32 value (keeps the file small).
    return [[float(repr(np.float32(v))) for v in row] for row in t.numpy()]


def main():
    torch.manual_seed(2024)
    cases = []

    # Random matrices (n > d and n < d), with noisy positives for the alignment.
    for n, d in [(64, 16), (24, 40)]:
        z = (torch.randn(n, d) + 0.3).float()
        y = (z + 0.2 * torch.randn(n, d)).float()
        cases.append({"name": f"random_{n}x{d}", "z": as_list(z), "positives": as_list(y), "expected": reference(z, y)})

    # Rank-k matrix with k equal singular values: numerical rank k, RankMe close to k.
    n, d, k = 50, 20, 5
    u, _ = torch.linalg.qr(torch.randn(n, k, dtype=torch.float64))
    v, _ = torch.linalg.qr(torch.randn(d, k, dtype=torch.float64))
    z = (3.0 * u @ v.T).float()
    cases.append({"name": "rank5_equal", "z": as_list(z), "known_rank": k, "expected": reference(z)})

    # Power-law covariance spectrum lambda_i ~ i^-alpha: centred columns, singular values i^(-alpha/2).
    n, d, alpha = 100, 40, 1.5
    ones = torch.ones(n, 1, dtype=torch.float64) / math.sqrt(n)
    g = torch.randn(n, d, dtype=torch.float64)
    g = g - ones @ (ones.T @ g)  # orthogonal to the all-ones vector, so the columns are centred
    u, _ = torch.linalg.qr(g)
    v, _ = torch.linalg.qr(torch.randn(d, d, dtype=torch.float64))
    s = torch.arange(1, d + 1, dtype=torch.float64).pow(-alpha / 2) * 10
    z = (u @ torch.diag(s) @ v.T).float()
    cases.append({"name": "powerlaw_1.5", "z": as_list(z), "known_alpha": alpha, "expected": reference(z)})

    fixture = {"generator": "scripts/make_spectral_fixtures.py (torch %s, numpy %s, float64)" % (torch.__version__, np.__version__),
               "cases": cases}
    with open(OUT, "w") as f:
        json.dump(fixture, f)
    for c in cases:
        e = c["expected"]
        print(c["name"], "rankme %.4f" % e["rankme"], "rank", e["numerical_rank"], "H %.4f" % e["sv_entropy"],
              "alpha", e["alpha_req"] and round(e["alpha_req"]["alpha"], 5), "r2", e["alpha_req"] and round(e["alpha_req"]["r2"], 6),
              "std %.4f" % e["embedding_std"], "unif %.4f" % e["uniformity"], "align", e.get("alignment"))


if __name__ == "__main__":
    main()
