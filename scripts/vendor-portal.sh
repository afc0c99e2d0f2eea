#!/usr/bin/env bash
# Vendors the web apps' two libraries into assets/shared/ from
# pinned npm releases: Preact (its ES module and its hooks) and htm (tagged
# templates instead of JSX, so no build step), with their licences.
# revshare embeds them in its binary; nothing is downloaded when it builds
# or runs. This script is only for moving to another release.
#
#   scripts/vendor-portal.sh
#
# The hooks module imports the bare specifier "preact", which a browser
# resolves only through an import map: it is rewritten to the file beside
# it, so the page needs no inline script.
set -euo pipefail
PREACT_VERSION=11.2.0
HTM_VERSION=3.1.1

root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/assets/shared"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --ignore-scripts --save-exact \
  "preact@$PREACT_VERSION" "htm@$HTM_VERSION" >/dev/null

mkdir -p "$out"
cp node_modules/preact/dist/preact.mjs "$out/preact.mjs"
sed 's/from"preact"/from".\/preact.mjs"/g' node_modules/preact/hooks/dist/hooks.mjs >"$out/hooks.mjs"
grep -q 'from"./preact.mjs"' "$out/hooks.mjs"
cp node_modules/htm/dist/htm.module.js "$out/htm.mjs"
# Their source maps are not shipped: no comment may point at one.
sed -i '/sourceMappingURL/d' "$out/preact.mjs" "$out/hooks.mjs" "$out/htm.mjs"
{
  echo "Third-party software in revshare's web apps: the partner portal and the console (assets/shared/)"
  echo
  echo "== preact $PREACT_VERSION (MIT): preact.mjs, hooks.mjs =="
  echo
  cat node_modules/preact/LICENSE
  echo
  echo "== htm $HTM_VERSION (Apache-2.0): htm.mjs =="
  echo
  cat node_modules/htm/LICENSE
} >"$out/THIRD-PARTY-LICENSES.txt"
echo "vendored preact $PREACT_VERSION and htm $HTM_VERSION into $out"
