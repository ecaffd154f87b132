#!/usr/bin/python3
"""PyTorch side of SslSharp's safetensors export/import (Debian's python3-torch + python3-torchvision).

  check_export_torchvision.py --check model.safetensors
      Loads a ResNet that `sslsharp export` wrote into torchvision's resnet18/34/50 (width 1; the low-res stem as the
      usual CIFAR change: conv1 = Conv2d(C, 64, 3, 1, 1, bias=False), maxpool = Identity unless stem_max_pool), with
      fc = Identity and load_state_dict(strict=True), and compares its features on the side file's check input with
      the features SslSharp computed (max abs difference <= 1e-5, else exit 1).

  check_export_torchvision.py --write-fixture tests/SslSharp.Tests/Fixtures
      Writes torchvision_resnet18_w0125.safetensors: torchvision's own BasicBlock / _make_layer / forward at 1/8 of the
      width (8-16-32-64 channels, 1 input channel, low-res stem, seeded random weights and BN statistics), and
      torchvision_import.json with its features (eval mode) on the check input. Tests import the file into SslSharp's
      ResNet-18 (width 0.125) and must get the same features.

The safetensors reader/writer here follows the format's specification (8-byte little-endian header length, JSON
header, raw little-endian data); the python `safetensors` package is not in Debian 12.
"""
import argparse
import json
import struct
import sys

import torch
import torch.nn as nn
import torchvision
from torchvision.models.resnet import BasicBlock, ResNet

DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "F16": torch.float16}
NAMES = {v: k for k, v in DTYPES.items()}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    base = 8 + n
    out = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        t = torch.frombuffer(bytearray(data[base + b:base + end]), dtype=DTYPES[e["dtype"]]) if end > b \
            else torch.empty(0, dtype=DTYPES[e["dtype"]])
        out[name] = t.reshape(e["shape"]).clone()
    return out, meta


def write_safetensors(path, tensors, meta=None):
    header, blobs, offset = {}, [], 0
    if meta:
        header["__metadata__"] = meta
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        raw = t.numpy().tobytes() if t.numel() else b""
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for raw in blobs:
            f.write(raw)


def check_input(channels, size):
    return torch.sin(0.01 * torch.arange(2 * channels * size * size, dtype=torch.float32)).reshape(2, channels, size, size)


def low_res_stem(model, channels, keep_maxpool):
    model.conv1 = nn.Conv2d(channels, model.conv1.out_channels, 3, 1, 1, bias=False)
    if not keep_maxpool:
        model.maxpool = nn.Identity()
    model.fc = nn.Identity()
    return model


def check(path):
    side = json.load(open(path.rsplit(".", 1)[0] + ".json"))
    arch = side["architecture"].replace("-", "").lower()
    if float(side["width_multiplier"]) != 1.0 or arch not in ("resnet18", "resnet34", "resnet50"):
        sys.exit(f"torchvision has {arch} at width 1 only; this export is {arch} at width {side['width_multiplier']}")
    channels, size = int(side["in_channels"]), int(side["image_size"])
    model = getattr(torchvision.models, arch)()
    if side["low_res_stem"] == "true":
        low_res_stem(model, channels, side["stem_max_pool"] == "true")
    else:
        model.conv1 = nn.Conv2d(channels, 64, 7, 2, 3, bias=False)
        model.fc = nn.Identity()
    tensors, _ = read_safetensors(path)
    tensors = {k: v for k, v in tensors.items() if not k.startswith("projector.")}
    model.load_state_dict(tensors, strict=True)
    model.eval()
    with torch.no_grad():
        ours = model(check_input(channels, size))
    theirs = torch.tensor(side["check_features"])
    diff = (ours - theirs).abs().max().item()
    print(f"{arch} strict load ok; features {tuple(ours.shape)}; max abs difference to SslSharp {diff:.3g}")
    sys.exit(0 if diff <= 1e-5 else 1)


class NarrowResNet18(ResNet):
    """torchvision's ResNet-18 (its BasicBlock, _make_layer and forward) at 1/8 of the width, for a small fixture."""

    def __init__(self, channels, width):
        nn.Module.__init__(self)
        self._norm_layer = nn.BatchNorm2d
        self.inplanes, self.dilation, self.groups, self.base_width = width, 1, 1, 64
        self.conv1 = nn.Conv2d(channels, width, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.Identity()
        self.layer1 = self._make_layer(BasicBlock, width, 2)
        self.layer2 = self._make_layer(BasicBlock, 2 * width, 2, stride=2)
        self.layer3 = self._make_layer(BasicBlock, 4 * width, 2, stride=2)
        self.layer4 = self._make_layer(BasicBlock, 8 * width, 2, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Identity()


def write_fixture(folder):
    torch.manual_seed(0)
    model = NarrowResNet18(1, 8)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.num_batches_tracked.fill_(7)
    model.eval()
    x = check_input(1, 28)
    with torch.no_grad():
        features = model(x)
    write_safetensors(f"{folder}/torchvision_resnet18_w0125.safetensors", model.state_dict(),
                      {"source": "scripts/check_export_torchvision.py --write-fixture", "torch": torch.__version__,
                       "torchvision": torchvision.__version__})
    json.dump({"input": "sin(0.01 * arange(2 * 1 * 28 * 28)).reshape(2, 1, 28, 28)", "width_multiplier": 0.125,
               "features": features.tolist(), "keys": list(model.state_dict().keys())},
              open(f"{folder}/torchvision_import.json", "w"), indent=1)
    print(f"wrote {len(model.state_dict())} tensors, features {tuple(features.shape)}")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--check")
    p.add_argument("--write-fixture")
    a = p.parse_args()
    if a.check:
        check(a.check)
    elif a.write_fixture:
        write_fixture(a.write_fixture)
    else:
        p.print_help()
