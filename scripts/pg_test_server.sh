#!/usr/bin/env bash
# A private, throw-away PostgreSQL server on 127.0.0.1 for the tests of
# `procc serve --store postgres://…` (tests/serve_postgres.rs). Used by .ci/run and by
# developers:
#
#   eval "$(scripts/pg_test_server.sh start DIR)"   # prints `export PROCC_TEST_POSTGRES_URL=…`
#   cargo test --test serve_postgres
#   scripts/pg_test_server.sh stop DIR
#
# or, in one go (the server is stopped when COMMAND ends, however it ends):
#
#   scripts/pg_test_server.sh run COMMAND...
#
# DIR must not exist yet (or be empty); it receives the cluster, its socket and its log.
# PostgreSQL comes from Debian's packages, installed when missing. PostgreSQL refuses to
# run as root, so under root the cluster belongs to the `postgres` user the package
# creates. Authentication is `trust` and the server listens on 127.0.0.1 only.
set -euo pipefail

die() {
    echo "pg_test_server: $*" >&2
    exit 1
}

bindir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; then
        return 1
    fi
    echo "$dir"
}

install_postgres() {
    if bindir >/dev/null; then
        return
    fi
    echo "pg_test_server: installing PostgreSQL from Debian's packages" >&2
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || die "PostgreSQL is missing and sudo is not available"
        sudo=(sudo)
    fi
    "${sudo[@]}" apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q postgresql >&2
    bindir >/dev/null || die "apt-get installed no initdb under /usr/lib/postgresql"
}

# Runs a PostgreSQL program as the cluster's owner.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

port_is_free() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start() {
    local dir=$1
    install_postgres
    local bin
    bin=$(bindir)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || die "no postgres user to own the cluster"
        chown postgres: "$dir"
    fi
    chmod 700 "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U procc --auth=trust -E UTF8 --no-instructions \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    local attempt port
    for attempt in $(seq 1 20); do
        port=$((20000 + RANDOM % 40000))
        port_is_free "$port" || continue
        if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
            -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300" \
            start >/dev/null 2>&1; then
            echo "$port" >"$dir/port"
            as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U procc procc_test
            echo "export PROCC_TEST_POSTGRES_URL=postgres://procc@127.0.0.1:$port/procc_test"
            return
        fi
        echo "pg_test_server: could not start on port $port (attempt $attempt)" >&2
    done
    cat "$dir/server.log" >&2 || true
    die "the server did not start"
}

stop() {
    local dir=$1
    [ -d "$dir/data" ] || return 0
    local bin
    bin=$(bindir) || return 0
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}

run() {
    # Global: the EXIT trap runs after this function has returned.
    PG_TEST_DIR=$(mktemp -d)
    # The server is stopped however the command ends (failure, ctrl-c).
    trap 'stop "$PG_TEST_DIR"' EXIT
    eval "$(start "$PG_TEST_DIR")"
    "$@"
}

case "${1:-}" in
start) [ $# -eq 2 ] || die "usage: $0 start DIR"; start "$2" ;;
stop) [ $# -eq 2 ] || die "usage: $0 stop DIR"; stop "$2" ;;
run) [ $# -ge 2 ] || die "usage: $0 run COMMAND..."; shift; run "$@" ;;
*) die "usage: $0 start DIR | stop DIR | run COMMAND..." ;;
esac
