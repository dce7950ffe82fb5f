# A small image that runs the gateway, and only the gateway: gateway/ and adapters/, never the
# simulators. Mount a config at /etc/job-gateway/config.toml (or point JOB_GATEWAY_CONFIG
# elsewhere) and pass credentials by environment; arguments after the image name (such as
# --port 9000 or --log-format text) are added to `serve` and keep the config.
# Logs are JSON lines on stderr; traces go over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
# `docker stop` sends SIGTERM: in-flight work gets [gateway] shutdown_timeout_s (10 s), so give
# docker stop a longer --time than that (its default is 10 s).
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY gateway ./gateway
COPY adapters ./adapters
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
RUN useradd --system --uid 10001 gateway
COPY --from=build /install /usr/local
USER gateway
WORKDIR /tmp
ENV JOB_GATEWAY_CONFIG=/etc/job-gateway/config.toml \
    PYTHONUNBUFFERED=1
EXPOSE 8000
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
ENTRYPOINT ["job-gateway", "serve", "--host", "0.0.0.0", "--port", "8000", "--log-format", "json"]
