#!/usr/bin/env bash
# Build the wheel the way the Dockerfile does, install it into a clean virtualenv and run it
# from an unrelated directory: proves that the packaged knowledge base and the migrations are
# found from an installed wheel (not from the checkout), i.e. that the image's install path works.
#
#   bash scripts/wheel-check.sh          # PYTHON=python3.11 to pick the interpreter for the venv
#
# Needs the project's .venv (for pip) and network access to PyPI (dependencies).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_py="$root/.venv/bin/python"
python="${PYTHON:-python3}"
if [[ ! -x "$build_py" ]]; then
  echo "wheel-check: $build_py not found; run \`make pytest\` (or create .venv) first" >&2
  exit 2
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/omtanke-wheel-check.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
started=$SECONDS
step() { printf '\n==> %s\n' "$*"; }
fail() { echo "wheel-check: FAILED: $*" >&2; exit 1; }

# The same inputs the Dockerfile copies, so setuptools' build/ and egg-info never land in the
# checkout (and a stale build/lib cannot leak deleted files into the wheel).
step "copying build inputs (pyproject.toml README.md bot db knowledge)"
mkdir -p "$tmp/src" "$tmp/work"
tar -C "$root" --exclude='__pycache__' --exclude='*.pyc' -cf - \
  pyproject.toml README.md bot db knowledge | tar -C "$tmp/src" -xf -

step "building the wheel with $build_py -m pip"
"$build_py" -m pip wheel --no-deps --quiet --disable-pip-version-check -w "$tmp/dist" "$tmp/src"
wheels=("$tmp"/dist/omtanke-*.whl)
[[ -f "${wheels[0]}" ]] || fail "no wheel built"
wheel="${wheels[0]}"
echo "$(basename "$wheel")"

step "checking the wheel's contents against the checkout"
"$build_py" - "$wheel" "$root" <<'PY'
import sys, zipfile
from pathlib import Path

names = set(zipfile.ZipFile(sys.argv[1]).namelist())
root = Path(sys.argv[2])
wanted = [p.relative_to(root).as_posix() for p in sorted((root / "knowledge/entries").rglob("*.yaml"))]
wanted += [p.relative_to(root).as_posix() for p in sorted((root / "db/migrations").rglob("*.py"))
           if "__pycache__" not in p.parts]
wanted += ["db/migrations/script.py.mako", "knowledge/entries/schema.json"]
missing = [n for n in wanted if n not in names]
if missing:
    sys.exit(f"missing from the wheel: {missing[:10]} ({len(missing)} files)")
entries = sum(n.startswith("knowledge/entries/") for n in names)
versions = sum(n.startswith("db/migrations/versions/") for n in names)
print(f"{len(names)} files: {entries} knowledge entry files, {versions} migration revisions")
PY

step "installing into a clean virtualenv ($("$python" --version 2>&1)), dependencies from PyPI"
"$python" -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$wheel"

# A clean environment: no token, no secret, no KNOWLEDGE_DIR from the caller's shell.
cd "$tmp/work"
run() {
  env -i PATH="$tmp/venv/bin:/usr/bin:/bin" HOME="$tmp/work" LANG=C.UTF-8 TMPDIR="$tmp" \
    MPLCONFIGDIR="$tmp/mpl" DATABASE_URL="sqlite+aiosqlite:///$tmp/x.db" \
    SPOOL_PATH="$tmp/spool.jsonl" "$tmp/venv/bin/omtanke" "$@"
}

step "omtanke --version"
run --version

step "omtanke db upgrade"
run db upgrade

step "omtanke kb check"
run kb check | tail -n 1

step "omtanke doctor"
status=0
doctor="$(run doctor 2>&1)" || status=$?
echo "$doctor"
[[ $status -eq 0 ]] || fail "omtanke doctor exited $status"
site="$(cd "$tmp/venv/lib" && pwd -P)"
grep -Eq "^ok +knowledge .*\($site/.*/knowledge/entries\)" <<<"$doctor" \
  || fail "the knowledge base was not loaded from the installed wheel"
grep -Eq "^ok +migrations +at head" <<<"$doctor" || fail "migrations are not at head"

step "omtanke ask (packaged entries answer)"
run ask --json --lang en "is temu ok" | cut -c1-160

printf '\nwheel-check: ok (%ss)\n' "$((SECONDS - started))"
