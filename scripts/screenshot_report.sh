#!/usr/bin/env bash
# Renders a run report (report.html written by `sslsharp report RUN_DIR`) in headless Chromium and
# saves a full-page screenshot, to check by eye that the plots render.
#
#   scripts/screenshot_report.sh RUN_DIR [OUT.png] [WIDTHxHEIGHT]
#
# Needs Debian's chromium (apt-get install -y chromium). Default output: RUN_DIR/report_screenshot.png,
# window 1200x3000.
set -euo pipefail
if [[ $# -lt 1 ]]; then
  echo "usage: $0 RUN_DIR [OUT.png] [WIDTHxHEIGHT]" >&2
  exit 2
fi
run_dir=$(cd "$1" && pwd)
out=${2:-$run_dir/report_screenshot.png}
size=${3:-1200x3000}
report="$run_dir/report.html"
if [[ ! -f "$report" ]]; then
  echo "no $report: run 'sslsharp report $1' first" >&2
  exit 1
fi
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [[ -z "$browser" ]]; then
  echo "chromium not found: install it with 'apt-get install -y chromium'" >&2
  exit 1
fi
out_abs=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --screenshot="$out_abs" --window-size="${size/x/,}" "file://$report" 2>/dev/null
echo "wrote $out_abs"
