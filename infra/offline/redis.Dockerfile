# Redis from Debian's package, standing in for redis:7.4-alpine where Docker Hub is out of reach
# (docker-compose.offline.yml). Debian bookworm ships Redis 7.0; BullMQ needs 6.2 or later.
ARG DEBIAN_IMAGE=debian:bookworm-slim
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data \
 && chown redis:redis /data
# Like the official image run without a config file: protected mode off, so that the other
# containers may connect (only the compose network reaches it; it is never published).
RUN printf '%s\n' '#!/bin/sh' 'if [ "$1" = redis-server ]; then shift; set -- redis-server --protected-mode no "$@"; fi' 'exec "$@"' \
      >/usr/local/bin/redis-entrypoint \
 && chmod 755 /usr/local/bin/redis-entrypoint
WORKDIR /data
USER redis
EXPOSE 6379
HEALTHCHECK --interval=5s --timeout=3s --retries=10 CMD ["redis-cli", "ping"]
ENTRYPOINT ["redis-entrypoint"]
CMD ["redis-server"]
