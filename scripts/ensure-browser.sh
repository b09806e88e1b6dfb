# Sourced by ./run-tests and scripts/screenshots.py's callers (not run on its own).
# The browser tests and the screenshots drive Debian's Chromium (never a browser build that a
# tool downloads): install the `chromium` package when it is missing, and export its path as
# INTYG_CHROMIUM. An install that fails leaves a warning; the browser tests then fail (they
# are never skipped) with a message that names this script.

: "${INTYG_CHROMIUM:=/usr/bin/chromium}"
export INTYG_CHROMIUM

source "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh"

if [ ! -x "$INTYG_CHROMIUM" ]; then
    echo "== installing Debian's chromium for the browser tests (apt-get)" >&2
    # Fonts too (only recommended by the package): pages and screenshots need real glyphs.
    if ! intyg_apt_install chromium fonts-dejavu-core fonts-liberation \
        || [ ! -x "$INTYG_CHROMIUM" ]; then
        echo "!! could not install chromium: the browser tests will fail;" \
            "install Debian's chromium package (or set INTYG_CHROMIUM to a Chromium binary)" >&2
    fi
fi
