#!/usr/bin/env bash
# Clean debug build time (wall seconds) of dingtalk-api with every area, with one area
# (message), and of a baseline crate holding only reqwest + serde + serde_json + tokio with
# the same features, side by side in one run. Each build gets a fresh target directory.
# The machine is shared and noisy: compare the ratios. Usage: scripts/measure-compile.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cargo fetch --locked >/dev/null
cargo fetch --locked --manifest-path scripts/baseline/Cargo.toml >/dev/null

measure() {
  local name=$1; shift
  local start end
  start=$(date +%s.%N)
  CARGO_TARGET_DIR="$scratch/$name" cargo build --locked -q "$@"
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

baseline=$(measure baseline --manifest-path scripts/baseline/Cargo.toml)
all=$(measure all -p dingtalk-api)
one=$(measure one -p dingtalk-api --no-default-features --features rustls-ring,gzip,message)
printf 'clean debug build, %s cores\n' "$(nproc)"
printf '%-46s %6.1f s  1.00x\n' "baseline (reqwest+serde+serde_json+tokio)" "$baseline"
printf '%-46s %6.1f s  %.2fx\n' "dingtalk-api, every area (default)" "$all" "$(echo "$all / $baseline" | bc -l)"
printf '%-46s %6.1f s  %.2fx\n' "dingtalk-api, one area (message)" "$one" "$(echo "$one / $baseline" | bc -l)"
