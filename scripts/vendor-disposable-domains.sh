#!/usr/bin/env bash
# Vendors the disposable e-mail domains DISPOSABLE_EMAIL flags (SPEC §21)
# into assets/fraud/: the `disposable-email-domains` project's blocklist
# (CC0 1.0), at a pinned commit, with its licence. revshare embeds the list
# in its binary; nothing is fetched when it builds or runs. This script is
# only for moving to a newer commit: set COMMIT, run it, review the diff,
# and run the tests.
#
#   scripts/vendor-disposable-domains.sh
set -euo pipefail
REPO=disposable-email-domains/disposable-email-domains
COMMIT=a6458931ee3eee7fbacc867bd43133be0bca6c30

root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/assets/fraud"
base="https://raw.githubusercontent.com/$REPO/$COMMIT"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
curl -fsSL "$base/disposable_email_blocklist.conf" -o "$work/list"
curl -fsSL "$base/LICENSE.txt" -o "$work/licence"
# One lower-case domain a line, nothing else: the binary reads it as is.
if grep -qvE '^[a-z0-9.-]+$' "$work/list"; then
  echo "the list has a line that is not a lower-case domain" >&2
  exit 1
fi
mkdir -p "$out"
cp "$work/list" "$out/disposable_email_blocklist.conf"
cp "$work/licence" "$out/LICENSE.disposable-email-domains.txt"
echo "$REPO@$COMMIT: $(wc -l <"$out/disposable_email_blocklist.conf") domains" >&2
