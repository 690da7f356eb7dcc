# An OTLP/HTTP trace receiver standing in for the OpenTelemetry collector where Docker Hub is out
# of reach (docker-compose.offline.yml): the fake collector of the telemetry package's tests,
# listening on the collector's port, printing one line per batch and answering GET /spans.
# Build from the repository root:  docker build -f infra/offline/otlp-receiver.Dockerfile .
ARG NODE_IMAGE=node:24-bookworm-slim
FROM ${NODE_IMAGE}
WORKDIR /app
COPY package.json ./
COPY packages/telemetry/src/testing.ts packages/telemetry/src/
COPY infra/offline/otlp-receiver.ts infra/offline/
USER node
EXPOSE 4318
HEALTHCHECK --interval=5s --timeout=3s --retries=10 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:4318/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]
CMD ["node", "infra/offline/otlp-receiver.ts"]
