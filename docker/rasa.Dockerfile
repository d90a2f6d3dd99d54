# syntax=docker/dockerfile:1
# Rasa Open Source 3.6 on Python 3.10, the model trained in the build from bot/ (config,
# domain, data: the same files `kcc bot train` reads), and docker/endpoints.yml: the action
# server, a MongoDB tracker store on the hub's replica set and a Redis lock store, so any
# number of Rasa replicas share conversations and a restart forgets none.
#
#   docker build -f docker/rasa.Dockerfile .        # build context: the repository root
#
# To serve a model trained elsewhere instead, mount it over /app/models/kcc.tar.gz.
FROM python:3.10-slim
ENV PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1
RUN groupadd --system --gid 10001 rasa \
 && useradd --system --uid 10001 --gid rasa --home-dir /app --create-home --shell /usr/sbin/nologin rasa
WORKDIR /app
COPY bot/constraints.txt /tmp/constraints.txt
COPY bot/requirements-nlu.txt /tmp/requirements-nlu.txt
RUN pip install -c /tmp/constraints.txt rasa==3.6.21 -r /tmp/requirements-nlu.txt && rm /tmp/constraints.txt /tmp/requirements-nlu.txt
COPY --chown=rasa:rasa bot/config.yml bot/config.yml
# The custom sentence-encoder featurizer the pipeline names (bot.components...); Rasa imports
# it from the working directory at training and at run time.
COPY --chown=rasa:rasa bot/__init__.py bot/__init__.py
COPY --chown=rasa:rasa bot/components bot/components
COPY --chown=rasa:rasa bot/domain bot/domain
COPY --chown=rasa:rasa bot/data bot/data
USER rasa:rasa
RUN rasa train --config bot/config.yml --domain bot/domain --data bot/data --out models --fixed-model-name kcc \
 && rm -rf .rasa
COPY --chown=rasa:rasa docker/endpoints.yml endpoints.yml
EXPOSE 5005
# Healthy once the model is loaded (/status names it), as the hub's launcher waits for.
HEALTHCHECK --interval=15s --timeout=5s --start-period=180s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request as u; sys.exit(b'model_file' not in u.urlopen('http://127.0.0.1:5005/status', timeout=4).read())"]
CMD ["rasa", "run", "--enable-api", "-i", "0.0.0.0", "-p", "5005", "--model", "models/kcc.tar.gz", "--endpoints", "endpoints.yml"]
