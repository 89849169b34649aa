# Shell helpers of llama.sh. Source it; it defines functions only.

# Prints the cache root for development services.
llama_lib_cache_root() {
    echo "${VUHITRA_DEV_CACHE:-$HOME/.cache/vuhitra-dev}"
}

# Prints a timestamped message on stderr.
llama_lib_log() {
    printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

# Prints an error on stderr and exits with status 1.
llama_lib_die() {
    llama_lib_log "error: $*"
    exit 1
}

# Prints the current time in milliseconds since the epoch.
llama_lib_now_ms() {
    date +%s%3N
}

# Succeeds when PIDFILE exists and names a live process.
llama_lib_pid_alive() {
    local pidfile="$1" pid
    [[ -s "$pidfile" ]] || return 1
    pid="$(cat "$pidfile")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null
}

# Prints a TCP port on 127.0.0.1 that is free at the time of the call.
llama_lib_free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# Succeeds when something listens on 127.0.0.1:PORT.
llama_lib_port_in_use() {
    local port="$1"
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

# Sends SIGTERM to the process in PIDFILE, waits up to TIMEOUT seconds for it to
# exit, then sends SIGKILL. Removes PIDFILE.
llama_lib_stop_pid() {
    local pidfile="$1" timeout="$2" pid deadline
    pid="$(cat "$pidfile")"
    kill "$pid" 2>/dev/null || true

    deadline=$(($(date +%s) + timeout))
    while kill -0 "$pid" 2>/dev/null; do
        if (($(date +%s) >= deadline)); then
            llama_lib_log "process $pid did not exit within $timeout s after SIGTERM; sending SIGKILL"
            kill -9 "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.1
    done
    rm -f "$pidfile"
}
