#!/usr/bin/env bash
# Rebuild leaderboard/leaderboard.json: rescore the models of the committed leaderboard on its
# benchmarks from this checkout and merge the fresh records into the file (a new leaderboard
# version with a changelog entry when a score changed; published versions stay as they are).
#
# usage: from a clean checkout installed in the active environment (pip install -e .), so every
# record holds the checkout's git commit:
#   bash leaderboard/rebuild.sh [--allow-dirty]
# $PYTHON (default: python) is the interpreter. The records land in leaderboard/.records/ (not
# committed); the table is printed at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$root"
if [ "${1:-}" != "--allow-dirty" ] && [ -n "$(git status --porcelain --untracked-files=no -- . ':!leaderboard/leaderboard.json')" ]; then
    echo "rebuild.sh: tracked files are modified; commit first so the records name a commit" \
         "(or pass --allow-dirty: records then say <commit>+dirty)" >&2
    exit 1
fi
py=${PYTHON:-python}
# Run from / so the interpreter imports the installed package, which must be this checkout.
benchmark() { (cd / && "$py" -m brainscore_audio "$@"); }
(cd / && "$py" -c "import brainscore_audio, pathlib, sys; p = pathlib.Path(brainscore_audio.__file__).resolve(); sys.exit(0 if p.is_relative_to('$root') else f'rebuild.sh: {sys.executable} imports brainscore_audio from {p}, not this checkout ($root): pip install -e . in it first')")
# The committed leaderboard is the embedded demo: every built-in model on every embedded
# benchmark (simulated brain data, no download).
ids() { (cd / && "$py" -c "from brainscore_audio import registry; print(' '.join(registry.$1.ids(tag='$2')))"); }
records=$root/leaderboard/.records
board=$root/leaderboard/leaderboard.json
rm -rf "$records"
benchmark run --model $(ids models builtin) --benchmark $(ids benchmarks embedded) \
    --output "$records" --quiet
benchmark leaderboard build --scores "$records" --output "$board"
benchmark leaderboard check "$board"
benchmark leaderboard show "$board"
