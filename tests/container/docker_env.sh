#!/usr/bin/env bash
# Local Docker engine for the container tests (tests/container/test_container.py) and for developers.
#
#   bash tests/container/docker_env.sh start   # install if missing, start dockerd, build base image
#   bash tests/container/docker_env.sh env     # print `export DOCKER_HOST=...` (eval "$(... env)")
#   bash tests/container/docker_env.sh status  # exit 0 when our dockerd answers
#   bash tests/container/docker_env.sh stop    # kill our dockerd by PID, unmount its netns
#   source tests/container/docker_env.sh start # same as start, and exports DOCKER_HOST here
#
# Idempotent: every phase is skipped when its result already exists (packages installed,
# dockerd answering on our socket, `python:3.12-slim` present in the engine, rootfs tarball
# cached). Needs root on Debian 12. No container registry is contacted: the base image the
# Dockerfile's FROM names is a debootstrapped bookworm imported under that name
# (see docs/testing.md, "The container suite").
#
# Environment:
#   REGISTRY_ACTION_DOCKER_DIR   work dir for dockerd state, socket, logs, rootfs cache
#                                (default /tmp/registry-action-docker)
#   REGISTRY_ACTION_BASE_IMAGE   image name to provide (default: the Dockerfile's FROM,
#                                else python:3.12-slim)
#   REGISTRY_ACTION_DEBIAN_MIRROR  debootstrap mirror (default http://deb.debian.org/debian)
#   REGISTRY_ACTION_DOCKERD_TIMEOUT  seconds to wait for `docker info` (default 60)

# Work in a function so that `source` does not leak `set -e` or helper variables.
_ra_docker_env_main() {
    local action="${1:-start}"
    local W="${REGISTRY_ACTION_DOCKER_DIR:-/tmp/registry-action-docker}"
    local here repo_root
    here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
    repo_root="$(cd "$here/../.." && pwd)"
    local sock="$W/docker.sock"
    local pidfile="$W/dockerd.pid"
    local mirror="${REGISTRY_ACTION_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
    local timeout="${REGISTRY_ACTION_DOCKERD_TIMEOUT:-60}"
    local base_image="${REGISTRY_ACTION_BASE_IMAGE:-}"
    if [ -z "$base_image" ]; then
        base_image="$(awk 'toupper($1)=="FROM"{print $2; exit}' "$repo_root/Dockerfile" 2>/dev/null)"
        base_image="${base_image:-python:3.12-slim}"
    fi

    _ra_log() { printf '[docker_env] %s\n' "$*" >&2; }
    _ra_now() { date +%s.%N; }
    _ra_took() { awk -v a="$1" -v b="$(_ra_now)" 'BEGIN{printf "%.1f", b-a}'; }
    _ra_timing() { printf '[docker_env] timing %-10s %6ss  %s\n' "$1" "$2" "${3:-}" >&2; }

    _ra_alive() {  # our dockerd answers on our socket
        [ -S "$sock" ] && DOCKER_HOST="unix://$sock" docker info >/dev/null 2>&1
    }

    _ra_pid() {
        if [ -f "$pidfile" ]; then cat "$pidfile" 2>/dev/null || true; fi
    }

    _ra_apt_updated=0
    _ra_apt_install() {  # packages...; apt-get update at most once per invocation
        if [ "$(id -u)" != 0 ]; then
            _ra_log "need root to apt-get install $*"; return 1
        fi
        if [ "$_ra_apt_updated" = 0 ]; then
            apt-get update -qq || return 1
            _ra_apt_updated=1
        fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null || return 1
    }

    _ra_install() {  # docker.io (dockerd, containerd, runc) and debootstrap, only if missing
        local t0 missing=()
        t0="$(_ra_now)"
        command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
        command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
        if [ "${#missing[@]}" -eq 0 ]; then
            _ra_timing apt "$(_ra_took "$t0")" "(already installed)"
            return 0
        fi
        _ra_log "installing ${missing[*]}"
        _ra_apt_install "${missing[@]}" || { _ra_log "apt-get install ${missing[*]} failed"; return 1; }
        command -v docker >/dev/null 2>&1 || { _ra_log "no docker CLI after install"; return 1; }
        _ra_timing apt "$(_ra_took "$t0")" "(installed ${missing[*]})"
    }

    _ra_start_dockerd() {
        local t0 pid i
        t0="$(_ra_now)"
        if _ra_alive; then
            _ra_timing dockerd "$(_ra_took "$t0")" "(already running, pid $(_ra_pid))"
            return 0
        fi
        pid="$(_ra_pid)"
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
            _ra_log "dockerd pid $pid exists but does not answer yet; waiting"
        else
            mkdir -p "$W/docker-data" "$W/docker-exec"
            rm -f "$pidfile" "$sock"
            # setsid: its own session, so ^C in the caller's terminal does not reach it.
            # REGISTRY_ACTION_DOCKERD_ARGS: extra flags, word-split on purpose.
            # shellcheck disable=SC2086
            setsid dockerd \
                --data-root "$W/docker-data" \
                --exec-root "$W/docker-exec" \
                -H "unix://$sock" \
                --pidfile "$pidfile" \
                ${REGISTRY_ACTION_DOCKERD_ARGS:-} \
                >"$W/dockerd.log" 2>&1 </dev/null &
            pid=$!
            echo "$pid" >"$W/dockerd.launcher.pid"
        fi
        for ((i = 0; i < timeout * 10; i++)); do
            _ra_alive && break
            if ! kill -0 "$pid" 2>/dev/null; then
                _ra_log "dockerd exited; last lines of $W/dockerd.log:"
                tail -n 30 "$W/dockerd.log" >&2
                return 1
            fi
            sleep 0.1
        done
        if ! _ra_alive; then
            _ra_log "dockerd did not answer within ${timeout}s; see $W/dockerd.log"
            return 1
        fi
        _ra_timing dockerd "$(_ra_took "$t0")" "(started, pid $(_ra_pid))"
    }

    _ra_ca_sum() { sha256sum /etc/ssl/certs/ca-certificates.crt 2>/dev/null | cut -d' ' -f1; }

    _ra_build_rootfs() {  # debootstrap a bookworm with python3 and pip into a cached tarball
        local tarball="$1" R
        R="$W/rootfs.tmp"
        rm -rf "$R"
        mkdir -p "$R"
        command -v debootstrap >/dev/null 2>&1 || _ra_apt_install debootstrap || return 1
        debootstrap --variant=minbase --include=python3,python3-pip,ca-certificates \
            bookworm "$R" "$mirror" >"$W/debootstrap.log" 2>&1 || {
            _ra_log "debootstrap failed; last lines of $W/debootstrap.log:"
            tail -n 30 "$W/debootstrap.log" >&2
            return 1
        }
        # Make it look like python:*-slim: no PEP 668 marker, `python`/`pip` on PATH.
        rm -f "$R"/usr/lib/python3*/EXTERNALLY-MANAGED
        ln -sf python3 "$R/usr/bin/python"
        mkdir -p "$R/usr/local/bin"
        for b in python python3; do ln -sf /usr/bin/python3 "$R/usr/local/bin/$b"; done
        for b in pip pip3; do ln -sf /usr/bin/pip3 "$R/usr/local/bin/$b"; done
        # REQUIRED: outgoing HTTPS goes through an intercepting proxy whose CA only the
        # host's bundle has; without it `pip install` in the build fails certificate checks.
        cp /etc/ssl/certs/ca-certificates.crt "$R/etc/ssl/certs/ca-certificates.crt"
        rm -rf "$R"/var/cache/apt/archives/*.deb "$R"/var/lib/apt/lists/*
        tar --numeric-owner -C "$R" -cf "$tarball.tmp" . || return 1
        mv "$tarball.tmp" "$tarball"
        _ra_ca_sum >"$tarball.ca.sha256"
        rm -rf "$R"
    }

    _ra_refresh_ca() {  # the host CA bundle changed since the tarball was made: patch it in
        local tarball="$1" R="$W/rootfs.tmp"
        rm -rf "$R"; mkdir -p "$R"
        tar --numeric-owner -C "$R" -xf "$tarball" || return 1
        cp /etc/ssl/certs/ca-certificates.crt "$R/etc/ssl/certs/ca-certificates.crt"
        tar --numeric-owner -C "$R" -cf "$tarball.tmp" . || return 1
        mv "$tarball.tmp" "$tarball"
        _ra_ca_sum >"$tarball.ca.sha256"
        rm -rf "$R"
    }

    _ra_base_image() {
        local t0 tarball how
        t0="$(_ra_now)"
        export DOCKER_HOST="unix://$sock"
        if docker image inspect "$base_image" >/dev/null 2>&1; then
            _ra_timing base-image "$(_ra_took "$t0")" "($base_image already in the engine)"
            return 0
        fi
        tarball="$W/rootfs-bookworm-python3.tar"
        if [ -s "$tarball" ]; then
            how="from cached $tarball"
            if [ "$(cat "$tarball.ca.sha256" 2>/dev/null)" != "$(_ra_ca_sum)" ]; then
                _ra_log "host CA bundle changed; refreshing it in the cached rootfs"
                _ra_refresh_ca "$tarball" || return 1
                how="$how, CA refreshed"
            fi
        else
            _ra_log "debootstrapping bookworm for $base_image (about 45 s)"
            _ra_build_rootfs "$tarball" || return 1
            _ra_timing debootstrap "$(_ra_took "$t0")"
            how="debootstrapped"
        fi
        local t1
        t1="$(_ra_now)"
        docker import \
            --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
            --change 'ENV LANG=C.UTF-8' \
            --change 'CMD ["python3"]' \
            "$tarball" "$base_image" >/dev/null || return 1
        _ra_timing import "$(_ra_took "$t1")" "($base_image $how)"
        _ra_timing base-image "$(_ra_took "$t0")"
    }

    _ra_stop() {
        local pid i
        pid="$(_ra_pid)"
        [ -n "$pid" ] || pid="$(cat "$W/dockerd.launcher.pid" 2>/dev/null || true)"
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid"
            for ((i = 0; i < 150; i++)); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            if kill -0 "$pid" 2>/dev/null; then
                _ra_log "dockerd $pid still running after 15s; SIGKILL"
                kill -KILL "$pid" 2>/dev/null
            fi
            _ra_log "stopped dockerd (pid $pid)"
        else
            _ra_log "no dockerd running for $W"
        fi
        umount "$W/docker-exec/netns/default" 2>/dev/null || true
        rm -f "$pidfile" "$W/dockerd.launcher.pid" "$sock"
        return 0
    }

    local rc=0 t_all
    case "$action" in
        start)
            t_all="$(_ra_now)"
            mkdir -p "$W"
            _ra_install && _ra_start_dockerd && _ra_base_image || rc=$?
            if [ "$rc" = 0 ]; then
                export DOCKER_HOST="unix://$sock"
                _ra_timing total "$(_ra_took "$t_all")"
                echo "DOCKER_HOST=unix://$sock"
            fi
            ;;
        env)
            echo "export DOCKER_HOST=unix://$sock"
            ;;
        status)
            if _ra_alive; then echo "DOCKER_HOST=unix://$sock (pid $(_ra_pid))"; else rc=1; fi
            ;;
        stop)
            _ra_stop
            ;;
        *)
            echo "usage: docker_env.sh start|stop|env|status" >&2
            rc=2
            ;;
    esac
    unset -f _ra_log _ra_now _ra_took _ra_timing _ra_alive _ra_pid _ra_apt_install _ra_install \
        _ra_start_dockerd _ra_ca_sum _ra_build_rootfs _ra_refresh_ca _ra_base_image _ra_stop
    unset _ra_apt_updated
    return "$rc"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    _ra_docker_env_main "$@"
    exit $?
else
    # Sourced: positional parameters are this file's own (`source docker_env.sh start`).
    _ra_docker_env_main "$@"
    set -- "$?"
    unset -f _ra_docker_env_main
    return "$1"
fi
