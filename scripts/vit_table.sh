#!/usr/bin/env bash
# The ViT / masked-modelling table (issue 13): pretrains MAE, I-JEPA, iBOT, DINO-ViT and MoCo v3-ViT with their small
# presets on one budget, evaluates each by kNN, linear probe and fine-tuning, and fine-tunes the same ViT from its random
# initialisation with the same budget ("scratch"), and scores the raw pixels with the same kNN and linear probe.
# Writes OUT_DIR/table.PHASE.md.
#
# usage: scripts/vit_table.sh OUT_DIR            validation phase: pretrain with --val-split, every number on the split
#        TEST=1 scripts/vit_table.sh OUT_DIR     test phase: the same checkpoints, each evaluation read once on the test set
#
# Environment (defaults in brackets):
#   DATA        data options of every command [--dataset fashion-mnist --data-dir /usr/share/datasets/fashion-mnist]
#   VAL         validation images held out of the training set [5000]
#   EPOCHS      pretraining epochs [5]
#   EPOCHS_<label>  pretraining epochs of one row [EPOCHS; EPOCHS_mae30: 30]
#   BACKBONE    the ViT of every method [vit-cpu]
#   FT          fine-tuning options, the same for every row and for scratch
#               [--epochs 2 --optimizer adamw --lr 4e-3 --weight-decay 0.05 --warmup-epochs 0.2 --drop-path 0.1 --min-scale 0.5]
#   LAYER_DECAY layer-wise lr decay of the pretrained rows (scratch: none) [0.75]
#   METHODS     rows, each a method or LABEL=METHOD for a second row of one method (e.g. mae30=mae with EPOCHS_mae30=30)
#               [mae mae30=mae ijepa ibot dino mocov3]
#   PRETRAIN    extra pretrain options, e.g. "--patch-size 7" []
#   SCRATCH     0: skip the from-scratch and raw-pixel rows (e.g. in a second copy of this script filling other rows side by side) [1]
# A step whose result file exists is not run again, so the table can be filled over several sittings; delete a file
# to redo its step. Settings are chosen on the validation phase only (README "How settings are chosen").
set -euo pipefail
out=${1:?usage: scripts/vit_table.sh OUT_DIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dotnet build src/SslSharp.Cli -c Release -v q -nologo > /dev/null
cli=(dotnet src/SslSharp.Cli/bin/Release/net10.0/SslSharp.Cli.dll)
read -r -a data <<< "${DATA:---dataset fashion-mnist --data-dir /usr/share/datasets/fashion-mnist}"
read -r -a ft <<< "${FT:---epochs 2 --optimizer adamw --lr 4e-3 --weight-decay 0.05 --warmup-epochs 0.2 --drop-path 0.1 --min-scale 0.5}"
read -r -a extra <<< "${PRETRAIN:-}"
val=${VAL:-5000}
epochs=${EPOCHS:-5}
backbone=${BACKBONE:-vit-cpu}
decay=${LAYER_DECAY:-0.75}
methods=${METHODS:-mae mae30=mae ijepa ibot dino mocov3}
: "${EPOCHS_mae30:=30}" # MAE's 5 epochs take 10 minutes here, the joint-embedding ViTs' 40: a second MAE row at their wall time
phase=val
split=(--val-split "$val")
if [[ -n ${TEST:-} ]]; then phase=test; split=(); fi

# run NAME COMMAND...: runs an evaluation once, its JSON on stdout to OUT/NAME.PHASE.json, its log to OUT/NAME.PHASE.log,
# its wall time in seconds to OUT/NAME.PHASE.seconds.
run() {
  local name=$1; shift
  local json="$out/$name.$phase.json" start=$SECONDS
  [[ -s $json ]] && return
  if "$@" --json > "$json" 2> "$out/$name.$phase.log"; then echo $((SECONDS - start)) > "$out/$name.$phase.seconds"
  else rm -f "$json"; echo "failed: $name ($out/$name.$phase.log)" >&2; fi
}
# minutes NAME: the wall time run recorded for NAME, in minutes.
minutes() { [[ -s $out/$1.$phase.seconds ]] && awk '{printf "%.0f min", $1 / 60}' "$out/$1.$phase.seconds" || echo "n/a"; }
# top1 FILE: the top-1 accuracy (%) of an evaluation's JSON (kNN: weighted, k = 20).
top1() {
  [[ -s $1 ]] || { echo "n/a"; return; }
  python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = d["result"]
if isinstance(r, list):  # kNN: one entry per vote, the first is weighted
    r = next(s for s in r[0]["scores"] if s["k"] == 20)
print("%.2f" % (100 * r["top1"]))
PY
}
field() { grep -m1 "^| $1 |" "$2" | awk -F'|' '{gsub(/^ +| +$/, "", $3); print $3}'; }

for row in $methods; do
  m=${row%%=*} method=${row#*=}
  ckpt="$out/$m/last.ckpt"
  if [[ ! -f "$out/$m/summary.md" ]]; then
    [[ $phase == val ]] || { echo "no pretrained $m in $out: run the validation phase first" >&2; exit 2; }
    echo "== pretrain $m"
    own="EPOCHS_$m"
    "${cli[@]}" pretrain --method "$method" --backbone "$backbone" "${data[@]}" --val-split "$val" --epochs "${!own:-$epochs}" \
      "${extra[@]}" --out "$out/$m" > "$out/$m.pretrain.log" 2>&1 || { echo "pretraining $m failed: $out/$m.pretrain.log" >&2; continue; }
  fi
  echo "== evaluate $m ($phase)"
  run "$m.knn" "${cli[@]}" eval knn --checkpoint "$ckpt" "${split[@]}" --out "$out/$m.eval-$phase"
  run "$m.linear" "${cli[@]}" eval linear --checkpoint "$ckpt" "${split[@]}" --out "$out/$m.eval-$phase"
  run "$m.finetune" "${cli[@]}" eval finetune --checkpoint "$ckpt" "${split[@]}" "${ft[@]}" --layer-decay "$decay" --out "$out/$m.eval-$phase"
done
first=$(echo "$methods" | awk '{print $1}'); first=${first%%=*}
[[ ${SCRATCH:-1} == 0 ]] || { echo "== raw pixels and fine-tune from scratch ($phase)"
run pixels.knn "${cli[@]}" eval knn --raw-pixels --checkpoint "$out/$first/last.ckpt" "${split[@]}" --out "$out/pixels.eval-$phase"
run pixels.linear "${cli[@]}" eval linear --raw-pixels --checkpoint "$out/$first/last.ckpt" "${split[@]}" --out "$out/pixels.eval-$phase"
run scratch.finetune "${cli[@]}" eval finetune --checkpoint "$out/$first/last.ckpt" --scratch "${split[@]}" "${ft[@]}" --out "$out/scratch.eval-$phase"; }

table="$out/table.$phase.md"
{
  echo "Top-1 (%) on the $([[ $phase == val ]] && echo "validation split ($val training images held out, seed 0)" || echo "test set (read once)"); backbone $backbone, ${data[*]} ${extra[*]}."
  echo "Fine-tuning (every row): ${ft[*]}; pretrained rows with --layer-decay $decay."
  echo
  echo "| method | kNN (k = 20) | linear probe | fine-tune | pretraining epochs | pretraining wall time | fine-tuning wall time |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  for row in $methods; do
    m=${row%%=*}
    [[ -f "$out/$m/summary.md" ]] || { echo "| $m | failed | | | | | |"; continue; }
    echo "| $m | $(top1 "$out/$m.knn.$phase.json") | $(top1 "$out/$m.linear.$phase.json") | $(top1 "$out/$m.finetune.$phase.json") | $(field epochs "$out/$m/summary.md") | $(field 'wall time' "$out/$m/summary.md") | $(minutes "$m.finetune") |"
  done
  echo "| ViT from scratch | | | $(top1 "$out/scratch.finetune.$phase.json") | 0 | | $(minutes scratch.finetune) |"
  echo "| raw pixels | $(top1 "$out/pixels.knn.$phase.json") | $(top1 "$out/pixels.linear.$phase.json") | | | | |"
} > "$table"
cat "$table"
