#!/usr/bin/python3
"""Reference values for the MoCo v2, MoCo v3 and NNCLR losses.

Writes tests/SslSharp.Tests/Fixtures/moco_nnclr.json. Run with the system interpreter that has
PyTorch (Debian python3-torch):  /usr/bin/python3 scripts/make_moco_nnclr_fixtures.py

Each loss is written here independently from its paper / reference code, in float64:
- MoCo v2: He et al. 2020 Algorithm 1 and facebookresearch/moco builder.py: logits =
  [q.k, q.queue] / T with q, k L2-normalised and the queue used as stored; CE with target 0.
- MoCo v3: Chen, Xie, He 2021 Algorithm 1 and facebookresearch/moco-v3 builder.py
  (contrastive_loss): CE(norm(q) norm(k)^T / T, arange(N)) * 2T, summed over (q1, k2) and (q2, k1).
- NNCLR: Dwibedi et al. 2021 Algorithm 1: NN(z) = the support row of largest cosine similarity to
  z; loss = CE(NN(z1) p2^T / T, arange)/2 + CE(NN(z2) p1^T / T, arange)/2, everything normalised.
Gradients are taken with torch.autograd w.r.t. the inputs that carry gradient in the method.
"""
import json
import os

import torch
import torch.nn.functional as F


def normalize(x):
    return F.normalize(x, p=2, dim=1, eps=1e-12)


def moco_v2_loss(q, k, queue, t):
    q = normalize(q)
    k = normalize(k)
    l_pos = torch.einsum("nc,nc->n", q, k).unsqueeze(-1)   # [N, 1]
    l_neg = torch.einsum("nc,kc->nk", q, queue)            # [N, K]; queue stored [K, C]
    logits = torch.cat([l_pos, l_neg], dim=1) / t
    labels = torch.zeros(logits.shape[0], dtype=torch.long)
    return F.cross_entropy(logits, labels)


def moco_v3_contrastive(q, k, t):
    q = normalize(q)
    k = normalize(k)
    logits = torch.einsum("nc,mc->nm", q, k) / t
    labels = torch.arange(logits.shape[0], dtype=torch.long)
    return F.cross_entropy(logits, labels) * (2 * t)


def moco_v3_loss(q1, q2, k1, k2, t):
    return moco_v3_contrastive(q1, k2, t) + moco_v3_contrastive(q2, k1, t)


def nearest(z, support):
    sims = normalize(z) @ support.t()   # support rows are stored unit-norm
    idx = sims.argmax(dim=1)
    # the argmax must be unambiguous for the fixture to pin it
    top2 = sims.topk(2, dim=1).values
    assert (top2[:, 0] - top2[:, 1]).min().item() > 1e-6
    return idx


def nnclr_loss(z1, z2, p1, p2, support, t):
    i1 = nearest(z1, support)
    i2 = nearest(z2, support)
    nn1 = support[i1]
    nn2 = support[i2]
    p1n = normalize(p1)
    p2n = normalize(p2)
    labels = torch.arange(z1.shape[0], dtype=torch.long)
    l1 = F.cross_entropy(nn1 @ p2n.t() / t, labels)
    l2 = F.cross_entropy(nn2 @ p1n.t() / t, labels)
    return 0.5 * l1 + 0.5 * l2, i1, i2


def flat(x):
    return x.detach().reshape(-1).tolist()


def rand(g, *shape, scale=1.0):
    return torch.randn(*shape, generator=g, dtype=torch.float64) * scale


def moco_v2_case(name, n, d, k, t, seed):
    g = torch.Generator().manual_seed(seed)
    q = rand(g, n, d, scale=2.0)
    key = q + rand(g, n, d, scale=1.5)
    queue = normalize(rand(g, k, d))
    q.requires_grad_(True)
    key.requires_grad_(True)
    loss = moco_v2_loss(q, key, queue, t)
    gq, gk = torch.autograd.grad(loss, [q, key])
    return {"name": name, "n": n, "d": d, "k": k, "temperature": t,
            "q": flat(q), "key": flat(key), "queue": flat(queue),
            "loss": loss.item(), "grad_q": flat(gq), "grad_key": flat(gk)}


def moco_v3_case(name, n, d, t, seed):
    g = torch.Generator().manual_seed(seed)
    base = rand(g, n, d, scale=2.0)
    q1 = base + rand(g, n, d)
    q2 = base + rand(g, n, d)
    k1 = base + rand(g, n, d)
    k2 = base + rand(g, n, d)
    for x in (q1, q2, k1, k2):
        x.requires_grad_(True)
    loss = moco_v3_loss(q1, q2, k1, k2, t)
    g1, g2, gk1, gk2 = torch.autograd.grad(loss, [q1, q2, k1, k2])
    return {"name": name, "n": n, "d": d, "temperature": t,
            "q1": flat(q1), "q2": flat(q2), "k1": flat(k1), "k2": flat(k2),
            "loss": loss.item(), "grad_q1": flat(g1), "grad_q2": flat(g2),
            "grad_k1": flat(gk1), "grad_k2": flat(gk2)}


def nnclr_case(name, n, d, k, t, seed):
    g = torch.Generator().manual_seed(seed)
    support = normalize(rand(g, k, d))
    z1 = rand(g, n, d, scale=3.0)
    z2 = z1 + rand(g, n, d, scale=1.5)
    p1 = z1 + rand(g, n, d, scale=2.0)
    p2 = z2 + rand(g, n, d, scale=2.0)
    p1.requires_grad_(True)
    p2.requires_grad_(True)
    loss, i1, i2 = nnclr_loss(z1, z2, p1, p2, support, t)
    gp1, gp2 = torch.autograd.grad(loss, [p1, p2])
    return {"name": name, "n": n, "d": d, "k": k, "temperature": t,
            "z1": flat(z1), "z2": flat(z2), "p1": flat(p1), "p2": flat(p2), "support": flat(support),
            "nn1": i1.tolist(), "nn2": i2.tolist(),
            "loss": loss.item(), "grad_p1": flat(gp1), "grad_p2": flat(gp2)}


def main():
    data = {
        "generator": "scripts/make_moco_nnclr_fixtures.py (independent PyTorch forms of MoCo v2, MoCo v3, NNCLR)",
        "torch": torch.__version__,
        "mocov2": [
            moco_v2_case("n4_d8_k16_t0.2", 4, 8, 16, 0.2, 1),
            moco_v2_case("n8_d16_k64_t0.07", 8, 16, 64, 0.07, 2),
            moco_v2_case("n3_d5_k6_t1.0", 3, 5, 6, 1.0, 3),
        ],
        "mocov3": [
            moco_v3_case("n4_d8_t1.0", 4, 8, 1.0, 11),
            moco_v3_case("n8_d16_t0.2", 8, 16, 0.2, 12),
            moco_v3_case("n2_d3_t0.5", 2, 3, 0.5, 13),
        ],
        "nnclr": [
            nnclr_case("n4_d8_k32_t0.1", 4, 8, 32, 0.1, 21),
            nnclr_case("n8_d16_k64_t0.2", 8, 16, 64, 0.2, 22),
            nnclr_case("n3_d4_k5_t1.0", 3, 4, 5, 1.0, 23),
        ],
    }
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "SslSharp.Tests", "Fixtures", "moco_nnclr.json")
    with open(out, "w") as f:
        json.dump(data, f)
    for family in ("mocov2", "mocov3", "nnclr"):
        for c in data[family]:
            print(family, c["name"], c["loss"])


if __name__ == "__main__":
    main()
