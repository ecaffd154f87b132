#!/usr/bin/env bash
# Pretrains every registered method with its built-in preset under one budget and writes a Markdown
# table of kNN top-1 (k = 20, weighted, cosine) next to the raw-pixel baseline: OUT_DIR/table.md.
#
# usage: scripts/method_table.sh OUT_DIR [pretrain options shared by every run...]
#   e.g. scripts/method_table.sh runs/table --epochs 20                       (embedded data)
#        scripts/method_table.sh runs/table-full --dataset fashion-mnist \
#            --data-dir /usr/share/datasets/fashion-mnist --backbone convnet --width 1 --epochs 10
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
{
  echo "Options: \`$*\` (each method with its small preset). kNN top-1 on the held-out set, k = 20."
  echo
  echo "| method | epochs | wall time | kNN top-1 | raw pixels |"
  echo "|---|---:|---:|---:|---:|"
} > "$table"
field() { grep -m1 "^| $1 |" "$2" | awk -F'|' '{gsub(/^ +| +$/, "", $3); print $3}'; }
for m in $methods; do
  echo "== $m"
  if [[ -f "$out/$m/summary.md" ]] || "${cli[@]}" pretrain --method "$m" --out "$out/$m" "$@" > "$out/$m.log" 2>&1; then
    s="$out/$m/summary.md"
    echo "| $m | $(field epochs "$s") | $(field 'wall time' "$s") | $(field 20 "$s") % | $(field 'raw-pixel kNN top-1, k=20 (baseline)' "$s") |" >> "$table"
  else
    echo "| $m | failed: see $m.log | | | |" >> "$table"
  fi
  tail -n 1 "$table"
done
echo "wrote $table"
