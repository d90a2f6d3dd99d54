# Rasa Open Source 3.6 on Python 3.10, with the model trained at build time.
FROM python:3.10-slim
WORKDIR /app
ENV RASA_TELEMETRY_ENABLED=false PIP_DISABLE_PIP_VERSION_CHECK=1
COPY bot/constraints.txt /tmp/constraints.txt
RUN pip install --no-cache-dir -c /tmp/constraints.txt rasa==3.6.21
COPY bot/config.yml bot/config.yml
COPY bot/domain bot/domain
COPY bot/data bot/data
RUN rasa train --config bot/config.yml --domain bot/domain --data bot/data --out models --fixed-model-name kcc
COPY docker/endpoints.yml endpoints.yml
EXPOSE 5005
CMD ["rasa", "run", "--enable-api", "-i", "0.0.0.0", "-p", "5005", "--model", "models/kcc.tar.gz", "--endpoints", "endpoints.yml"]
