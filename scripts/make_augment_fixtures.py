#!/usr/bin/python3
"""Reference values for SslSharp.Augment's deterministic kernels, from torchvision's functional ops.

Run with Debian's python (torch 1.13 + torchvision 0.14):
    /usr/bin/python3 scripts/make_augment_fixtures.py
Writes tests/SslSharp.Tests/Fixtures/augment_reference.json. Each entry holds the per-sample
parameters and the expected output {"shape": [...], "data": [... row-major float32 ...]}.
"""
import json
import os

import torch
import torchvision
import torchvision.transforms.functional as F
from torchvision.transforms import InterpolationMode

torch.manual_seed(1234)
N, H, W = 3, 8, 9
rgb = torch.rand(N, 3, H, W, dtype=torch.float32)
# Include exact greys, saturated colours and ties between channels (hue edge cases).
rgb[0, :, 0, 0] = torch.tensor([0.5, 0.5, 0.5])
rgb[0, :, 0, 1] = torch.tensor([1.0, 0.0, 0.0])
rgb[0, :, 0, 2] = torch.tensor([0.2, 0.7, 0.7])
rgb[0, :, 0, 3] = torch.tensor([0.9, 0.9, 0.1])
rgb[0, :, 0, 4] = torch.tensor([0.0, 0.0, 0.0])
rgb[0, :, 0, 5] = torch.tensor([1.0, 1.0, 1.0])
rgb[1, :, 0, 0] = torch.tensor([0.3, 0.1, 0.3])
gray = torch.rand(N, 1, H, W, dtype=torch.float32)


def t(x):
    x = x.contiguous().to(torch.float32)
    return {"shape": list(x.shape), "data": [float(v) for v in x.flatten().tolist()]}


def per_sample(fn, x, params):
    return torch.stack([fn(x[i], p) for i, p in enumerate(params)])


out = {"torch": torch.__version__, "torchvision": torchvision.__version__,
       "rgb": t(rgb), "gray": t(gray)}

brightness = [0.6, 1.0, 1.35]
contrast = [0.4, 1.7, 1.0]
saturation = [0.2, 1.8, 0.0]
hue = [-0.3, 0.15, 0.5]
out["brightness"] = {"factors": brightness, "rgb": t(per_sample(F.adjust_brightness, rgb, brightness)),
                     "gray": t(per_sample(F.adjust_brightness, gray, brightness))}
out["contrast"] = {"factors": contrast, "rgb": t(per_sample(F.adjust_contrast, rgb, contrast)),
                   "gray": t(per_sample(F.adjust_contrast, gray, contrast))}
out["saturation"] = {"factors": saturation, "rgb": t(per_sample(F.adjust_saturation, rgb, saturation))}
out["hue"] = {"factors": hue, "rgb": t(per_sample(F.adjust_hue, rgb, hue))}
out["grayscale"] = {"rgb": t(F.rgb_to_grayscale(rgb, num_output_channels=3))}

# ColorJitter with explicit factors and per-sample order (fn_idx as in torchvision: 0 b, 1 c, 2 s, 3 h).
orders = [[3, 0, 2, 1], [1, 2, 0, 3], [0, 1, 2, 3]]
jb, jc, js, jh = [0.7, 1.2, 0.9], [1.3, 0.6, 1.1], [0.5, 1.4, 0.0], [0.1, -0.2, 0.05]
jit = []
for i in range(N):
    x = rgb[i]
    for fn_id in orders[i]:
        if fn_id == 0:
            x = F.adjust_brightness(x, jb[i])
        elif fn_id == 1:
            x = F.adjust_contrast(x, jc[i])
        elif fn_id == 2:
            x = F.adjust_saturation(x, js[i])
        else:
            x = F.adjust_hue(x, jh[i])
    jit.append(x)
out["jitter"] = {"order": orders, "brightness": jb, "contrast": jc, "saturation": js, "hue": jh,
                 "rgb": t(torch.stack(jit))}

sigmas = [0.7, 1.9, 0.1]
k = 5
out["blur"] = {"kernel": k, "sigmas": sigmas,
               "rgb": t(torch.stack([F.gaussian_blur(rgb[i], [k, k], [s, s]) for i, s in enumerate(sigmas)]))}
out["solarize"] = {"threshold": 0.5, "rgb": t(F.solarize(rgb, 0.5))}
mean, std = [0.4914, 0.4822, 0.4465], [0.2470, 0.2435, 0.2616]
out["normalize"] = {"mean": mean, "std": std, "rgb": t(F.normalize(rgb, mean, std))}

# Resized crops with fixed boxes (top, left, height, width): upsampling and downsampling,
# boxes touching the border and interior boxes, non-square boxes.
boxes = [[0, 0, 8, 9], [2, 3, 5, 4], [1, 0, 7, 6]]
crops = {}
for size in (6, 13):
    crops[str(size)] = t(torch.stack([
        F.resized_crop(rgb[i], b[0], b[1], b[2], b[3], [size, size],
                       interpolation=InterpolationMode.BILINEAR, antialias=False)
        for i, b in enumerate(boxes)]))
out["resized_crop"] = {"boxes": boxes, "outputs": crops}

path = os.path.join(os.path.dirname(__file__), "..", "tests", "SslSharp.Tests", "Fixtures", "augment_reference.json")
with open(path, "w") as f:
    json.dump(out, f)
print("wrote", os.path.normpath(path), os.path.getsize(path), "bytes")
