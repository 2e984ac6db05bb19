#!/usr/bin/env bash
# Clean debug build time of dingtalk-api with each TLS backend, side by side in one run
# (the machine is shared and noisy: compare the ratios, not the absolute seconds).
# Each build gets its own fresh target directory. Usage: scripts/measure-build.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cargo fetch --locked >/dev/null

measure() {
  local name=$1; shift
  local start end
  start=$(date +%s.%N)
  CARGO_TARGET_DIR="$scratch/$name" cargo build --locked -q -p dingtalk-api "$@"
  end=$(date +%s.%N)
  printf '%-32s %6.1f s\n' "$name" "$(echo "$end - $start" | bc)"
}

echo "clean debug build of dingtalk-api ($(nproc) cores)"
measure "rustls-ring (default)"
measure "rustls-ring, without gzip" --no-default-features --features rustls-ring,all-areas
measure "rustls-aws-lc" --no-default-features --features rustls-aws-lc
measure "native-tls" --no-default-features --features native-tls
