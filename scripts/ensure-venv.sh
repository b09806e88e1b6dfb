# Sourced by ./run-tests and ./run-demo (not run on its own).
# Creates .venv when missing and installs Intyg into it (editable, with the test extras)
# whenever pyproject.toml has changed since the last install.

intyg_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
intyg_venv="$intyg_root/.venv"
intyg_stamp="$intyg_venv/.intyg-install-stamp"

if [ ! -x "$intyg_venv/bin/python" ]; then
    echo "== creating $intyg_venv" >&2
    python3 -m venv "$intyg_venv"
fi

intyg_want="$(sha256sum "$intyg_root/pyproject.toml" | cut -d' ' -f1)"
if [ ! -x "$intyg_venv/bin/intyg" ] || [ ! -f "$intyg_stamp" ] \
    || [ "$(cat "$intyg_stamp")" != "$intyg_want" ]; then
    echo "== installing Intyg into $intyg_venv (pyproject.toml changed)" >&2
    "$intyg_venv/bin/python" -m pip install -q -e "$intyg_root[test]"
    echo "$intyg_want" > "$intyg_stamp"
fi
unset intyg_want
