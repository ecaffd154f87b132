#!/usr/bin/python3
"""Reference values for SslSharp's self-distillation losses and DINO pieces
(tests/SslSharp.Tests/Losses/{BYOLLoss,SimSiamLoss,DINOLoss}Tests.cs, Heads/DINOHeadTests.cs,
Methods/SelfDistillation/DINOTests.cs).

Independent implementations in PyTorch 1.13, written from the papers and the official code's formulas:
- BYOL (deepmind-research byol/byol_experiment.py, regression_loss): normalise both, squared L2
  distance summed over features, mean over the batch; total = loss(p1, sg z2) + loss(p2, sg z1)
  (the paper's L + L~).
- SimSiam (facebookresearch/simsiam main_simsiam.py): criterion = nn.CosineSimilarity(dim=1);
  loss = -(criterion(p1, z2.detach()).mean() + criterion(p2, z1.detach()).mean()) * 0.5. Also the
  variant without stop-gradient (collapse experiments).
- DINO (facebookresearch/dino main_dino.py, DINOLoss): student output of all crops concatenated
  [V N, K] / student_temp, chunk(V); teacher softmax((t - c) / temp).detach().chunk(2); average over
  pairs (iq, v != iq) of sum(-q log_softmax(s_v)).mean(); then center = c m + mean(t) (1 - m).
  Teacher temperature schedule: numpy linspace over the warm-up epochs then constant.
  DINOHead: Linear-GELU-Linear-GELU-Linear, F.normalize, torch.nn.utils.weight_norm(Linear(no bias))
  with weight_g = 1. Gradient clipping: utils.clip_gradients (per tensor, clip / (norm + 1e-6)).

Run with Debian's python (it has torch):  /usr/bin/python3 scripts/make_selfdistill_fixtures.py
Writes tests/SslSharp.Tests/Fixtures/selfdistill.json.
"""
import json
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def flat(t):
    return t.detach().reshape(-1).tolist()


# ---------------------------------------------------------------- BYOL / SimSiam


def byol_regression(x, y):
    # deepmind: normed_x, normed_y = l2_normalize(x), l2_normalize(y); sum((x - y)^2, -1); mean
    nx = x / torch.sqrt(torch.clamp((x * x).sum(-1, keepdim=True), min=1e-24))
    ny = y / torch.sqrt(torch.clamp((y * y).sum(-1, keepdim=True), min=1e-24))
    return ((nx - ny) ** 2).sum(-1).mean()


def pair_case(name, n, d, seed, noise):
    g = torch.Generator().manual_seed(seed)
    z1 = torch.randn(n, d, generator=g, dtype=torch.float64) * 2.0
    z2 = z1 + noise * torch.randn(n, d, generator=g, dtype=torch.float64)
    p1 = z1 + 0.7 * torch.randn(n, d, generator=g, dtype=torch.float64)
    p2 = z2 + 0.7 * torch.randn(n, d, generator=g, dtype=torch.float64)
    out = {"name": name, "n": n, "d": d, "p1": flat(p1), "p2": flat(p2), "z1": flat(z1), "z2": flat(z2)}

    # BYOL: targets come from the target network (no gradient by construction).
    a1, a2 = p1.clone().requires_grad_(True), p2.clone().requires_grad_(True)
    loss = byol_regression(a1, z2.detach()) + byol_regression(a2, z1.detach())
    ga1, ga2 = torch.autograd.grad(loss, [a1, a2])
    out["byol_loss"] = loss.item()
    out["byol_grad_p1"] = flat(ga1)
    out["byol_grad_p2"] = flat(ga2)

    criterion = nn.CosineSimilarity(dim=1)
    # SimSiam with stop-gradient.
    b1, b2 = p1.clone().requires_grad_(True), p2.clone().requires_grad_(True)
    c1, c2 = z1.clone().requires_grad_(True), z2.clone().requires_grad_(True)
    loss = -(criterion(b1, c2.detach()).mean() + criterion(b2, c1.detach()).mean()) * 0.5
    loss.backward()
    out["simsiam_loss"] = loss.item()
    out["simsiam_grad_p1"] = flat(b1.grad)
    out["simsiam_grad_p2"] = flat(b2.grad)
    assert c1.grad is None and c2.grad is None

    # SimSiam without stop-gradient (the collapse experiment of the paper, section 4.1).
    b1, b2 = p1.clone().requires_grad_(True), p2.clone().requires_grad_(True)
    c1, c2 = z1.clone().requires_grad_(True), z2.clone().requires_grad_(True)
    loss = -(criterion(b1, c2).mean() + criterion(b2, c1).mean()) * 0.5
    loss.backward()
    out["simsiam_nosg_loss"] = loss.item()
    out["simsiam_nosg_grad_z1"] = flat(c1.grad)
    out["simsiam_nosg_grad_z2"] = flat(c2.grad)
    return out


# ---------------------------------------------------------------- DINO


class RefDINOLoss(nn.Module):
    def __init__(self, out_dim, ncrops, student_temp, center_momentum):
        super().__init__()
        self.student_temp = student_temp
        self.center_momentum = center_momentum
        self.ncrops = ncrops
        self.register_buffer("center", torch.zeros(1, out_dim, dtype=torch.float64))

    def forward(self, student_output, teacher_output, temp):
        student_out = (student_output / self.student_temp).chunk(self.ncrops)
        teacher_out = F.softmax((teacher_output - self.center) / temp, dim=-1).detach().chunk(2)
        total, n_terms = 0, 0
        for iq, q in enumerate(teacher_out):
            for v in range(len(student_out)):
                if v == iq:
                    continue
                total = total + torch.sum(-q * F.log_softmax(student_out[v], dim=-1), dim=-1).mean()
                n_terms += 1
        total = total / n_terms
        self.update_center(teacher_output)
        return total

    @torch.no_grad()
    def update_center(self, teacher_output):
        batch_center = torch.sum(teacher_output, dim=0, keepdim=True) / len(teacher_output)
        self.center = self.center * self.center_momentum + batch_center * (1 - self.center_momentum)


def dino_case(name, n, k, ncrops, teacher_temp, student_temp, seed):
    g = torch.Generator().manual_seed(seed)
    teacher = torch.randn(2 * n, k, generator=g, dtype=torch.float64)
    student = torch.randn(ncrops * n, k, generator=g, dtype=torch.float64)
    center = torch.randn(1, k, generator=g, dtype=torch.float64) * 0.5
    ref = RefDINOLoss(k, ncrops, student_temp, 0.9)
    ref.center.copy_(center)
    s = student.clone().requires_grad_(True)
    loss = ref(s, teacher, teacher_temp)
    loss.backward()
    return {
        "name": name, "n": n, "k": k, "ncrops": ncrops, "teacher_temp": teacher_temp, "student_temp": student_temp,
        "center_momentum": 0.9,
        "student": flat(student), "teacher": flat(teacher), "center": flat(center),
        "loss": loss.item(), "grad_student": flat(s.grad), "new_center": flat(ref.center),
    }


def teacher_temp_schedule(warmup_teacher_temp, teacher_temp, warmup_epochs, nepochs):
    # main_dino.py DINOLoss.__init__
    return np.concatenate((np.linspace(warmup_teacher_temp, teacher_temp, warmup_epochs),
                           np.ones(nepochs - warmup_epochs) * teacher_temp)).tolist()


class RefDINOHead(nn.Module):
    def __init__(self, in_dim, out_dim, hidden_dim, bottleneck_dim, seed):
        super().__init__()
        torch.manual_seed(seed)
        self.mlp = nn.Sequential(nn.Linear(in_dim, hidden_dim), nn.GELU(), nn.Linear(hidden_dim, hidden_dim), nn.GELU(),
                                 nn.Linear(hidden_dim, bottleneck_dim))
        self.last_layer = nn.utils.weight_norm(nn.Linear(bottleneck_dim, out_dim, bias=False))
        self.last_layer.weight_g.data.fill_(1)
        self.last_layer.weight_g.requires_grad = False

    def forward(self, x):
        x = self.mlp(x)
        x = F.normalize(x, dim=-1, p=2)
        return self.last_layer(x)


def head_case(name, n, in_dim, out_dim, hidden, bottleneck, seed):
    head = RefDINOHead(in_dim, out_dim, hidden, bottleneck, seed).double()
    with torch.no_grad():
        # weight_v is not a unit-norm matrix: make the rows' norms differ to exercise the normalisation.
        head.last_layer.weight_v.mul_(torch.arange(1, out_dim + 1, dtype=torch.float64).unsqueeze(1))
    g = torch.Generator().manual_seed(seed + 100)
    x = torch.randn(n, in_dim, generator=g, dtype=torch.float64)
    y = head(x)
    state = {key: {"shape": list(v.shape), "values": flat(v)} for key, v in head.state_dict().items()}
    return {"name": name, "n": n, "in_dim": in_dim, "out_dim": out_dim, "hidden_dim": hidden,
            "bottleneck_dim": bottleneck, "state": state, "x": flat(x), "y": flat(y)}


def clip_case(seed, clip):
    g = torch.Generator().manual_seed(seed)
    params = [nn.Parameter(torch.zeros(s, dtype=torch.float64)) for s in [(3, 4), (5,), (2, 2, 2), (6,)]]
    scales = [10.0, 0.1, 1.0, 3.0]
    grads = [torch.randn(p.shape, generator=g, dtype=torch.float64) * sc for p, sc in zip(params, scales)]
    for p, gr in zip(params, grads):
        p.grad = gr.clone()
    # utils.clip_gradients of facebookresearch/dino
    norms = []
    for p in params:
        param_norm = p.grad.data.norm(2)
        norms.append(param_norm.item())
        clip_coef = clip / (param_norm + 1e-6)
        if clip_coef < 1:
            p.grad.data.mul_(clip_coef)
    return {"clip": clip, "shapes": [list(p.shape) for p in params], "grads": [flat(gr) for gr in grads],
            "clipped": [flat(p.grad) for p in params], "norms": norms}


def main():
    out = {
        "generator": "scripts/make_selfdistill_fixtures.py",
        "torch": torch.__version__,
        "pairs": [
            pair_case("n4_d8", 4, 8, 1, 0.5),
            pair_case("n16_d32", 16, 32, 2, 1.0),
            pair_case("n2_d3", 2, 3, 3, 3.0),
        ],
        "dino": [
            dino_case("n4_k8_2crops", 4, 8, 2, 0.04, 0.1, 11),
            dino_case("n3_k16_6crops", 3, 16, 6, 0.07, 0.1, 12),
            dino_case("n5_k10_4crops_t0.05_s0.2", 5, 10, 4, 0.05, 0.2, 13),
        ],
        "teacher_temp": [
            {"warmup_teacher_temp": 0.04, "teacher_temp": 0.07, "warmup_epochs": 30, "epochs": 100,
             "values": teacher_temp_schedule(0.04, 0.07, 30, 100)},
            {"warmup_teacher_temp": 0.04, "teacher_temp": 0.04, "warmup_epochs": 30, "epochs": 40,
             "values": teacher_temp_schedule(0.04, 0.04, 30, 40)},
            {"warmup_teacher_temp": 0.02, "teacher_temp": 0.06, "warmup_epochs": 5, "epochs": 8,
             "values": teacher_temp_schedule(0.02, 0.06, 5, 8)},
        ],
        "dino_head": [
            head_case("in6_out5", 3, 6, 5, 8, 4, 21),
            head_case("in10_out12", 4, 10, 12, 16, 6, 22),
        ],
        "clip": [clip_case(31, 3.0), clip_case(32, 0.5)],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "SslSharp.Tests", "Fixtures", "selfdistill.json")
    with open(path, "w") as f:
        json.dump(out, f)
    for c in out["pairs"]:
        print(c["name"], "byol", c["byol_loss"], "simsiam", c["simsiam_loss"], "nosg", c["simsiam_nosg_loss"])
    for c in out["dino"]:
        print(c["name"], "dino", c["loss"])


if __name__ == "__main__":
    main()
