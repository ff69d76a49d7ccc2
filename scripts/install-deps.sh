#!/usr/bin/env bash
# Installs the Debian packages the build and the demo need; with --test, also
# those the tests need.
# Idempotent: packages already present are skipped without touching apt.
set -euo pipefail
PKGS=(
  build-essential cmake ninja-build ccache pkg-config git
  libtorch-dev libopenblas0-pthread libopenblas-dev
  nlohmann-json3-dev libstb-dev libpcre2-dev libutf8proc-dev
  libcli11-dev libcpp-httplib-dev libgtest-dev libgmock-dev libbenchmark-dev
)
# Test-only reference implementations (Python/Node are never needed at run time).
if [ "${1:-}" = "--test" ]; then
  PKGS+=(python3 python3-torch python3-numpy python3-pil)
  PKGS+=(chromium)  # renders the vlsi report HTML in the browser test
  # Node.js: Debian's packages unless a node with npm is already installed.
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then PKGS+=(nodejs npm); fi
fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# libtorch must use OpenBLAS, not the reference BLAS (about 15x slower matmuls).
if command -v update-alternatives >/dev/null; then
  for alt in libblas.so.3-x86_64-linux-gnu liblapack.so.3-x86_64-linux-gnu; do
    target=$(update-alternatives --list "$alt" 2>/dev/null | grep openblas-pthread | head -1 || true)
    [ -n "$target" ] && update-alternatives --set "$alt" "$target" >/dev/null 2>&1 || true
  done
fi
echo "install-deps: ok"
