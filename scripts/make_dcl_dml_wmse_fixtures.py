#!/usr/bin/python3
"""Reference values for SslSharp's DCL/DCLW, triplet, Hadsell contrastive (margin), DirectCLR
(cross-view InfoNCE) and W-MSE losses.

Independent implementations in PyTorch 1.13, written from the papers and the official code's
formulas (not from SslSharp's C#):

* DCL / DCLW (Yeh et al. 2022, official code `DCL`/`DCLW` classes): for each direction,
  positive = -<z1_i, z2_i>/T (times w_i for DCLW), negatives = logsumexp over
  [z1 z1^T, z1 z2^T]/T with the two entries of image i masked by adding log(1e-45);
  w = 2 - N softmax(<z1_i, z2_i>/sigma) on detached embeddings (docs/methods.md#dcl-and-dclw, lightly's
  `negative_mises_fisher_weights`); SslSharp averages the two directions.
* Triplet: torch.nn.functional.triplet_margin_loss (p=2, eps=1e-6, mean).
* Hadsell et al. 2006 contrastive loss with d = F.pairwise_distance (eps 1e-6):
  mean(1/2 d(a,p)^2 + 1/2 relu(m - d(a,n))^2).
* In-batch mining (hardest): anchors [z1; z2], positives [z2; z1], the negative of anchor i is the
  nearest row of [z1; z2] that belongs to another image (distance ||a - c + 1e-6||).
* In-batch mining (semi-hard, FaceNet section 3.2, with TensorFlow Addons' `triplet_semihard_loss`
  rule): the nearest row of another image that is farther from the anchor than its positive; when no
  such row exists, the farthest row of another image.
* DirectCLR (Jing et al. 2022, facebookresearch/directclr `infoNCE`): normalise, logits = z1 z2^T/T,
  CE with the diagonal as target; loss = infoNCE(z1, z2)/2 + infoNCE(z2, z1)/2.
* W-MSE (Ermolov et al. 2021, htdt/self-supervised `Whitening2d` + `norm_mse_loss`): per sub-batch
  (consecutive chunks of w rows of a given permutation) and per view: centre, cov = x^T x/(n-1),
  shrink (1-eps) cov + eps I, L = cholesky, W = L^{-1} (triangular solve), z = x W^T;
  loss = mean over view pairs (i<j) of 2 - 2 mean cos(z_i, z_j).

Run with Debian's python (it has torch):  /usr/bin/python3 scripts/make_dcl_dml_wmse_fixtures.py
Writes tests/SslSharp.Tests/Fixtures/dcl_dml_wmse.json.
"""
import json
import math
import os

import torch
import torch.nn.functional as F

SMALL_NUM = math.log(1e-45)


def flat(t):
    return t.detach().reshape(-1).tolist()


def data(n, d, seed, noise=0.5, views=2):
    g = torch.Generator().manual_seed(seed)
    base = torch.randn(n, d, generator=g, dtype=torch.float64) * 2.0
    return [(base + noise * torch.randn(n, d, generator=g, dtype=torch.float64)).requires_grad_(True) for _ in range(views)]


# ---------------------------------------------------------------- DCL / DCLW
def dcl_direction(z1, z2, temperature, weighted, sigma):
    n = z1.shape[0]
    cross = z1 @ z2.t()
    positive = -torch.diag(cross) / temperature
    if weighted:
        sims = (z1.detach() * z2.detach()).sum(dim=1) / sigma
        positive = positive * (2.0 - n * torch.softmax(sims, dim=0))
    neg = torch.cat([z1 @ z1.t(), cross], dim=1) / temperature
    mask = torch.eye(n, dtype=z1.dtype).repeat(1, 2)
    negative = torch.logsumexp(neg + mask * SMALL_NUM, dim=1)
    return (positive + negative).mean()


def dcl(z1, z2, temperature, weighted=False, sigma=0.5):
    a = F.normalize(z1, dim=1)
    b = F.normalize(z2, dim=1)
    return 0.5 * (dcl_direction(a, b, temperature, weighted, sigma) + dcl_direction(b, a, temperature, weighted, sigma))


def dcl_case(name, n, d, temperature, sigma, seed, noise):
    z1, z2 = data(n, d, seed, noise)
    out = {"name": name, "n": n, "d": d, "temperature": temperature, "sigma": sigma, "z1": flat(z1), "z2": flat(z2)}
    for key, weighted in (("dcl", False), ("dclw", True)):
        loss = dcl(z1, z2, temperature, weighted, sigma)
        g1, g2 = torch.autograd.grad(loss, [z1, z2])
        out[key] = {"loss": loss.item(), "grad_z1": flat(g1), "grad_z2": flat(g2)}
    return out


# ---------------------------------------------------------------- triplet / Hadsell
def hadsell(a, p, neg, margin):
    dp = F.pairwise_distance(a, p, p=2.0, eps=1e-6)
    dn = F.pairwise_distance(a, neg, p=2.0, eps=1e-6)
    return (0.5 * dp.pow(2) + 0.5 * torch.relu(margin - dn).pow(2)).mean()


def triplet(a, p, neg, margin):
    return F.triplet_margin_loss(a, p, neg, margin=margin, p=2.0, eps=1e-6, swap=False, reduction="mean")


def margin_case(name, n, d, margin, seed, noise):
    a, p, neg = data(n, d, seed, noise, views=3)
    out = {"name": name, "n": n, "d": d, "margin": margin, "anchor": flat(a), "positive": flat(p), "negative": flat(neg)}
    for key, fn in (("triplet", triplet), ("contrastive", hadsell)):
        loss = fn(a, p, neg, margin)
        ga, gp, gn = torch.autograd.grad(loss, [a, p, neg])
        out[key] = {"loss": loss.item(), "grad_anchor": flat(ga), "grad_positive": flat(gp), "grad_negative": flat(gn)}
    return out


def hardest_negatives(z1, z2):
    n = z1.shape[0]
    anchors = torch.cat([z1, z2], 0)
    image = torch.cat([torch.arange(n), torch.arange(n)])
    rows = []
    for i in range(2 * n):
        best, best_d = None, None
        for j in range(2 * n):
            if image[j] == image[i]:
                continue
            dist = torch.sqrt(((anchors[i] - anchors[j] + 1e-6) ** 2).sum()).item()
            if best_d is None or dist < best_d:
                best, best_d = j, dist
        rows.append(best)
    return rows


def semihard_negatives(z1, z2):
    n = z1.shape[0]
    anchors = torch.cat([z1, z2], 0)
    image = torch.cat([torch.arange(n), torch.arange(n)])

    def dist(i, j):
        return torch.sqrt(((anchors[i] - anchors[j] + 1e-6) ** 2).sum()).item()

    rows = []
    for i in range(2 * n):
        d_ap = dist(i, (i + n) % (2 * n))
        others = [(dist(i, j), j) for j in range(2 * n) if image[j] != image[i]]
        farther = [(d, j) for d, j in others if d > d_ap]
        if farther:
            rows.append(min(farther, key=lambda t: t[0])[1])
        else:
            rows.append(max(others, key=lambda t: t[0])[1])
    return rows


def mined_case(name, n, d, margin, seed, noise):
    z1, z2 = data(n, d, seed, noise)
    idx = hardest_negatives(z1.detach(), z2.detach())
    semi = semihard_negatives(z1.detach(), z2.detach())
    out = {"name": name, "n": n, "d": d, "margin": margin, "z1": flat(z1), "z2": flat(z2), "hardest": idx,
           "semihard": semi}
    anchors = torch.cat([z1, z2], 0)
    loss = triplet(anchors, torch.cat([z2, z1], 0), anchors[torch.tensor(semi)], margin)
    g1, g2 = torch.autograd.grad(loss, [z1, z2])
    out["triplet_semihard"] = {"loss": loss.item(), "grad_z1": flat(g1), "grad_z2": flat(g2)}
    for key, fn in (("triplet", triplet), ("contrastive", hadsell)):
        anchors = torch.cat([z1, z2], 0)
        positives = torch.cat([z2, z1], 0)
        negatives = anchors[torch.tensor(idx)]
        loss = fn(anchors, positives, negatives, margin)
        g1, g2 = torch.autograd.grad(loss, [z1, z2])
        out[key] = {"loss": loss.item(), "grad_z1": flat(g1), "grad_z2": flat(g2)}
    return out


# ---------------------------------------------------------------- DirectCLR
def info_nce(a, b, temperature):
    a = F.normalize(a, dim=1)
    b = F.normalize(b, dim=1)
    logits = a @ b.t() / temperature
    return F.cross_entropy(logits, torch.arange(a.shape[0]))


def directclr_case(name, n, d, temperature, seed, noise):
    z1, z2 = data(n, d, seed, noise)
    loss = info_nce(z1, z2, temperature) / 2 + info_nce(z2, z1, temperature) / 2
    g1, g2 = torch.autograd.grad(loss, [z1, z2])
    return {"name": name, "n": n, "d": d, "temperature": temperature, "z1": flat(z1), "z2": flat(z2),
            "loss": loss.item(), "grad_z1": flat(g1), "grad_z2": flat(g2)}


# ---------------------------------------------------------------- W-MSE
def whiten(x, eps):
    d = x.shape[1]
    xc = x - x.mean(dim=0, keepdim=True)
    cov = xc.t() @ xc / (x.shape[0] - 1)
    eye = torch.eye(d, dtype=x.dtype)
    shrunk = (1 - eps) * cov + eps * eye
    lower = torch.linalg.cholesky(shrunk)
    w = torch.linalg.solve_triangular(lower, eye, upper=False)  # L^{-1}
    return xc @ w.t()


def wmse(views, w_size, perm, eps):
    n = views[0].shape[0]
    whitened = [torch.empty_like(v) for v in views]
    for chunk in perm.view(-1, w_size):
        for k, v in enumerate(views):
            whitened[k][chunk] = whiten(v[chunk], eps)
    total, pairs = 0.0, 0
    for i in range(len(views) - 1):
        for j in range(i + 1, len(views)):
            a = F.normalize(whitened[i], dim=1)
            b = F.normalize(whitened[j], dim=1)
            total = total + 2 - 2 * (a * b).sum(dim=1).mean()
            pairs += 1
    return total / pairs


def wmse_case(name, n, d, w_size, num_views, eps, seed, noise, shuffle):
    views = data(n, d, seed, noise, views=num_views)
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed + 100)) if shuffle else torch.arange(n)
    loss = wmse(views, w_size, perm, eps)
    grads = torch.autograd.grad(loss, views)
    white = whiten(views[0].detach()[perm[:w_size]], eps)
    return {"name": name, "n": n, "d": d, "w": w_size, "eps": eps, "num_views": num_views,
            "views": [flat(v) for v in views], "permutation": perm.tolist(),
            "loss": loss.item(), "grads": [flat(g) for g in grads],
            "whitened_first_chunk_view0": flat(white)}


def main():
    torch.set_default_dtype(torch.float64)
    fixture = {
        "generator": "scripts/make_dcl_dml_wmse_fixtures.py",
        "torch": torch.__version__,
        "dcl": [
            dcl_case("n4_d8_t0.1", 4, 8, 0.1, 0.5, 1, 0.5),
            dcl_case("n8_d16_t0.5", 8, 16, 0.5, 0.5, 2, 1.0),
            dcl_case("n6_d3_t0.2_sigma1", 6, 3, 0.2, 1.0, 3, 3.0),
        ],
        "margin": [
            margin_case("n4_d8_m1", 4, 8, 1.0, 4, 0.5),
            margin_case("n7_d5_m2", 7, 5, 2.0, 5, 1.5),
            margin_case("n16_d3_m0.5", 16, 3, 0.5, 6, 0.2),
        ],
        "mined": [
            mined_case("n4_d8_m1", 4, 8, 1.0, 7, 2.5),
            mined_case("n6_d5_m3", 6, 5, 3.0, 8, 1.0),
        ],
        "directclr": [
            directclr_case("n4_d8_t0.1", 4, 8, 0.1, 9, 0.5),
            directclr_case("n8_d5_t0.5", 8, 5, 0.5, 10, 2.0),
        ],
        "wmse": [
            wmse_case("n8_d3_w8_2views", 8, 3, 8, 2, 0.0, 11, 0.5, False),
            wmse_case("n12_d4_w6_2views_shuffled", 12, 4, 6, 2, 0.0, 12, 1.0, True),
            wmse_case("n16_d3_w8_4views_eps0.1", 16, 3, 8, 4, 0.1, 13, 0.7, True),
        ],
    }
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "SslSharp.Tests", "Fixtures", "dcl_dml_wmse.json")
    with open(out, "w") as f:
        json.dump(fixture, f)
    for group in ("dcl", "margin", "mined", "directclr", "wmse"):
        for c in fixture[group]:
            print(group, c["name"], {k: v["loss"] for k, v in c.items() if isinstance(v, dict)} or c.get("loss"))


if __name__ == "__main__":
    main()
