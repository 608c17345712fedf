# pmagg as a service: `pmagg daemon`, with /healthz, /metrics and /feed.xml on port 9187.
#
#   docker build -t pmagg .
#   docker run -d --name pmagg -v pmagg-data:/data -p 127.0.0.1:9187:9187 \
#       -v "$PWD/sources.toml:/etc/pmagg/sources.toml:ro" pmagg
#   docker exec pmagg pmagg sources        # each source's health
#   docker exec pmagg pmagg sync           # a pass by hand, beside the daemon
#   docker stop -t 30 pmagg                # SIGTERM: the running pass may finish (25 s)
#
# The database is /data/pmagg.db on the volume; the config is /etc/pmagg/sources.toml (the
# shipped example unless you mount your own). See "Running as a service" in README.md.

# --- build -------------------------------------------------------------------------------
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# Dependencies first, in their own layer: it is rebuilt only when Cargo.toml or Cargo.lock
# change, not on every source edit. Cargo reads the manifest's [[bench]] targets even when it
# builds only the binary, so their files must be here too.
COPY Cargo.toml Cargo.lock ./
COPY benches ./benches
RUN mkdir src && echo 'fn main() {}' > src/main.rs && echo '' > src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src
COPY migrations ./migrations
COPY src ./src
# COPY keeps the files' old modification times: touch them so cargo rebuilds the crate itself.
RUN touch src/main.rs src/lib.rs && cargo build --release --locked --bin pmagg

# --- run ---------------------------------------------------------------------------------
FROM debian:bookworm-slim
# ca-certificates for HTTPS, tzdata for TZ, git for publishing the curated list, curl for the
# health check.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        ca-certificates tzdata git curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin pmagg \
    && mkdir -p /data \
    && chown pmagg:pmagg /data
COPY --from=build /src/target/release/pmagg /usr/local/bin/pmagg
COPY sources.toml /etc/pmagg/sources.toml
ENV PMAGG_CONFIG=/etc/pmagg/sources.toml \
    PMAGG_DB=/data/pmagg.db \
    PMAGG_LISTEN=0.0.0.0:9187
WORKDIR /data
VOLUME /data
EXPOSE 9187
# By number, so that orchestrators can check it is not root without reading /etc/passwd.
USER 10001:10001
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD curl -fsS http://127.0.0.1:9187/healthz || exit 1
CMD ["pmagg", "daemon"]
