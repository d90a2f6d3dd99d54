# The hub (aiohttp app) — also used for the action server image below.
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml README.md ./
COPY hub hub
COPY channels channels
COPY knowledge knowledge
COPY handover handover
COPY connectors connectors
COPY bot bot
RUN pip install --no-cache-dir .
EXPOSE 8080
CMD ["kcc", "serve"]
