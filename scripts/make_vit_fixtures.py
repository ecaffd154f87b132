#!/usr/bin/python3
"""Reference values for SslSharp's Vision Transformer (tests/SslSharp.Tests/Backbones/VisionTransformerTests.cs).

Independent implementation: a timm-style pre-norm ViT written out here with explicit attention
(softmax(q k^T / sqrt(d_h)) v), exact GELU, LayerNorm eps 1e-6, a CLS token and MAE's fixed 2-D sin-cos
positions (numpy, following facebookresearch/mae util/pos_embed.py: meshgrid(w, h), first half of the
channels from the column coordinate, second half from the row; zero CLS position).

Weights are random (seeded) and written with 8 significant digits; the model uses exactly the written
values, in float64. The fixture holds, per config: the weights under SslSharp's state-dict names, the
input formula, the pooled features (CLS and mean of the patch tokens), all output tokens, and the tokens
when each image keeps its own subset of patches ([N, L_keep], CLS first in the output).

Run with Debian's python (it has torch):  /usr/bin/python3 scripts/make_vit_fixtures.py
Writes tests/SslSharp.Tests/Fixtures/vit.json.
"""
import json
import math
import os

import numpy as np
import torch


def sincos_1d(dim, pos):
    omega = np.arange(dim // 2, dtype=np.float64) / (dim / 2.0)
    omega = 1.0 / 10000 ** omega
    out = np.einsum("m,d->md", pos.reshape(-1), omega)
    return np.concatenate([np.sin(out), np.cos(out)], axis=1)


def sincos_2d(dim, grid_size):
    gh = np.arange(grid_size, dtype=np.float64)
    gw = np.arange(grid_size, dtype=np.float64)
    grid = np.stack(np.meshgrid(gw, gh), axis=0)  # grid[0]: column, grid[1]: row
    emb = np.concatenate([sincos_1d(dim // 2, grid[0]), sincos_1d(dim // 2, grid[1])], axis=1)
    return np.concatenate([np.zeros([1, dim]), emb], axis=0)  # [1 + L, D]


def make_input(n, c, h, w):
    return torch.sin(torch.arange(n * c * h * w, dtype=torch.float64) * 0.1 + 0.3).reshape(n, c, h, w)


def rounded(t):
    return torch.tensor([float("%.8g" % v) for v in t.reshape(-1).tolist()], dtype=torch.float64).reshape(t.shape)


def out(t):
    """Expected values, to 10 significant digits (the tests compare to 1e-5)."""
    return [float("%.10g" % v) for v in t.reshape(-1).tolist()]


def layer_norm(x, w, b):
    return torch.nn.functional.layer_norm(x, (x.shape[-1],), w, b, eps=1e-6)


def block(x, sd, i, heads, layer_scale):
    p = "blocks.%d." % i
    n, t, d = x.shape
    h = layer_norm(x, sd[p + "norm1.weight"], sd[p + "norm1.bias"])
    qkv = h @ sd[p + "attn.qkv.weight"].T
    if p + "attn.qkv.bias" in sd:
        qkv = qkv + sd[p + "attn.qkv.bias"]
    qkv = qkv.reshape(n, t, 3, heads, d // heads).permute(2, 0, 3, 1, 4)
    q, k, v = qkv[0], qkv[1], qkv[2]
    attn = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(d // heads), dim=-1)
    a = (attn @ v).transpose(1, 2).reshape(n, t, d)
    a = a @ sd[p + "attn.proj.weight"].T + sd[p + "attn.proj.bias"]
    if layer_scale:
        a = a * sd[p + "ls1.gamma"]
    x = x + a
    h = layer_norm(x, sd[p + "norm2.weight"], sd[p + "norm2.bias"])
    m = torch.nn.functional.gelu(h @ sd[p + "mlp.fc1.weight"].T + sd[p + "mlp.fc1.bias"])
    m = m @ sd[p + "mlp.fc2.weight"].T + sd[p + "mlp.fc2.bias"]
    if layer_scale:
        m = m * sd[p + "ls2.gamma"]
    return x + m


def encode(images, sd, cfg, keep=None):
    p = cfg["patch_size"]
    x = torch.nn.functional.conv2d(images, sd["patch_embed.proj.weight"], sd["patch_embed.proj.bias"], stride=p)
    x = x.flatten(2).transpose(1, 2)  # [N, L, D]
    pos = sd["pos_embed"]
    x = x + pos[:, 1:]
    if keep is not None:
        x = torch.stack([x[j, keep[j]] for j in range(x.shape[0])])
    cls = (sd["cls_token"] + pos[:, :1]).expand(x.shape[0], -1, -1)
    x = torch.cat([cls, x], dim=1)
    for i in range(cfg["depth"]):
        x = block(x, sd, i, cfg["heads"], cfg["layer_scale"])
    return layer_norm(x, sd["norm.weight"], sd["norm.bias"])


def weights(cfg, gen):
    d, c, p = cfg["dim"], cfg["in_channels"], cfg["patch_size"]
    hidden = int(d * cfg["mlp_ratio"])
    L = (cfg["image_size"] // p) ** 2
    shapes = {"patch_embed.proj.weight": [d, c, p, p], "patch_embed.proj.bias": [d], "cls_token": [1, 1, d]}
    for i in range(cfg["depth"]):
        b = "blocks.%d." % i
        shapes.update({b + "norm1.weight": [d], b + "norm1.bias": [d], b + "attn.qkv.weight": [3 * d, d]})
        if cfg["qkv_bias"]:
            shapes[b + "attn.qkv.bias"] = [3 * d]
        shapes.update({b + "attn.proj.weight": [d, d], b + "attn.proj.bias": [d]})
        if cfg["layer_scale"]:
            shapes.update({b + "ls1.gamma": [d], b + "ls2.gamma": [d]})
        shapes.update({b + "norm2.weight": [d], b + "norm2.bias": [d], b + "mlp.fc1.weight": [hidden, d],
                       b + "mlp.fc1.bias": [hidden], b + "mlp.fc2.weight": [d, hidden], b + "mlp.fc2.bias": [d]})
    shapes.update({"norm.weight": [d], "norm.bias": [d]})
    sd = {}
    for k, s in shapes.items():
        r = torch.randn(s, generator=gen, dtype=torch.float64)
        if k.endswith("norm1.weight") or k.endswith("norm2.weight") or k == "norm.weight":
            v = 1.0 + 0.2 * r
        elif k.endswith("gamma"):
            v = 0.5 + 0.2 * r
        elif k.endswith("bias") or k == "cls_token":
            v = 0.2 * r
        else:
            v = r / math.sqrt(int(np.prod(s[1:])))
        sd[k] = rounded(v)
    sd["pos_embed"] = torch.tensor(sincos_2d(d, cfg["image_size"] // p), dtype=torch.float64).unsqueeze(0)
    assert sd["pos_embed"].shape[1] == 1 + L
    return sd


def case(cfg, n, keep_count, seed):
    gen = torch.Generator().manual_seed(seed)
    sd = weights(cfg, gen)
    L = (cfg["image_size"] // cfg["patch_size"]) ** 2
    keep = torch.stack([torch.randperm(L, generator=gen)[:keep_count] for _ in range(n)])
    x = make_input(n, cfg["in_channels"], cfg["image_size"], cfg["image_size"])
    with torch.no_grad():
        tokens = encode(x, sd, cfg)
        kept = encode(x, sd, cfg, keep)
    return dict(cfg, batch=n,
                weights={k: {"shape": list(v.shape), "values": v.reshape(-1).tolist()} for k, v in sd.items() if k != "pos_embed"},
                pos_embed=out(sd["pos_embed"]),
                cls=out(tokens[:, 0]),
                mean=out(tokens[:, 1:].mean(1)),
                tokens=out(tokens),
                keep=keep.tolist(),
                kept_tokens=out(kept))


def main():
    cases = [
        case(dict(name="28px-p7", image_size=28, patch_size=7, in_channels=1, dim=32, depth=2, heads=4,
                  mlp_ratio=2.0, qkv_bias=True, layer_scale=False), n=3, keep_count=5, seed=13),
        case(dict(name="32px-p4-rgb-ls", image_size=32, patch_size=4, in_channels=3, dim=16, depth=2, heads=4,
                  mlp_ratio=2.0, qkv_bias=False, layer_scale=True), n=3, keep_count=16, seed=14),
    ]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "SslSharp.Tests", "Fixtures", "vit.json")
    with open(path, "w") as f:
        json.dump({"cases": cases}, f)
    print("wrote", os.path.normpath(path), os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
