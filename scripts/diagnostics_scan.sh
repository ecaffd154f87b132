#!/usr/bin/env bash
# Trains every registered method briefly with label-free diagnostics after each epoch and tabulates
# RankMe of the embeddings against min(N, D): the measurements behind CollapseThresholds' defaults.
#
# usage: scripts/diagnostics_scan.sh OUT_DIR [pretrain options shared by every run...]
#   default options: --epochs 2 --diagnostics-every 1 (embedded data, each method's small preset)
# METHODS="simclr simsiam" restricts the list; finished runs (summary.md present) are not redone.
set -euo pipefail
out=${1:?usage: scripts/diagnostics_scan.sh OUT_DIR [pretrain options...]}
shift
opts=("$@")
[[ ${#opts[@]} -eq 0 ]] && opts=(--epochs 2 --diagnostics-every 1)
mkdir -p "$out"
out=$(cd "$out" && pwd)
source "$(dirname "$0")/every_method.sh"
table="$out/table.md"
{
  echo "Options: \`${opts[*]}\`. RankMe of the embeddings after each diagnostics pass, as a share of min(N, D)."
  echo
  echo "| method | min(N, D) | RankMe per pass | last share | collapse warnings |"
  echo "|---|---:|---|---:|---:|"
} > "$table"
for m in $methods; do
  [[ -f "$out/$m/summary.md" ]] || "${cli[@]}" pretrain --method "$m" --out "$out/$m" "${opts[@]}" > "$out/$m.log" 2>&1 \
    || { echo "| $m | failed: see $m.log | | | |" >> "$table"; continue; }
  dims=$(( $(wc -l < "$out/$m/spectrum_embedding.csv") - 1 ))
  awk -F, -v m="$m" -v d="$dims" '
    $3 == "rankme_embedding" { r = r sprintf("%s%.1f", (r == "" ? "" : ", "), $4); last = $4 }
    $3 == "collapse_warning" { w += $4 }
    END { printf "| %s | %d | %s | %.1f %% | %d |\n", m, d, r, 100 * last / d, w }' "$out/$m/logged.csv" >> "$table"
  tail -n 1 "$table"
done
echo "wrote $table"
