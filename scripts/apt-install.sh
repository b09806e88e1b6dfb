# Sourced by scripts/ensure-browser.sh and scripts/ensure-node.sh (not run on its own).
# intyg_apt_install PACKAGE...: installs Debian packages quietly, as root or through
# passwordless sudo; returns non-zero when it cannot.

intyg_apt_install() {
    local apt=(apt-get install -y -qq --no-install-recommends "$@")
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || return 1
        apt=(sudo -n "${apt[@]}")
    fi
    # The package lists may be stale or missing: update only when the install fails first.
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" >/dev/null 2>&1 && return 0
    local update=(apt-get update -qq)
    [ "$(id -u)" != 0 ] && update=(sudo -n "${update[@]}")
    "${update[@]}" >/dev/null && DEBIAN_FRONTEND=noninteractive "${apt[@]}" >/dev/null
}
