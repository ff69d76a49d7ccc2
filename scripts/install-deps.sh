#!/usr/bin/env bash
# Installs what the build and the demo need; with --test, also what the tests
# need. Idempotent: Debian packages already present are skipped without
# touching apt, and the virtual environment is reinstalled only when a
# requirements file changed.
#
#  - Debian packages: compiler, CMake/Ninja, the header-only and small C/C++
#    libraries vlsi links (nlohmann-json, stb, PCRE2, utf8proc, CLI11,
#    cpp-httplib, GoogleTest, Google Benchmark; gloo's headers for c10d's Gloo
#    backend, which libtorch carries without them), python3 with venv.
#  - .venv (project-local, ignored by git): the pinned torch wheel, whose
#    libtorch (CPU and CUDA in one build) vlsi compiles and links against
#    (requirements/build.txt); with --test, the pinned Python references the
#    tests compare against (requirements/test.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
PKGS=(
  build-essential cmake ninja-build ccache pkg-config git python3 python3-venv
  nlohmann-json3-dev libstb-dev libpcre2-dev libutf8proc-dev
  libcli11-dev libcpp-httplib-dev libgloo-dev libgtest-dev libgmock-dev libbenchmark-dev libjpeg62-turbo-dev
)
REQS=requirements/build.txt
if [ "${1:-}" = "--test" ]; then
  PKGS+=(chromium)  # renders the vlsi report HTML in the browser test
  REQS=requirements/test.txt
fi
# A python3 from elsewhere (pyenv, a distribution build) brings its own venv module.
own_python=0
command -v python3 >/dev/null && python3 -c 'import venv, ensurepip' 2>/dev/null && own_python=1
missing=()
for p in "${PKGS[@]}"; do
  [[ $own_python = 1 && ( $p = python3 || $p = python3-venv ) ]] && continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  log=$(mktemp)
  # apt's own progress goes to a log, shown only when something fails.
  if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
           --no-install-recommends "${missing[@]}"; } > "$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"; echo "install-deps: apt-get failed (see above)" >&2; exit 1
  fi
  rm -f "$log"
fi

VENV=.venv
if [ ! -x "$VENV/bin/python" ]; then
  echo "install-deps: creating $VENV"
  python3 -m venv "$VENV"
fi
# Stamps name the requirement files' content: a changed pin reinstalls. The
# test set includes the build set, so its stamp satisfies a build install too.
pins=$(cat requirements/*.txt | md5sum | cut -c1-12)
kind=$(basename "$REQS" .txt)
if [ ! -f "$VENV/.installed-$pins-$kind" ] && [ ! -f "$VENV/.installed-$pins-test" ]; then
  echo "install-deps: installing $REQS into $VENV (the torch wheel is about 4 GB with its CUDA libraries)"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQS"
  touch "$VENV/.installed-$pins-$kind"
fi
echo "install-deps: ok"
