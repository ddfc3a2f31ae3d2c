# syntax=docker/dockerfile:1
# The chatbot as a container: gunicorn on port 8000, non-root, prebuilt index baked in.
#
#   docker build -t chatbot .                                  # python:3.12-slim base
#   docker build --build-arg PYTHON_BASE=python:3.11-slim -t chatbot .
#   docker run -p 8000:8000 -v ./clinic.toml:/config/clinic.toml:ro \
#       -e CHATBOT_CONFIG=/config/clinic.toml chatbot
#
# Without a Docker engine: scripts/build-image.sh (buildah, on a local Debian base).
# PYTHON_BASE must be a slim image with python3 (and its venv module) on PATH; both
# stages use it, so the virtual environment copied across points at the same python3.
ARG PYTHON_BASE=python:3.12-slim

# ---- build stage: install the package into a venv and build the index -----------------
FROM ${PYTHON_BASE} AS build
# Optional: a CA bundle for pip behind a TLS-inspecting proxy (scripts/build-image.sh mounts one).
ARG PIP_CERT
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml README.md CHANGELOG.md ./
COPY chatbot ./chatbot
COPY corpus ./corpus
COPY web ./web
RUN python3 -m venv /opt/chatbot \
 && /opt/chatbot/bin/pip install --no-compile ".[redis,gevent]" \
 && /opt/chatbot/bin/pip uninstall -y -q pip setuptools
# Bake the prebuilt index of the bundled corpus into the image (readable by the runtime
# user, owned by root so it cannot be changed); `chatbot index` also refuses (exit 1) a
# corpus with a bad file, so a broken document fails the build.
ENV CHATBOT_INDEX_CACHE=/opt/chatbot/index
RUN /opt/chatbot/bin/chatbot index > /opt/chatbot/index-report.txt \
 && chmod -R a+rX /opt/chatbot/index \
 && /opt/chatbot/bin/python -m compileall -q /opt/chatbot/lib

# ---- final stage: the runtime only (no pip, no compilers, no source tree) -------------
FROM ${PYTHON_BASE}
LABEL org.opencontainers.image.title="chatbot" \
      org.opencontainers.image.description="Answers patients' questions about hemifacial spasm and MVD from a clinic's documents"
RUN useradd --system --uid 10001 --user-group --home-dir /home/chatbot --create-home --shell /usr/sbin/nologin chatbot
COPY --from=build /opt/chatbot /opt/chatbot
ENV PATH=/opt/chatbot/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CHATBOT_HOST=0.0.0.0 \
    CHATBOT_PORT=8000 \
    CHATBOT_INDEX_CACHE=/opt/chatbot/index
# Run time: CHATBOT_CONFIG=/config/clinic.toml (the clinic profile, mounted read-only) and,
# optionally, CHATBOT_CORPUS=/corpus (a volume of the clinic's own documents; its index is
# then built at start-up). Every other setting: CHATBOT_<KEY>, e.g. CHATBOT_RATE_LIMIT_STORAGE.
USER chatbot
WORKDIR /home/chatbot
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python3", "-c", "import os, sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:%s/api/health' % os.environ.get('CHATBOT_PORT', '8000'), timeout=4); sys.exit(0 if r.status == 200 else 1)"]
ENTRYPOINT ["chatbot"]
CMD ["serve", "--host", "0.0.0.0"]
