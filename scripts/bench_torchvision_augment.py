#!/usr/bin/python3
"""Baseline for the augmentation benchmark: torchvision's per-image PIL pipeline on one thread.

Measures images/s (each image gives two views) of RandomResizedCrop + horizontal flip +
ColorJitter(0.4, 0.4, 0.4, 0.1) at p 0.8 + RandomGrayscale(0.2) + ToTensor + Normalize on 32x32
and 96x96 RGB images, the SimCLR CIFAR recipe, the way a torchvision DataLoader worker runs it.
Compare with `dotnet run --project benchmarks/SslSharp.Benchmarks -c Release -- augment`.

Run with Debian's python3-torch and python3-torchvision: /usr/bin/python3 scripts/bench_torchvision_augment.py
"""
import time

import numpy as np
import torch
from PIL import Image
from torchvision import transforms as T

torch.set_num_threads(1)


def pipeline(size):
    return T.Compose([
        T.RandomResizedCrop(size, scale=(0.08, 1.0)),
        T.RandomHorizontalFlip(),
        T.RandomApply([T.ColorJitter(0.4, 0.4, 0.4, 0.1)], p=0.8),
        T.RandomGrayscale(p=0.2),
        T.ToTensor(),
        T.Normalize((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
    ])


def measure(size, images=2048, repeats=3):
    rng = np.random.default_rng(0)
    pil = [Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)) for _ in range(images)]
    t = pipeline(size)
    for im in pil[:64]:
        t(im), t(im)
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for im in pil:
            t(im), t(im)
        rates.append(images / (time.perf_counter() - start))
    return sorted(rates)[len(rates) // 2]


if __name__ == "__main__":
    for size in (32, 96):
        print(f"torchvision PIL two-view pipeline, {size} px, 1 thread: {measure(size, 2048 if size == 32 else 512):,.0f} images/s")
