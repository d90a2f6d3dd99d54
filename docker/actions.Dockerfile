# The rasa-sdk action server: runs in the hub's environment (actions use knowledge/ and hub/).
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
EXPOSE 5055
CMD ["python", "-m", "rasa_sdk", "--actions", "bot.actions", "--port", "5055"]
