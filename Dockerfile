# syntax=docker/dockerfile:1
# Multi-stage build of the producer and consumer binaries.
#   docker build --target producer -t trends-producer .
#   docker build --target consumer -t trends-consumer .
# docker-compose.yml builds both targets.

FROM rust:1.95-bookworm AS builder
# The image already has make, gcc and g++, which build the bundled librdkafka.
WORKDIR /src
COPY . .
# Cache mounts keep the crates.io downloads and compiled dependencies between builds, so a code change
# only recompiles the workspace crates. Binaries are copied out because cache mounts are not in the image.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p producer -p consumer \
    && mkdir -p /out/config \
    && cp target/release/producer target/release/consumer /out/ \
    && if [ -d config ]; then cp -r config/. /out/config/; fi

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin trends
WORKDIR /app
COPY --from=builder /out/config/ /app/config/
COPY --from=builder /out/producer /out/consumer /usr/local/bin/
USER trends
ENV RUST_LOG=info

FROM runtime AS producer
ENTRYPOINT ["/usr/local/bin/producer"]

FROM runtime AS consumer
ENTRYPOINT ["/usr/local/bin/consumer"]
