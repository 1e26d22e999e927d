#!/usr/bin/env bash
# Renders the HTML report of a sample analytics log in headless Chromium and saves the
# screenshot as docs/report.png (and the page as docs/report-sample.html).
#
#   scripts/report_screenshot.sh
#
# Needs: cargo, python3, and Debian's `chromium` (installed with apt-get when
# /usr/bin/chromium is missing; run as root or with sudo available). The sample log
# comes from `procc run --events` over 60 scripted webshop conversations
# (scripts/report_sample.py); nothing leaves the machine.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update
  $SUDO apt-get install -y chromium
fi

cargo build --quiet
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 scripts/report_sample.py target/debug/procc "$work/events.jsonl"
target/debug/procc report "$work/events.jsonl" --html docs/report-sample.html
# The page names the log it was read from: keep the committed copy free of a temp path.
sed -i "s|$work/events.jsonl|events.jsonl|" docs/report-sample.html

/usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --hide-scrollbars --user-data-dir="$work/profile" \
  --screenshot="$PWD/docs/report.png" --window-size=1200,1600 \
  "file://$PWD/docs/report-sample.html"
echo "wrote docs/report.png"
