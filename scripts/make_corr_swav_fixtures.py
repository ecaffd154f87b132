#!/usr/bin/python3
"""Reference values for SslSharp's VICReg, Barlow Twins and SwAV losses and the Sinkhorn-Knopp step
(tests/SslSharp.Tests/Losses/{VICRegLoss,BarlowTwinsLoss,SwAVLoss}Tests.cs, Modules/SinkhornTests.cs).

Independent implementations in PyTorch 1.13, written from the formulas of the papers and the
official code's conventions (docs/methods.md#canonical-correlation and docs/methods.md#clustering):

* VICReg (Bardes et al., ICLR 2022; facebookresearch/vicreg main_vicreg.py): invariance = MSE,
  variance = mean relu(1 - sqrt(var_unbiased + 1e-4)) / 2 per view, covariance = sum of squared
  off-diagonal entries of z^T z / (N - 1) (z centred) / D per view; 25 / 25 / 1.
* Barlow Twins (Zbontar et al., ICML 2021; facebookresearch/barlowtwins main.py): the embeddings go
  through torch.nn.BatchNorm1d(affine=False) in training mode (the module itself, so the biased batch
  variance and eps 1e-5 are torch's), c = bn(z1)^T bn(z2) / N, on-diagonal (c_ii - 1)^2 plus lambda x
  off-diagonal c_ij^2, times an optional scale.
* Sinkhorn (Caron et al., NeurIPS 2020; facebookresearch/swav main_swav.py distributed_sinkhorn,
  single process): Q = exp(scores / eps)^T [K, B], divided by its total; per iteration rows divided
  by their sums and by K, then columns by their sums and by B; the result times B, transposed to [B, K].
* SwAV loss: the crops' embeddings are L2-normalised, scores = z C^T with L2-normalised prototype rows
  C (nn.Linear(bias=False) whose weight is normalised in place beforehand); for each of the first two
  crops the codes are Sinkhorn(scores, with the queue's scores prepended) last B rows, and the loss is
  the mean over those crops of the mean over the other crops of -sum q log softmax(scores_v / T).

Every tensor is float64. Gradients are taken with respect to the raw inputs (z's and, for SwAV, the
prototype weight).

Run with Debian's python (it has torch):  /usr/bin/python3 scripts/make_corr_swav_fixtures.py
Writes tests/SslSharp.Tests/Fixtures/corr_swav.json.
"""
import json
import os

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def flat(t):
    return t.detach().reshape(-1).tolist()


def off_diag(m):
    n = m.shape[0]
    return m[~torch.eye(n, dtype=torch.bool)]


# ---------------------------------------------------------------- VICReg

def vicreg(x, y, sim=25.0, std=25.0, cov=1.0):
    n, d = x.shape
    inv = ((x - y) ** 2).mean()
    xc = x - x.mean(0, keepdim=True)
    yc = y - y.mean(0, keepdim=True)
    sx = torch.sqrt(xc.var(0, unbiased=True) + 1e-4)
    sy = torch.sqrt(yc.var(0, unbiased=True) + 1e-4)
    var = torch.clamp(1 - sx, min=0).mean() / 2 + torch.clamp(1 - sy, min=0).mean() / 2
    cx = xc.t() @ xc / (n - 1)
    cy = yc.t() @ yc / (n - 1)
    covl = (off_diag(cx) ** 2).sum() / d + (off_diag(cy) ** 2).sum() / d
    return sim * inv + std * var + cov * covl, inv, var, covl


def vicreg_case(name, n, d, seed, sim=25.0, std=25.0, cov=1.0):
    g = torch.Generator().manual_seed(seed)
    # per-dimension scales in [0.2, 2] so that the variance hinge is active on some dimensions only
    scale = 0.2 + 1.8 * torch.rand(d, generator=g)
    z1 = torch.randn(n, d, generator=g) * scale
    z2 = z1 + 0.5 * torch.randn(n, d, generator=g) * scale
    z1.requires_grad_(True)
    z2.requires_grad_(True)
    loss, inv, var, covl = vicreg(z1, z2, sim, std, cov)
    g1, g2 = torch.autograd.grad(loss, [z1, z2])
    return {"name": name, "n": n, "d": d, "sim_coeff": sim, "std_coeff": std, "cov_coeff": cov,
            "z1": flat(z1), "z2": flat(z2), "loss": loss.item(), "invariance": inv.item(),
            "variance": var.item(), "covariance": covl.item(), "grad_z1": flat(g1), "grad_z2": flat(g2)}


# ---------------------------------------------------------------- Barlow Twins

def barlow(z1, z2, lambd, scale):
    n, d = z1.shape
    bn = torch.nn.BatchNorm1d(d, affine=False).double().train()
    c = bn(z1).t() @ bn(z2) / n
    on = ((torch.diagonal(c) - 1) ** 2).sum()
    off = (off_diag(c) ** 2).sum()
    return scale * (on + lambd * off), c


def barlow_case(name, n, d, lambd, scale, seed):
    g = torch.Generator().manual_seed(seed)
    shift = 3 * torch.randn(d, generator=g)
    z1 = torch.randn(n, d, generator=g) * 2 + shift
    z2 = 0.7 * z1 + torch.randn(n, d, generator=g)
    z1.requires_grad_(True)
    z2.requires_grad_(True)
    loss, c = barlow(z1, z2, lambd, scale)
    g1, g2 = torch.autograd.grad(loss, [z1, z2])
    return {"name": name, "n": n, "d": d, "lambda": lambd, "scale": scale,
            "z1": flat(z1), "z2": flat(z2), "loss": loss.item(), "c": flat(c),
            "grad_z1": flat(g1), "grad_z2": flat(g2)}


# ---------------------------------------------------------------- Sinkhorn and SwAV

@torch.no_grad()
def sinkhorn(scores, eps, iters):
    q = torch.exp(scores / eps).t()  # [K, B]
    k, b = q.shape
    q = q / q.sum()
    for _ in range(iters):
        q = q / q.sum(1, keepdim=True) / k
        q = q / q.sum(0, keepdim=True) / b
    return (q * b).t()  # [B, K]


def sinkhorn_case(name, b, k, d, eps, iters, seed):
    g = torch.Generator().manual_seed(seed)
    z = F.normalize(torch.randn(b, d, generator=g), dim=1)
    c = F.normalize(torch.randn(k, d, generator=g), dim=1)
    scores = z @ c.t()
    q = sinkhorn(scores, eps, iters)
    return {"name": name, "b": b, "k": k, "epsilon": eps, "iterations": iters,
            "scores": flat(scores), "q": flat(q)}


def swav(zs, proto_weight, queues, temperature, eps, iters, n_assign=2):
    b = zs[0].shape[0]
    with torch.no_grad():
        proto_weight.copy_(F.normalize(proto_weight, dim=1))
    emb = [F.normalize(z, dim=1) for z in zs]
    out = [e @ proto_weight.t() for e in emb]
    total = 0
    for i in range(n_assign):
        with torch.no_grad():
            s = out[i].detach()
            if queues is not None:
                s = torch.cat([queues[i] @ proto_weight.t(), s])
            q = sinkhorn(s, eps, iters)[-b:]
        sub = 0
        others = [v for v in range(len(zs)) if v != i]
        for v in others:
            sub = sub - (q * F.log_softmax(out[v] / temperature, dim=1)).sum(1).mean()
        total = total + sub / len(others)
    return total / n_assign


def swav_case(name, b, d, k, local, queue_len, seed, temperature=0.1, eps=0.05, iters=3):
    g = torch.Generator().manual_seed(seed)
    base = torch.randn(b, d, generator=g)
    zs = [(base + 0.6 * torch.randn(b, d, generator=g)) * (1 + torch.rand(b, 1, generator=g))
          for _ in range(2 + local)]
    for z in zs:
        z.requires_grad_(True)
    w = torch.randn(k, d, generator=g) * 0.5
    w_raw = w.clone()
    w.requires_grad_(True)
    queues = None
    if queue_len > 0:
        queues = [F.normalize(torch.randn(queue_len, d, generator=g), dim=1) for _ in range(2)]
    loss = swav(zs, w, queues, temperature, eps, iters)
    grads = torch.autograd.grad(loss, zs + [w])
    return {"name": name, "b": b, "d": d, "k": k, "local_crops": local, "queue_length": queue_len,
            "temperature": temperature, "epsilon": eps, "iterations": iters,
            "z": [flat(z) for z in zs], "prototypes": flat(w_raw),
            "queues": [flat(q) for q in queues] if queues is not None else None,
            "loss": loss.item(), "grad_z": [flat(gz) for gz in grads[:-1]], "grad_prototypes": flat(grads[-1])}


def main():
    fixture = {
        "generator": "scripts/make_corr_swav_fixtures.py (independent PyTorch implementations, float64)",
        "torch": torch.__version__,
        "vicreg": [
            vicreg_case("n8_d16", 8, 16, 1),
            vicreg_case("n24_d32", 24, 32, 2),
            vicreg_case("n5_d3_custom_coeffs", 5, 3, 3, sim=1.0, std=2.0, cov=0.5),
        ],
        "barlowtwins": [
            barlow_case("n8_d16_l0.0051", 8, 16, 0.0051, 1.0, 4),
            barlow_case("n24_d32_l0.0051_s0.024", 24, 32, 0.0051, 0.024, 5),
            barlow_case("n2_d5_l0.1", 2, 5, 0.1, 1.0, 6),
        ],
        "sinkhorn": [
            sinkhorn_case("b8_k12_eps0.05_it3", 8, 12, 6, 0.05, 3, 7),
            sinkhorn_case("b24_k20_eps0.05_it3", 24, 20, 16, 0.05, 3, 8),
            sinkhorn_case("b6_k4_eps0.1_it10", 6, 4, 3, 0.1, 10, 9),
        ],
        "swav": [
            swav_case("b8_d6_k10_2crops", 8, 6, 10, 0, 0, 10),
            swav_case("b6_d8_k12_2+2crops_queue12", 6, 8, 12, 2, 12, 11),
            swav_case("b4_d5_k7_2+1crops_t0.2_eps0.1", 4, 5, 7, 1, 0, 12, temperature=0.2, eps=0.1, iters=5),
        ],
    }
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "SslSharp.Tests", "Fixtures", "corr_swav.json")
    with open(out, "w") as f:
        json.dump(fixture, f)
    for family in ("vicreg", "barlowtwins", "swav"):
        for c in fixture[family]:
            print(family, c["name"], c["loss"])


if __name__ == "__main__":
    main()
