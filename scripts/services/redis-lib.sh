# Shell functions used by scripts/services/redis.sh: logging, ports, processes and
# the private-apt download of a Debian package.
#
# Source this file; it defines functions only (all named redis_lib_*) and changes no
# shell options. Every function writes its messages to stderr, so that a script's
# stdout carries only the value a caller captures (a URL).

# Root of the per-user cache that development services install into.
redis_lib_cache_root() {
    echo "${VUHITRA_DEV_CACHE:-$HOME/.cache/vuhitra-dev}"
}

# Prints a message on stderr, prefixed with the script's name.
redis_lib_log() {
    echo "$(basename "$0"): $*" >&2
}

# Prints an error on stderr and exits with status 1.
redis_lib_die() {
    redis_lib_log "error: $*"
    exit 1
}

# Prints the current time in milliseconds since the epoch.
redis_lib_now_ms() {
    date +%s%3N
}

# Succeeds when something accepts TCP connections on 127.0.0.1:PORT.
redis_lib_port_in_use() {
    local port="$1"
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

# Prints a TCP port on 127.0.0.1 that nothing listens on.
#
# The kernel picks the port (bind to port 0), so two scripts started at once get
# different ports. Another process could still take the port before the server
# binds it; the server then fails to start and the start function reports its log.
redis_lib_free_port() {
    python3 - <<'PY'
import socket
with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1])
PY
}

# Succeeds when process PID exists and is not a zombie. A server started in its own
# session is reparented to PID 1 once its starter exits, and an exited server can
# stay a zombie until PID 1 reaps it, which `kill -0` alone would count as alive.
redis_lib_process_alive() {
    local pid="$1" state
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" || return 1
    [[ -n "$state" && "$state" != "Z" && "$state" != "X" ]]
}

# Succeeds when the process whose id is stored in PIDFILE is alive.
redis_lib_pid_alive() {
    local pidfile="$1"
    [[ -s "$pidfile" ]] && redis_lib_process_alive "$(cat "$pidfile")"
}

# Sends SIGTERM to the process in PIDFILE and waits up to SECONDS for it to exit,
# then sends SIGKILL. Removes the pid file.
redis_lib_stop_pid() {
    local pidfile="$1" seconds="${2:-10}"
    local pid deadline

    if ! redis_lib_pid_alive "$pidfile"; then
        rm -f "$pidfile"
        return 0
    fi

    pid="$(cat "$pidfile")"
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$(($(date +%s) + seconds))
    while redis_lib_process_alive "$pid"; do
        if (($(date +%s) >= deadline)); then
            redis_lib_log "process $pid did not exit within ${seconds}s; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.1
    done
    rm -f "$pidfile"
}

# Downloads one Debian package from apt sources that the machine's own sources do
# not name, and unpacks it (dpkg -x) into DEST.
#
# apt runs with a private sources list, package lists, cache and status file under
# WORKDIR, so the system's apt state is neither read for sources nor written.
# Arguments: WORKDIR DEST PACKAGE SOURCES_LINE...
redis_lib_debian_fetch_extract() {
    local workdir="$1" dest="$2" package="$3"
    shift 3

    mkdir -p "$workdir/lists/partial" "$workdir/cache/archives/partial" "$workdir/sourceparts" "$workdir/debs" "$dest"
    printf '%s\n' "$@" >"$workdir/sources.list"
    : >"$workdir/status"

    # APT::Sandbox::User=root: the private directories belong to the caller, which
    # apt's unprivileged download user (_apt) may not be able to write.
    local apt_opts=(
        -o "Dir::Etc::sourcelist=$workdir/sources.list"
        -o "Dir::Etc::sourceparts=$workdir/sourceparts"
        -o "Dir::State::Lists=$workdir/lists"
        -o "Dir::State::status=$workdir/status"
        -o "Dir::Cache=$workdir/cache"
        -o "APT::Get::List-Cleanup=false"
        -o "APT::Sandbox::User=root"
    )

    redis_lib_log "apt-get update (private lists in $workdir)"
    apt-get "${apt_opts[@]}" -qq update >&2 ||
        redis_lib_die "apt-get update failed for: $*; check that the Debian archive is reachable"

    redis_lib_log "apt-get download $package"
    rm -f "$workdir/debs/${package}"_*.deb
    (cd "$workdir/debs" && apt-get "${apt_opts[@]}" -qq download "$package") >&2 ||
        redis_lib_die "apt-get download $package failed"

    local deb
    deb="$(find "$workdir/debs" -maxdepth 1 -name "${package}_*.deb" | sort | tail -n 1)"
    [[ -n "$deb" ]] || redis_lib_die "apt-get download left no ${package}_*.deb in $workdir/debs"
    dpkg -x "$deb" "$dest" || redis_lib_die "dpkg -x could not unpack $deb"
    redis_lib_log "unpacked $(basename "$deb") into $dest"
}
