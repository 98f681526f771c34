#!/usr/bin/env bash
# Regenerates docs/images/serve-desktop.png and docs/images/serve-phone.png: the browser test (ServerTests'
# BrowserTests) in headless Chromium, restoring a noisy test photo with the bundled model and the tiny DA-CLIP's
# degradation table, at 1100 px (desktop) and 390 px (phone) wide.
# Usage: scripts/serve-screenshots.sh            (SCRATCH=.build-NAME to build elsewhere than .build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
scratch=${SCRATCH:-.build}
WILDIR_SCREENSHOTS="$root/docs/images" swift test --scratch-path "$scratch" -c release -Xswiftc -enable-testing \
  --filter 'ServerTests.BrowserTests'
ls -l docs/images/serve-desktop.png docs/images/serve-phone.png
