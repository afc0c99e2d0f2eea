#!/usr/bin/env bash
# Vendors GraphiQL's browser assets into assets/graphiql/ from pinned npm
# releases: GraphiQL's UMD build and stylesheet, React and ReactDOM's
# production UMD builds, each also gzipped (served to browsers that accept
# it), and the licences of every package they contain. revshare embeds
# these files in its binary, so the page loads nothing from anywhere else
# and nothing is downloaded when revshare builds or runs; this script is
# only for moving to another release.
#
#   scripts/vendor-graphiql.sh
#
# GraphiQL 4.1 is the last release with a UMD build (5 and React 19 ship
# none), and it runs on React 18's UMD builds.
set -euo pipefail
GRAPHIQL_VERSION=4.1.2
REACT_VERSION=18.3.1

root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/assets/graphiql"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --ignore-scripts --save-exact \
  "graphiql@$GRAPHIQL_VERSION" "react@$REACT_VERSION" "react-dom@$REACT_VERSION" >/dev/null

mkdir -p "$out"
cp node_modules/graphiql/graphiql.min.js node_modules/graphiql/graphiql.min.css "$out/"
cp node_modules/react/umd/react.production.min.js "$out/"
cp node_modules/react-dom/umd/react-dom.production.min.js "$out/"
for file in graphiql.min.js graphiql.min.css react.production.min.js react-dom.production.min.js; do
  gzip -9 -n -c "$out/$file" >"$out/$file.gz"
done

# The licences of GraphiQL, React, ReactDOM and every package they depend
# on (GraphiQL's bundle contains its dependencies).
node - "$out/THIRD-PARTY-LICENSES.txt" <<'JS'
const fs = require('fs');
const path = require('path');
const seen = new Map();
function visit(name, from) {
  let dir = from;
  for (;;) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) { dir = candidate; break; }
    const up = path.dirname(dir);
    if (up === dir) return;
    dir = up;
  }
  if (seen.has(dir)) return;
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const file = fs.readdirSync(dir).find((f) => /^(licen[sc]e|copying)(\..*)?$/i.test(f));
  seen.set(dir, { name: pkg.name, version: pkg.version, license: pkg.license,
                  text: file ? fs.readFileSync(path.join(dir, file), 'utf8').trim() : null });
  for (const dep of Object.keys(pkg.dependencies || {})) visit(dep, dir);
  for (const dep of Object.keys(pkg.peerDependencies || {})) visit(dep, dir);
}
for (const name of ['graphiql', 'react', 'react-dom']) visit(name, process.cwd());
const entries = [...seen.values()].sort((a, b) => a.name.localeCompare(b.name));
let text = 'Third-party software in revshare\'s GraphiQL page (assets/graphiql/)\n\n';
for (const e of entries) {
  text += '='.repeat(72) + `\n${e.name} ${e.version} (${e.license || 'see below'})\n` + '='.repeat(72) + '\n';
  text += (e.text || `No licence file in the package; its package.json says: ${e.license}`) + '\n\n';
}
fs.writeFileSync(process.argv[2], text);
console.log(`${entries.length} packages`);
JS
echo "vendored GraphiQL $GRAPHIQL_VERSION and React $REACT_VERSION into $out"
