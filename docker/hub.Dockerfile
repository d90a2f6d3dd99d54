# syntax=docker/dockerfile:1
# The hub and the action server, both from the project's wheel (the package data in
# pyproject.toml ships pages, widget, content and the Rasa project; tests/deploy/test_wheel.py
# installs the same wheel into a fresh venv and serves from it).
#
#   docker build -f docker/hub.Dockerfile --target hub .       # kcc serve, port 8080
#   docker build -f docker/hub.Dockerfile --target actions .   # rasa-sdk action server, port 5055
#   docker build -f docker/hub.Dockerfile --target calendar .  # Radicale (CalDAV, appointments), port 5232
#
# Build context: the repository root (see .dockerignore).

# ---------------------------------------------------------------- 1. build the wheel
FROM python:3.11-slim AS wheel
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY hub hub
COPY channels channels
COPY knowledge knowledge
COPY handover handover
COPY connectors connectors
COPY bot bot
RUN pip wheel --no-deps --wheel-dir /wheels .

# ---------------------------------------------------------------- 1b. NL Design System CSS from the npm registry
# (the same packages as NODE_PACKAGES in scripts/setup.sh; the hub serves them at /static/nlds/)
FROM node:20-slim AS nlds
WORKDIR /opt/kcc/node
RUN echo '{"private": true}' > package.json \
 && npm install --no-audit --no-fund --omit=dev @utrecht/component-library-css@9.0.4

# ---------------------------------------------------------------- 2. install it, nothing else
FROM python:3.11-slim AS runtime
ENV PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    KCC_DATA_DIR=/var/lib/kcc \
    KCC_HOST=0.0.0.0
RUN groupadd --system --gid 10001 kcc \
 && useradd --system --uid 10001 --gid kcc --home-dir /var/lib/kcc --create-home --shell /usr/sbin/nologin kcc
COPY --from=wheel /wheels /tmp/wheels
# caldav -> niquests -> urllib3-future: built from source it keeps the real urllib3 (see scripts/setup.sh)
RUN URLLIB3_NO_OVERRIDE=1 pip install --no-binary urllib3-future urllib3-future
RUN pip install /tmp/wheels/kcc_hub-*.whl && rm -rf /tmp/wheels
COPY --from=nlds /opt/kcc/node/node_modules /opt/kcc/node/node_modules
ENV KCC_NODE_DIR=/opt/kcc/node
# KCC_DATA_DIR: compose mounts a named volume here; it starts with this owner.
WORKDIR /var/lib/kcc
USER kcc:kcc

# ---------------------------------------------------------------- the hub
FROM runtime AS hub
ENV KCC_PORT=8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8080/readyz', timeout=2)"]
CMD ["kcc", "serve"]

# ---------------------------------------------------------------- the action server (rasa-sdk)
FROM runtime AS actions
EXPOSE 5055
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:5055/health', timeout=2)"]
CMD ["python", "-m", "rasa_sdk", "--actions", "bot.actions", "--port", "5055"]

# ---------------------------------------------------------------- the appointment calendars (Radicale)
# No log-in (any user name): reached only from the compose network, by the hubs and the action server.
FROM runtime AS calendar
EXPOSE 5232
RUN mkdir -p /var/lib/kcc/radicale
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:5232/.web/', timeout=2)"]
CMD ["python", "-m", "radicale", "--server-hosts", "0.0.0.0:5232", "--storage-filesystem-folder", "/var/lib/kcc/radicale", \
     "--auth-type", "none", "--logging-level", "warning"]
