#!/bin/sh
# Issue 15's check (docs/experiments.md#folder-vs-idx): the same Fashion-MNIST images read as a folder of PNG files
# and as IDX files give the same kNN accuracy within noise. Needs a Release build of the CLI.
# Usage: scripts/folder_vs_idx.sh DATA_ROOT OUT_ROOT [EPOCHS] [SEEDS...]
#   DATA_ROOT as written by scripts/write_fashion_png_folder.py (DATA_ROOT/folder and DATA_ROOT/idx).
set -e
data=$1; out=$2; epochs=${3:-5}; shift 3 2>/dev/null || shift $#
seeds=${*:-0 1}
cli="dotnet src/SslSharp.Cli/bin/Release/net10.0/SslSharp.Cli.dll"
common="--method simclr --backbone convnet --width 0.5 --batch-size 128 --epochs $epochs --diagnostics-every 0 --overwrite"
for seed in $seeds; do
  $cli pretrain $common --seed "$seed" --dataset folder --data-dir "$data/folder" --image-size 28 --grey --out "$out/folder-s$seed"
  $cli pretrain $common --seed "$seed" --dataset fashion-mnist --data-dir "$data/idx" --out "$out/idx-s$seed"
done
grep -H "kNN" "$out"/*/summary.md
