#!/usr/bin/env bash
# Runs one benchmark: bench/run.sh <config|hba|lifecycle|throwaway|provision|ha> [its options].
# Node 20 cannot run TypeScript and no TypeScript runner is installed, so the project's tsc
# compiles the benchmarks (and the sources they import) into bench/node_modules/.build first.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
name=${1:?usage: bench/run.sh <config|hba|lifecycle|throwaway|provision|ha> [options]}
shift
[ -f "$here/$name.ts" ] || { echo "bench/run.sh: no benchmark $name.ts" >&2; exit 2; }
rm -rf "$here/node_modules/.build"
"$here/../node_modules/.bin/tsc" -p "$here/tsconfig.json"
printf '{"type":"module"}\n' > "$here/node_modules/.build/package.json"
exec node "$here/node_modules/.build/bench/$name.js" "$@"
