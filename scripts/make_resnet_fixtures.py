#!/usr/bin/python3
"""Reference values for SslSharp's ResNet backbones (tests/SslSharp.Tests/Backbones/ResNetTests.cs).

Independent implementation: torchvision 0.14's resnet18/34/50 (fc removed). The low-res stem is
built the way solo-learn does it (conv1 = 3x3 stride 1 no bias, maxpool = Identity).

Weights are not random: every state-dict entry is a closed-form function of its key and flat
index (see fill()), which the C# test recomputes, so the fixture holds only keys, shapes, an input
formula and the expected features. Everything in float64, eval mode (BN uses running stats).

Run with Debian's python (it has torch):  /usr/bin/python3 scripts/make_resnet_fixtures.py
Writes tests/SslSharp.Tests/Fixtures/resnet.json.
"""
import json
import math
import os

import torch
import torch.nn as nn
import torchvision


def key_offset(key):
    return (sum(ord(ch) for ch in key) % 97) * 0.1


def fill(key, t):
    """Deterministic values: s = sin(0.37 i + c_key) over the flat index i."""
    n = t.numel()
    s = torch.sin(torch.arange(n, dtype=torch.float64) * 0.37 + key_offset(key)).reshape(t.shape)
    if key.endswith("running_var"):
        return 1.0 + 0.25 * s * s
    if key.endswith("running_mean") or key.endswith("bias"):
        return 0.1 * s
    if t.dim() == 1:  # BN weight
        return 1.0 + 0.1 * s
    fan_in = t[0].numel()
    return s * math.sqrt(2.0 / fan_in)


def make_input(n, c, h, w):
    return torch.sin(torch.arange(n * c * h * w, dtype=torch.float64) * 0.1).reshape(n, c, h, w)


def build(name, in_channels, low_res):
    model = getattr(torchvision.models, name)()
    model.fc = nn.Identity()
    if low_res:
        model.conv1 = nn.Conv2d(in_channels, 64, 3, 1, 1, bias=False)
        model.maxpool = nn.Identity()
    elif in_channels != 3:
        model.conv1 = nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False)
    return model.double().eval()


def case(name, in_channels, low_res, size, with_output=True):
    model = build(name, in_channels, low_res)
    sd = model.state_dict()
    entries = []
    with torch.no_grad():
        for k, v in sd.items():
            entries.append({"key": k, "shape": list(v.shape)})
            if not k.endswith("num_batches_tracked"):
                v.copy_(fill(k, v))
    out = None
    if with_output:
        with torch.no_grad():
            out = model(make_input(2, in_channels, size, size)).reshape(-1).tolist()
    return {"name": name, "in_channels": in_channels, "low_res_stem": low_res, "size": size,
            "state_dict": entries, "features": out}


def main():
    cases = [
        case("resnet18", 3, False, 32),
        case("resnet18", 1, True, 12),
        case("resnet34", 3, False, 32, with_output=False),
        case("resnet50", 3, False, 32),
    ]
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "SslSharp.Tests", "Fixtures", "resnet.json")
    with open(out, "w") as f:
        json.dump({"generator": "scripts/make_resnet_fixtures.py (torchvision " + torchvision.__version__ + ")",
                   "cases": cases}, f)
    for c in cases:
        print(c["name"], c["low_res_stem"], len(c["state_dict"]), None if c["features"] is None else c["features"][:3])


if __name__ == "__main__":
    main()
