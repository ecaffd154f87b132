#!/usr/bin/python3
"""Reference optimizer trajectories for SslSharp's optimizer tests.

Run with Debian's /usr/bin/python3 (torch 1.13):  /usr/bin/python3 scripts/make_lars_fixtures.py

Writes tests/SslSharp.Tests/Fixtures/optim_{lars,sgd,adamw}.json. Each file holds a tiny model's
initial parameters (a 2-D weight that gets weight decay + LARS adaptation, and a 1-D bias that gets
neither), the gradient fed at every step, the learning rate of every step, and the parameters
expected after every step. The C# tests replay the same gradients and compare.

LARS is the PyTorch form of MoCo v3 (facebookresearch/moco-v3, optimizer.py) / VICReg
(facebookresearch/vicreg, main_vicreg.py), written out here independently:
    dp = g + wd * p                      (groups with weight decay)
    q  = eta * ||p|| / ||dp||            (groups with LARS adaptation; 1 if either norm is 0)
    mu = m * mu + q * dp
    p  = p - lr * mu
SGD and AdamW are torch.optim.SGD(momentum=0.9, nesterov=False) and torch.optim.AdamW.
"""
import json
import os

import torch


class LARS(torch.optim.Optimizer):
    def __init__(self, params, lr=0.0, weight_decay=0.0, momentum=0.9, eta=0.001):
        defaults = dict(lr=lr, weight_decay=weight_decay, momentum=momentum, eta=eta,
                        use_wd=True, use_lars=True)
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self):
        for g in self.param_groups:
            for p in g["params"]:
                dp = p.grad
                if dp is None:
                    continue
                if g["use_wd"]:
                    dp = dp.add(p, alpha=g["weight_decay"])
                if g["use_lars"]:
                    param_norm = torch.norm(p)
                    update_norm = torch.norm(dp)
                    one = torch.ones_like(param_norm)
                    q = torch.where(param_norm > 0.0,
                                    torch.where(update_norm > 0, g["eta"] * param_norm / update_norm, one),
                                    one)
                    dp = dp.mul(q)
                state = self.state[p]
                if "mu" not in state:
                    state["mu"] = torch.zeros_like(p)
                mu = state["mu"]
                mu.mul_(g["momentum"]).add_(dp)
                p.add_(mu, alpha=-g["lr"])


def flat(t):
    return [float(x) for x in t.detach().reshape(-1).tolist()]


def run(name, make_opt, steps=3, seed=0, wd=0.05, lrs=(0.5, 0.3, 0.1)):
    torch.manual_seed(seed)
    weight = torch.nn.Parameter(torch.randn(3, 4, dtype=torch.float64))
    bias = torch.nn.Parameter(torch.randn(3, dtype=torch.float64))
    groups = [
        {"params": [weight], "weight_decay": wd, "use_wd": True, "use_lars": True},
        {"params": [bias], "weight_decay": 0.0, "use_wd": False, "use_lars": False},
    ]
    opt = make_opt(groups)
    out = {
        "optimizer": name,
        "weight_decay": wd,
        "shapes": {"weight": list(weight.shape), "bias": list(bias.shape)},
        "initial": {"weight": flat(weight), "bias": flat(bias)},
        "steps": [],
    }
    for s in range(steps):
        gw = torch.randn_like(weight)
        gb = torch.randn_like(bias)
        if s == 1:
            gw = gw * 10.0  # a large step: the trust ratio matters
        weight.grad = gw.clone()
        bias.grad = gb.clone()
        for g in opt.param_groups:
            g["lr"] = lrs[s]
        opt.step()
        out["steps"].append({
            "lr": lrs[s],
            "grad": {"weight": flat(gw), "bias": flat(gb)},
            "expected": {"weight": flat(weight), "bias": flat(bias)},
        })
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    fixtures = os.path.join(here, "..", "tests", "SslSharp.Tests", "Fixtures")
    os.makedirs(fixtures, exist_ok=True)
    cases = {
        "optim_lars.json": ("lars", lambda gs: LARS(gs, lr=0.0, momentum=0.9, eta=0.001)),
        "optim_sgd.json": ("sgd", lambda gs: torch.optim.SGD(
            [{"params": g["params"], "weight_decay": g["weight_decay"]} for g in gs],
            lr=0.1, momentum=0.9, nesterov=False)),
        "optim_adamw.json": ("adamw", lambda gs: torch.optim.AdamW(
            [{"params": g["params"], "weight_decay": g["weight_decay"]} for g in gs],
            lr=0.1, betas=(0.9, 0.999), eps=1e-8)),
    }
    for file, (name, make) in cases.items():
        data = run(name, make)
        data["torch_version"] = torch.__version__
        with open(os.path.join(fixtures, file), "w") as f:
            json.dump(data, f, indent=1)
        print("wrote", file)


if __name__ == "__main__":
    main()
