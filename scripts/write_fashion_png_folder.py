#!/usr/bin/python3
"""Writes a subset of Fashion-MNIST twice: as a folder of PNG files (train/ and test/, one sub-folder per
class) for `--dataset folder`, and as gzipped IDX files of exactly the same images for `--dataset fashion-mnist`,
so the two data paths can be compared on the same images (issue 15; docs/experiments.md#folder-vs-idx).

Usage: /usr/bin/python3 scripts/write_fashion_png_folder.py OUT [--train 5000] [--test 1000]
           [--source /usr/share/datasets/fashion-mnist]
Writes OUT/folder/{train,test}/<label>-<name>/<index>.png and OUT/idx/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz.
The subset is the first N training and the first M test images of the source files.
"""
import argparse
import gzip
import os
import struct

import numpy as np
from PIL import Image

CLASSES = ["tshirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "boot"]


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def write_idx(path, array):
    header = struct.pack(">I", 0x0800 | array.ndim) + struct.pack(">" + "I" * array.ndim, *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--train", type=int, default=5000)
    p.add_argument("--test", type=int, default=1000)
    p.add_argument("--source", default="/usr/share/datasets/fashion-mnist")
    a = p.parse_args()
    os.makedirs(os.path.join(a.out, "idx"), exist_ok=True)
    for split, prefix, count in (("train", "train", a.train), ("test", "t10k", a.test)):
        images = read_idx(os.path.join(a.source, f"{prefix}-images-idx3-ubyte.gz"))[:count]
        labels = read_idx(os.path.join(a.source, f"{prefix}-labels-idx1-ubyte.gz"))[:count]
        if len(images) < count:
            raise SystemExit(f"{prefix}: asked for {count} images, the source has {len(images)}")
        write_idx(os.path.join(a.out, "idx", f"{prefix}-images-idx3-ubyte.gz"), images)
        write_idx(os.path.join(a.out, "idx", f"{prefix}-labels-idx1-ubyte.gz"), labels)
        for i, (image, label) in enumerate(zip(images, labels)):
            d = os.path.join(a.out, "folder", split, f"{label}-{CLASSES[label]}")
            os.makedirs(d, exist_ok=True)
            Image.fromarray(image, mode="L").save(os.path.join(d, f"{i:05d}.png"))
        print(f"{split}: {count} images")


if __name__ == "__main__":
    main()
