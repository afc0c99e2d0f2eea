#!/usr/bin/env bash
# Vendors the font statements set non-Latin text in (Cyrillic, Greek, CJK,
# Latin beyond WinAnsi) into assets/fonts/: WenQuanYi Micro Hei, from
# Debian's pinned package, with its licence (Apache-2.0, chosen of its
# Apache-2.0 / GPL-3+ with font exception). revshare embeds it in its
# binary and writes into each PDF only the glyphs that PDF uses; nothing
# is downloaded when it builds or runs. This script is only for moving to
# another release.
#
#   scripts/vendor-font.sh
set -euo pipefail
PACKAGE=fonts-wqy-microhei
VERSION=0.2.0-beta-3.1

root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/assets/fonts"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get download "$PACKAGE=$VERSION" >/dev/null 2>&1 ||
  { apt-get update -qq && apt-get download "$PACKAGE=$VERSION" >/dev/null; }
dpkg-deb -x ./*.deb extracted
mkdir -p "$out"
cp extracted/usr/share/fonts/truetype/wqy/wqy-microhei.ttc "$out/wqy-microhei.ttc"
{
  echo "WenQuanYi Micro Hei ($PACKAGE $VERSION), used under the Apache License 2.0."
  echo
  cat extracted/usr/share/doc/$PACKAGE/copyright
  echo
  echo "----- Apache License 2.0 -----"
  cat /usr/share/common-licenses/Apache-2.0
} >"$out/LICENSE.txt"
sha256sum "$out/wqy-microhei.ttc"
