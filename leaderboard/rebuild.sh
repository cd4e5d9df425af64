#!/usr/bin/env bash
# Rebuild leaderboard/leaderboard.json: rescore the models of the committed leaderboard on its
# benchmarks from this checkout and merge the fresh records into the file (a new leaderboard
# version with a changelog entry when a score changed; published versions stay as they are).
#
# usage (from a clean checkout installed in the active environment, so every record holds its
# git commit):
#   bash leaderboard/rebuild.sh [--allow-dirty]
# The records land in leaderboard/.records/ (not committed); the table is printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" != "--allow-dirty" ] && [ -n "$(git status --porcelain --untracked-files=no -- . ':!leaderboard/leaderboard.json')" ]; then
    echo "rebuild.sh: tracked files are modified; commit first so the records name a commit" \
         "(or pass --allow-dirty: records then say <commit>+dirty)" >&2
    exit 1
fi
here=$(pwd -P)
python -c "import brainscore_audio, pathlib, sys; sys.exit(0 if pathlib.Path(brainscore_audio.__file__).resolve().is_relative_to('$here') else 'rebuild.sh: the active environment imports brainscore_audio from ' + brainscore_audio.__file__ + ', not this checkout ($here): pip install -e . first')"
# The committed leaderboard is the embedded demo: every built-in model on every embedded
# benchmark (simulated brain data, no download).
models=$(python -c "from brainscore_audio import registry; print(' '.join(registry.models.ids(tag='builtin')))")
benchmarks=$(python -c "from brainscore_audio import registry; print(' '.join(registry.benchmarks.ids(tag='embedded')))")
records=leaderboard/.records
rm -rf "$records"
benchmark run --model $models --benchmark $benchmarks --output "$records" --quiet
benchmark leaderboard build --scores "$records" --output leaderboard/leaderboard.json
benchmark leaderboard check leaderboard/leaderboard.json
benchmark leaderboard show leaderboard/leaderboard.json
