#!/usr/bin/env python3
"""Reference fixtures for SslSharp.Evaluation.LinearProbe (tests/SslSharp.Tests/Fixtures/linear_probe.json).

An independent linear-probe training loop in PyTorch 1.13, float64 (Debian's python3-torch):

    /usr/bin/python3 scripts/make_probe_fixtures.py

Protocol pinned by the fixture (MoCo v3 main_lincls.py / MAE main_linprobe.py style):
- head: BatchNorm1d(D, affine=False, eps=1e-5, momentum=0.1) then Linear(D, C), given initial W, b;
- cross-entropy on mini-batches taken in row order (no shuffle), the last partial batch included;
- peak lr = base_lr * batch / 256, per-step cosine to 0 over all steps (no warmup);
- SGD: torch.optim.SGD(momentum=m), weight decay on the weight only (two param groups);
- LARS (MoCo v3 optimizer.py form, written out here): for the weight dp = g + wd p,
  q = eta ||p|| / ||dp|| (1 if either is 0), mu = m mu + q dp, p -= lr mu; the bias is plain momentum SGD;
- after training: eval-mode logits of the test rows (BN running statistics), top-1/top-5, train top-1.
"""
import json
import math
import os

import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "SslSharp.Tests", "Fixtures", "linear_probe.json")


def lars_step(params, mus, lr, momentum, wd, eta, adapt):
    with torch.no_grad():
        for p, mu, a in zip(params, mus, adapt):
            g = p.grad
            if a:
                dp = g + wd * p
                pn, un = p.norm(), dp.norm()
                q = eta * pn / un if (pn > 0 and un > 0) else torch.tensor(1.0, dtype=p.dtype)
                dp = dp * q
            else:
                dp = g
            mu.mul_(momentum).add_(dp)
            p.add_(mu, alpha=-lr)


def train(x, y, xt, yt, w0, b0, num_classes, epochs, batch, base_lr, momentum, wd, optimizer, eta):
    d = x.shape[1]
    bn = torch.nn.BatchNorm1d(d, affine=False).double()
    lin = torch.nn.Linear(d, num_classes).double()
    with torch.no_grad():
        lin.weight.copy_(w0)
        lin.bias.copy_(b0)
    n = x.shape[0]
    per_epoch = n // batch + (1 if n % batch >= 2 else 0)
    total = per_epoch * epochs
    peak = base_lr * batch / 256.0
    if optimizer == "sgd":
        opt = torch.optim.SGD([{"params": [lin.weight], "weight_decay": wd}, {"params": [lin.bias], "weight_decay": 0.0}],
                              lr=peak, momentum=momentum)
    else:
        mus = [torch.zeros_like(lin.weight), torch.zeros_like(lin.bias)]
    step = 0
    losses = []
    bn.train()
    for _ in range(epochs):
        s = 0.0
        for b in range(per_epoch):
            xb, yb = x[b * batch:(b + 1) * batch], y[b * batch:(b + 1) * batch]
            loss = torch.nn.functional.cross_entropy(lin(bn(xb)), yb)
            lr = peak * (1 + math.cos(math.pi * step / total)) / 2
            lin.zero_grad()
            loss.backward()
            if optimizer == "sgd":
                for g in opt.param_groups:
                    g["lr"] = lr
                opt.step()
            else:
                lars_step([lin.weight, lin.bias], mus, lr, momentum, wd, eta, [True, False])
            s += loss.item()
            step += 1
        losses.append(s / per_epoch)
    bn.eval()
    with torch.no_grad():
        logits = lin(bn(xt))
        train_logits = lin(bn(x))
    top1 = (logits.argmax(1) == yt).double().mean().item()
    top5 = (logits.topk(min(5, num_classes), 1).indices == yt[:, None]).any(1).double().mean().item()
    train_top1 = (train_logits.argmax(1) == y).double().mean().item()
    return {
        "weight": lin.weight.tolist(), "bias": lin.bias.tolist(),
        "running_mean": bn.running_mean.tolist(), "running_var": bn.running_var.tolist(),
        "test_logits": logits.tolist(), "top1": top1, "top5": top5, "train_top1": train_top1,
        "epoch_losses": losses, "steps": total,
    }


def case(seed, n, m, d, c, epochs, batch, base_lr, wd, optimizer):
    g = torch.Generator().manual_seed(seed)
    centers = torch.randn(c, d, generator=g, dtype=torch.float64) * 2
    y = torch.randint(0, c, (n,), generator=g)
    yt = torch.randint(0, c, (m,), generator=g)
    # features with an offset and a scale so the BatchNorm has work to do; float32-representable
    x = ((centers[y] + torch.randn(n, d, generator=g, dtype=torch.float64)) * 3 + 1).float().double()
    xt = ((centers[yt] + torch.randn(m, d, generator=g, dtype=torch.float64)) * 3 + 1).float().double()
    bound = 1 / math.sqrt(d)
    w0 = ((torch.rand(c, d, generator=g, dtype=torch.float64) * 2 - 1) * bound).float().double()
    b0 = ((torch.rand(c, generator=g, dtype=torch.float64) * 2 - 1) * bound).float().double()
    out = train(x, y, xt, yt, w0, b0, c, epochs, batch, base_lr, 0.9, wd, optimizer, 1e-3)
    return {
        "optimizer": optimizer, "epochs": epochs, "batch_size": batch, "learning_rate": base_lr, "momentum": 0.9,
        "weight_decay": wd, "lars_eta": 1e-3, "num_classes": c,
        "train_features": x.tolist(), "train_labels": y.tolist(), "test_features": xt.tolist(), "test_labels": yt.tolist(),
        "initial_weight": w0.tolist(), "initial_bias": b0.tolist(), "expected": out,
    }


def main():
    cases = [
        case(1, 50, 20, 8, 3, 3, 16, 0.4, 1e-3, "sgd"),     # 4 steps per epoch, trailing batch of 2
        case(2, 121, 40, 20, 7, 2, 32, 0.8, 0.0, "sgd"),    # trailing batch of 1 is skipped: 3 steps per epoch
        case(3, 50, 20, 8, 3, 3, 16, 30.0, 1e-3, "lars"),
        case(4, 96, 30, 12, 6, 2, 24, 40.0, 1e-2, "lars"),
    ]
    with open(OUT, "w") as f:
        json.dump({"generator": "scripts/make_probe_fixtures.py (torch %s, float64)" % torch.__version__, "cases": cases}, f)
    for c in cases:
        e = c["expected"]
        print(c["optimizer"], len(c["train_labels"]), "top1", e["top1"], "top5", e["top5"], "train", e["train_top1"], "losses", e["epoch_losses"])


if __name__ == "__main__":
    main()
