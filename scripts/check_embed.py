#!/usr/bin/python3
"""Reads what `sslsharp embed --out NAME.npy` wrote with numpy and pandas (Debian's python3-numpy, python3-pandas)
and checks it: one float32 row per image, the CSV's rows in the same order, the projector file (if any) with as many
rows. Usage: check_embed.py NAME.npy   (exit 1 on a mismatch)."""
import os
import sys

import numpy as np
import pandas as pd

path = sys.argv[1]
features = np.load(path)
table = pd.read_csv(path[:-4] + ".csv")
problems = []
if features.dtype != np.float32 or features.ndim != 2:
    problems.append(f"features are {features.dtype} {features.shape}, expected float32 [N, D]")
if len(table) != features.shape[0]:
    problems.append(f"{len(table)} CSV rows for {features.shape[0]} feature rows")
if list(table.columns[:5]) != ["row", "split", "index", "label", "class"]:
    problems.append(f"CSV columns {list(table.columns)}")
if (table["row"].to_numpy() != np.arange(len(table))).any():
    problems.append("the CSV's row column is not 0..N-1")
if not np.isfinite(features).all():
    problems.append("non-finite features")
projector = path[:-4] + ".projector.npy"
if os.path.exists(projector):
    p = np.load(projector)
    if p.shape[0] != features.shape[0]:
        problems.append(f"projector rows {p.shape[0]} != {features.shape[0]}")
print(f"{path}: features {features.shape} {features.dtype}; CSV {len(table)} rows, splits {dict(table['split'].value_counts())}")
for p in problems:
    print("problem:", p)
sys.exit(1 if problems else 0)
