# The five upstream simulators, for compose.yaml's demo: `job-gateway simulate` needs the gateway's
# CLI and the simulators distribution. Never the product image (that is the root Dockerfile).
FROM python:3.11-slim
WORKDIR /src
COPY pyproject.toml README.md ./
COPY gateway ./gateway
COPY adapters ./adapters
COPY simulators ./simulators
RUN pip install --no-cache-dir . ./simulators
EXPOSE 8100
ENTRYPOINT ["job-gateway", "simulate"]
