# Sourced by ./run-tests and .ci/run (not run on its own).
# The interop tests (tests/interop) drive independent npm implementations under Debian's Node,
# and the eID tests sign in at a real OpenID Connect provider (tests/oidc_provider, npm
# oidc-provider): install the `nodejs` and `npm` packages when `node` is missing, then `npm ci`
# the pinned packages into each folder's node_modules whenever its package-lock.json has changed
# since the last install (a stamp, as scripts/ensure-venv.sh does for pyproject.toml). A failure
# leaves a warning; those tests then fail (they are never skipped) with a message naming this
# script.

intyg_tests="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests"

source "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "== installing Debian's nodejs and npm for the interop tests (apt-get)" >&2
    intyg_apt_install nodejs npm || true
fi

if command -v node >/dev/null && command -v npm >/dev/null; then
    for intyg_folder in "$intyg_tests/interop" "$intyg_tests/oidc_provider"; do
        intyg_stamp="$intyg_folder/node_modules/.intyg-install-stamp"
        intyg_want="$(sha256sum "$intyg_folder/package-lock.json" | cut -d' ' -f1)"
        if [ ! -f "$intyg_stamp" ] || [ "$(cat "$intyg_stamp")" != "$intyg_want" ]; then
            echo "== installing the npm packages of $intyg_folder (npm ci, package-lock.json)" >&2
            # --ignore-scripts: nothing from the registry runs at install time (cbor-x, under
            # @sd-jwt, falls back to plain JavaScript without its optional native build).
            if (cd "$intyg_folder" && npm ci --ignore-scripts --no-audit --no-fund \
                --loglevel=error >/dev/null); then
                echo "$intyg_want" > "$intyg_stamp"
            else
                echo "!! npm ci failed in $intyg_folder: the tests that need it will fail" >&2
            fi
        fi
    done
    unset intyg_folder intyg_stamp intyg_want
else
    echo "!! could not install nodejs and npm: the interop and eID tests will fail;" \
        "install Debian's nodejs and npm packages (scripts/ensure-node.sh)" >&2
fi
unset intyg_tests
