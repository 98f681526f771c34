#!/usr/bin/env bash
# Fetches real photographs (2560×1600 JPEG) from Debian's plasma-workspace-wallpapers package into data/photos/.
# Used by the benchmarks (and later as training data). Nothing here is committed: data/ is git-ignored.
# Idempotent: photos already present are kept. The package is only downloaded (apt-get download), not installed.
# Licence of the pictures: LGPL-3 as declared in each wallpaper's metadata.json (data, not linked code).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/data/photos"
cache="$root/data/cache"
# Photographs only (the package also holds paintings and renders).
photos=(BytheWater ColdRipple ColorfulCups DarkestHour EveningGlow FallenLeaf Grey Kite OneStandsOut Path summer_1am)

missing=0
for name in "${photos[@]}"; do [ -s "$out/$name.jpg" ] || missing=1; done
[ "$missing" -eq 0 ] && exit 0

mkdir -p "$out" "$cache"
deb=$(ls "$cache"/plasma-workspace-wallpapers_*.deb 2>/dev/null | head -n 1 || true)
if [ -z "$deb" ]; then
  echo "fetch-photos: downloading plasma-workspace-wallpapers (≈94 MB) from Debian" >&2
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  [ -n "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -v lock | head -n 1)" ] || $sudo apt-get update -qq
  (cd "$cache" && apt-get download -q plasma-workspace-wallpapers 2>/dev/null)
  deb=$(ls "$cache"/plasma-workspace-wallpapers_*.deb | head -n 1)
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "$deb" "$tmp"
for name in "${photos[@]}"; do
  cp "$tmp/usr/share/wallpapers/$name/contents/images/2560x1600.jpg" "$out/$name.jpg.tmp"
  mv "$out/$name.jpg.tmp" "$out/$name.jpg"
done
echo "fetch-photos: ${#photos[@]} photos in $out" >&2
