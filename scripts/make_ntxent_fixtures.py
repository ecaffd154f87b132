#!/usr/bin/python3
"""Reference values for SslSharp's NT-Xent loss (tests/SslSharp.Tests/Losses/NTXentLossTests.cs).

Independent implementation: the formulation of google-research/simclr (tf2/objective.py,
add_contrastive_loss) written in PyTorch 1.13: for each direction, logits = [ab, aa with the
diagonal masked by -1e9] / T, labels = the matching column of ab, CE averaged over N rows.
google's loss is loss_a + loss_b; SslSharp (lightly's convention, docs/methods.md#simclr-nt-xent) is the
mean over all 2N anchors = (loss_a + loss_b) / 2, which is what we store.

Run with Debian's python (it has torch):  /usr/bin/python3 scripts/make_ntxent_fixtures.py
Writes tests/SslSharp.Tests/Fixtures/ntxent.json.
"""
import json
import os

import torch
import torch.nn.functional as F

LARGE_NUM = 1e9


def google_ntxent(h1, h2, temperature):
    h1 = F.normalize(h1, p=2, dim=1, eps=1e-12)
    h2 = F.normalize(h2, p=2, dim=1, eps=1e-12)
    n = h1.shape[0]
    labels = torch.arange(n)
    masks = torch.eye(n, dtype=h1.dtype)
    logits_aa = h1 @ h1.t() / temperature - masks * LARGE_NUM
    logits_bb = h2 @ h2.t() / temperature - masks * LARGE_NUM
    logits_ab = h1 @ h2.t() / temperature
    logits_ba = h2 @ h1.t() / temperature
    loss_a = F.cross_entropy(torch.cat([logits_ab, logits_aa], 1), labels)
    loss_b = F.cross_entropy(torch.cat([logits_ba, logits_bb], 1), labels)
    google = loss_a + loss_b  # what google-research/simclr returns
    return google / 2.0       # mean over the 2N anchors


def case(name, n, d, temperature, noise, seed):
    g = torch.Generator().manual_seed(seed)
    z1 = torch.randn(n, d, generator=g, dtype=torch.float64) * 3.0
    z2 = z1 + noise * torch.randn(n, d, generator=g, dtype=torch.float64) * 3.0
    z1.requires_grad_(True)
    z2.requires_grad_(True)
    loss = google_ntxent(z1, z2, temperature)
    g1, g2 = torch.autograd.grad(loss, [z1, z2])
    return {
        "name": name,
        "n": n,
        "d": d,
        "temperature": temperature,
        "z1": z1.detach().reshape(-1).tolist(),
        "z2": z2.detach().reshape(-1).tolist(),
        "loss": loss.item(),
        "grad_z1": g1.reshape(-1).tolist(),
        "grad_z2": g2.reshape(-1).tolist(),
    }


def main():
    cases = [
        case("n4_d8_t0.5_correlated", 4, 8, 0.5, 0.3, 1),
        case("n8_d16_t0.1_correlated", 8, 16, 0.1, 0.5, 2),
        case("n6_d3_t0.2_independent", 6, 3, 0.2, 10.0, 3),
        case("n2_d5_t1.0_minimal_batch", 2, 5, 1.0, 0.7, 4),
        case("n16_d32_t0.07_correlated", 16, 32, 0.07, 0.4, 5),
    ]
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "SslSharp.Tests", "Fixtures", "ntxent.json")
    with open(out, "w") as f:
        json.dump({"generator": "scripts/make_ntxent_fixtures.py (google-research/simclr formulation, /2)",
                   "torch": torch.__version__, "cases": cases}, f)
    for c in cases:
        print(c["name"], c["loss"])


if __name__ == "__main__":
    main()
