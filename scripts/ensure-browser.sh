# Sourced by ./run-tests and scripts/screenshots.py's callers (not run on its own).
# The browser tests and the screenshots drive Debian's Chromium (never a browser build that a
# tool downloads): install the `chromium` package when it is missing, and export its path as
# INTYG_CHROMIUM. An install that fails leaves a warning; the browser tests then fail (they
# are never skipped) with a message that names this script.

: "${INTYG_CHROMIUM:=/usr/bin/chromium}"
export INTYG_CHROMIUM

intyg_install_chromium() {
    # Fonts too (only recommended by the package): pages and screenshots need real glyphs.
    local apt=(apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core
        fonts-liberation)
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

if [ ! -x "$INTYG_CHROMIUM" ]; then
    echo "== installing Debian's chromium for the browser tests (apt-get)" >&2
    if ! intyg_install_chromium || [ ! -x "$INTYG_CHROMIUM" ]; then
        echo "!! could not install chromium: the browser tests will fail;" \
            "install Debian's chromium package (or set INTYG_CHROMIUM to a Chromium binary)" >&2
    fi
fi
unset -f intyg_install_chromium
