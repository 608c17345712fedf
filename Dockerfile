# pmagg in a container: a first cut (the service issue adds the daemon, health check and more).
#
#   docker build -t pmagg .
#   docker run --rm -v pmagg-data:/data pmagg sync

# --- build -------------------------------------------------------------------------------
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# Dependencies first, in their own layer: it is rebuilt only when Cargo.toml or Cargo.lock change.
COPY Cargo.toml Cargo.lock ./
RUN mkdir src && echo 'fn main() {}' > src/main.rs && echo '' > src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src
COPY migrations ./migrations
COPY src ./src
RUN touch src/main.rs src/lib.rs && cargo build --release --locked --bin pmagg

# --- run ---------------------------------------------------------------------------------
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates tzdata git \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin pmagg
COPY --from=build /src/target/release/pmagg /usr/local/bin/pmagg
COPY sources.toml /etc/pmagg/sources.toml
ENV PMAGG_CONFIG=/etc/pmagg/sources.toml \
    PMAGG_DB=/data/pmagg.db
WORKDIR /data
VOLUME /data
USER pmagg
ENTRYPOINT ["pmagg"]
CMD ["sync"]
