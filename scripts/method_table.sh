#!/usr/bin/env bash
# Pretrains every registered method with its built-in preset under one budget and writes a Markdown
# table of kNN top-1 (k = 20, weighted, cosine) next to the raw-pixel baseline: OUT_DIR/table.md.
#
# usage: scripts/method_table.sh OUT_DIR [pretrain options shared by every run...]
#   e.g. scripts/method_table.sh runs/table --epochs 20                       (embedded data)
#        scripts/method_table.sh runs/table-full --dataset fashion-mnist \
#            --data-dir /usr/share/datasets/fashion-mnist --backbone convnet --width 1 --epochs 10
# With --val-split N among the options, the run's kNN scores the N held-out training images (the number settings are
# chosen by) and the table adds the test-set kNN of the same checkpoint, read once after training (eval knn).
# METHODS="simclr byol" restricts the list. A method whose run fails gets a row saying so. A method whose
# run folder already holds a summary.md is not run again (delete the folder to redo it), so a table can
# be filled over several sittings.
set -euo pipefail
out=${1:?usage: scripts/method_table.sh OUT_DIR [pretrain options...]}
shift
mkdir -p "$out"
out=$(cd "$out" && pwd)
source "$(dirname "$0")/every_method.sh"
table="$out/table.md"
val=no
for a in "$@"; do [[ $a == --val-split ]] && val=yes; done
{
  echo "Options: \`$*\` (each method with its small preset). kNN top-1 (weighted, cosine, k = 20)."
  echo
  if [[ $val == yes ]]; then
    echo "| method | epochs | wall time | kNN top-1, validation split | raw pixels, validation split | kNN top-1, test (read once) |"
    echo "|---|---:|---:|---:|---:|---:|"
  else
    echo "| method | epochs | wall time | kNN top-1 | raw pixels |"
    echo "|---|---:|---:|---:|---:|"
  fi
} > "$table"
field() { grep -m1 "^| $1 |" "$2" | awk -F'|' '{gsub(/^ +| +$/, "", $3); print $3}'; }
for m in $methods; do
  echo "== $m"
  if [[ -f "$out/$m/summary.md" ]] || "${cli[@]}" pretrain --method "$m" --out "$out/$m" "$@" > "$out/$m.log" 2>&1; then
    s="$out/$m/summary.md"
    row="| $m | $(field epochs "$s") | $(field 'wall time' "$s") | $(field 20 "$s") % | $(field 'raw-pixel kNN top-1, k=20 (baseline)' "$s") |"
    if [[ $val == yes ]]; then
      # The test split, read once for the row (the bank is every training image, as in a run without --val-split).
      [[ -s "$out/$m.test-knn.json" ]] || "${cli[@]}" eval knn --checkpoint "$out/$m/last.ckpt" --json > "$out/$m.test-knn.json" 2>> "$out/$m.log"
      row="$row $(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["result"][0]["scores"]; print("%.2f %%" % (100 * next(s["top1"] for s in r if s["k"] == 20)))' "$out/$m.test-knn.json") |"
    fi
    echo "$row" >> "$table"
  else
    echo "| $m | failed: see $m.log | | | |" >> "$table"
  fi
  tail -n 1 "$table"
done
echo "wrote $table"
