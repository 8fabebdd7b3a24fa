#!/usr/bin/env bash
# Proves the project on other Node versions, from the npm registry alone: for each version it
# installs the Node binary (package node-linux-<arch>, which ships its headers too), copies the
# working tree to a temp dir, runs `npm ci` there (better-sqlite3 builds from source against that
# Node's headers, so the ABI matches) and runs the tests. The worktree's own node_modules is never
# touched. Not part of `npm test`: it takes several minutes per version.
#
#   npm run test:node-matrix                      # Node 22 and 24, the whole `npm test`
#   NODE_MATRIX_VERSIONS="22" npm run test:node-matrix
#   npm run test:node-matrix -- src/store src/durable.crash.test.ts   # only these vitest paths
#   NODE_MATRIX_KEEP=1 ...                        # keep the temp dir (logs, builds) afterwards
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
versions="${NODE_MATRIX_VERSIONS:-22 24}"
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "node-matrix: no node-linux package for $(uname -m)" >&2; exit 2 ;;
esac
work="$(mktemp -d "${TMPDIR:-/tmp}/invoicekit-node-matrix.XXXXXX")"
if [ -z "${NODE_MATRIX_KEEP:-}" ]; then trap 'rm -rf "$work"' EXIT; fi
echo "node-matrix: versions ${versions}; working in ${work}"

# The working tree as it is (tracked and new files, without ignored ones such as node_modules).
mkdir -p "$work/tree"
(cd "$root" && git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done | tar --null -T - -cf -) | tar -xf - -C "$work/tree"

summary=()
failed=0
for v in $versions; do
  prefix="$work/node-$v"
  echo "node-matrix: [$v] installing node-linux-$arch@$v"
  npm install --silent --no-save --prefix "$prefix" "node-linux-$arch@$v" >/dev/null
  nodedir="$prefix/node_modules/node-linux-$arch"
  bin="$nodedir/bin"
  repo="$work/repo-$v"
  cp -a "$work/tree" "$repo"
  log="$work/node-$v.log"
  actual="$(PATH="$bin:$PATH" node --version)"
  echo "node-matrix: [$v] $actual: npm ci (builds better-sqlite3 against these headers), log in $log"
  status=0
  (
    cd "$repo"
    export PATH="$bin:$PATH" npm_config_nodedir="$nodedir"
    npm ci --no-audit --no-fund
    node -e "const D=require('better-sqlite3'); const db=new D(':memory:'); console.log('better-sqlite3 loads on', process.version, 'SQLite', db.prepare('select sqlite_version() v').get().v)"
    if [ "$#" -gt 0 ]; then npx vitest run "$@"; else npm test; fi
  ) >"$log" 2>&1 || status=$?
  # vitest's closing lines, e.g. "Test Files  60 passed (60)" and "Tests  900 passed (900)".
  counts="$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^\s*(Test Files|Tests) ' | tail -n 2 | tr -s ' ' | paste -sd ';' -)"
  if [ "$status" -eq 0 ]; then
    summary+=("$actual: passed; ${counts:-no vitest summary}")
  else
    failed=1
    summary+=("$actual: FAILED (exit $status); ${counts:-no vitest summary}; see $log")
    tail -n 40 "$log" >&2
  fi
done

echo "node-matrix: results"
for line in "${summary[@]}"; do echo "  $line"; done
if [ "$failed" -ne 0 ] && [ -z "${NODE_MATRIX_KEEP:-}" ]; then echo "node-matrix: (rerun with NODE_MATRIX_KEEP=1 to keep the logs)"; fi
exit "$failed"
