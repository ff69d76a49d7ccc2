#!/usr/bin/env bash
# Downloads (here, where the package registry is reachable) the Debian -dev
# packages that scripts/gpu-check.sh unpacks on a GPU machine without network:
# the header-only and small libraries vlsi builds against. Into .gpu-deps/debs
# (ignored by git); carry that folder to the GPU machine with the tree.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .gpu-deps/debs
cd .gpu-deps/debs
apt-get download nlohmann-json3-dev libstb-dev libstb0 libpcre2-dev libpcre2-8-0 libutf8proc-dev libutf8proc2 \
  libcli11-dev libcpp-httplib-dev libgloo-dev googletest libgtest-dev libgmock-dev libbenchmark-dev libbenchmark1debian \
  libjpeg62-turbo-dev libjpeg62-turbo ccache
ls -1 | sed 's/^/gpu-deps: /'
