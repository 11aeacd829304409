#!/usr/bin/env bash
# Installs what is missing for lumi-vs-laptop, and nothing that is already there:
# Cairo/Pango development files (manim builds pycairo and manimpango from source on Linux),
# uv, and the locked Python environment in .venv. Safe to run again: a second run is a no-op.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.9
say() { printf '\033[1;34m[bootstrap]\033[0m %s\n' "$*"; }

have_system_libs() {
    command -v pkg-config >/dev/null 2>&1 &&
        pkg-config --exists cairo pangocairo 2>/dev/null &&
        command -v cc >/dev/null 2>&1 &&
        python3 -c 'import sysconfig, os, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' &&
        python3 -c 'import venv, ensurepip' 2>/dev/null
}

install_system_libs() {
    if command -v apt-get >/dev/null 2>&1; then
        local sudo=""
        if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
        say "installing Cairo/Pango development packages with apt-get"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
            libcairo2-dev libpango1.0-dev pkg-config gcc python3-dev python3-venv \
            fonts-dejavu-core >/dev/null
    elif command -v brew >/dev/null 2>&1; then
        say "installing Cairo/Pango with Homebrew"
        brew install cairo pango pkg-config
    else
        echo "bootstrap: need Cairo and Pango development files and pkg-config;" \
            "install them with your package manager, then run 'make demo' again" >&2
        exit 1
    fi
}

# `make test` only: a Chromium for the browser test of the HTML deck (tests/test_deck_browser.py,
# skipped with its reason where none can be installed). Debian's own package: a browser download
# of Playwright's is not needed and, on machines that reach only package registries, fails.
install_test_browser() {
    local found
    for found in chromium chromium-browser google-chrome; do
        command -v "$found" >/dev/null 2>&1 && return 0
    done
    if command -v apt-get >/dev/null 2>&1; then
        local sudo=""
        if [ "$(id -u)" -ne 0 ]; then
            if ! sudo -n true 2>/dev/null; then
                say "no Chromium and no sudo without a password: the browser test will be skipped"
                return 0
            fi
            sudo="sudo -n"
        fi
        say "installing Chromium (Debian package) for the browser test"
        if ! { $sudo apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
                chromium >/dev/null; }; then
            say "could not install Chromium: the browser test will be skipped"
        fi
    else
        say "no Chromium found: the browser test will be skipped (install chromium to run it)"
    fi
}

if [ "${1:-}" = "--test-browser" ]; then
    install_test_browser
    exit 0
fi

have_system_libs || install_system_libs

if command -v uv >/dev/null 2>&1; then
    UV=$(command -v uv)
else
    UV=.tools/bin/uv
    if [ ! -x "$UV" ]; then
        say "installing uv $UV_VERSION into .tools/"
        # the machine's pip when it has one (3 s); a venv of its own installs pip first (8 s)
        if python3 -m pip --version >/dev/null 2>&1; then
            python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore \
                --target .tools "uv==$UV_VERSION"
        else
            python3 -m venv .tools
            .tools/bin/python -m pip install -q --disable-pip-version-check "uv==$UV_VERSION"
        fi
    fi
fi

# uv must use the machine's Python: it cannot download interpreters here.
export UV_PYTHON_DOWNLOADS=never
"$UV" sync --frozen --python "$(command -v python3)" --quiet
# Where PYTHONDONTWRITEBYTECODE=1 is set (CI, some shells), Python never writes .pyc files and
# every process compiled about 1,250 modules (manim, wandb, ...) from source, 2-4 s of CPU each;
# existing .pyc files are read even then. So what the commands import is compiled once here
# (10 s of CPU; uv's --compile-bytecode compiles every module installed: 33 s), and make's
# commands write the rest as they import it (the Makefile unexports the variable).
env -u PYTHONDONTWRITEBYTECODE PYTHONPATH=. .venv/bin/python -c '
import extract.__main__, extract.sources.wandb_files, extract.sources.wandb_api, scenes.__main__, scenes.deck.__main__
import manim_slides.convert, study.cli, wandb
# extract mlflow imports the MLflow client and its three stores only when it runs (3 s of CPU
# to compile them)
import mlflow.tracking, mlflow.store.tracking.file_store, mlflow.store.tracking.rest_store
import mlflow.store.tracking.sqlalchemy_store
from scenes.registry import SCENES
for scene in SCENES:
    scene.scene_class(), scene.slide_class()
'
say "environment ready: .venv (activate with 'source .venv/bin/activate')"
