#!/usr/bin/env bash
# Fetches real photographs from Debian packages; nothing here is committed (data/ is git-ignored):
#   data/photos/   11 photos (2560×1600 JPEG) from plasma-workspace-wallpapers and 12 (1365–6028 px) from
#                  lomiri-wallpapers-16.04 and -20.04 (the Ubuntu wallpaper contest photographs): training data and
#                  benchmarks;
#   data/validation/ 3 more lomiri photos: validation during training (never trained on);
#   data/heldout/  12 nature photos (1280–2560 px JPEG) from mate-backgrounds: the held-out evaluation set, never
#                  trained on.
# Idempotent: photos already present are kept. The packages are only downloaded (apt-get download), not installed.
# Licences of the pictures: LGPL-3 (plasma, per wallpaper metadata), CC-BY-SA (lomiri, debian/copyright) and
# GPL-2+ (mate, debian/copyright): data, not linked code.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache="$root/data/cache"
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi

# fetch PACKAGE OUT_DIR SOURCE_PATTERN NAME...: copies SOURCE_PATTERN (with %s for the name) out of the package.
fetch() {
  local package=$1 out=$2 pattern=$3
  shift 3
  local missing=0 name
  for name in "$@"; do [ -s "$out/$name.jpg" ] || missing=1; done
  [ "$missing" -eq 0 ] && return 0
  mkdir -p "$out" "$cache"
  local deb
  deb=$(ls "$cache"/"${package}"_*.deb 2>/dev/null | head -n 1 || true)
  if [ -z "$deb" ]; then
    echo "fetch-photos: downloading $package from Debian" >&2
    [ -n "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -v lock | head -n 1)" ] || $sudo apt-get update -qq
    (cd "$cache" && apt-get download -q "$package" 2>/dev/null)
    deb=$(ls "$cache"/"${package}"_*.deb | head -n 1)
  fi
  local tmp
  tmp=$(mktemp -d)
  dpkg-deb -x "$deb" "$tmp"
  for name in "$@"; do
    # shellcheck disable=SC2059
    cp "$tmp/$(printf "$pattern" "$name")" "$out/$name.jpg.tmp"
    mv "$out/$name.jpg.tmp" "$out/$name.jpg"
  done
  rm -rf "$tmp"
  echo "fetch-photos: $# photos in $out" >&2
}

# Photographs only (the packages also hold paintings and renders).
fetch plasma-workspace-wallpapers "$root/data/photos" "usr/share/wallpapers/%s/contents/images/2560x1600.jpg" \
  BytheWater ColdRipple ColorfulCups DarkestHour EveningGlow FallenLeaf Grey Kite OneStandsOut Path summer_1am
fetch lomiri-wallpapers-16.04 "$root/data/photos" "usr/share/backgrounds/%s.jpg" \
  Bridge_by_Sander_Klootwijk Picture_1A_by_freespace Wine_by_Jakkub_Mede aitzgorri_by_Aitzol_Berasategi \
  analogpattern_by_Peter_Nerlich free_by_Peter_Nerlich friends_by_Aitzol_Berasategi picosdeeuropa_by_Aitzol_Berasategi \
  seeding_by_Clements_Engelhardt sunset_by_Aitzol_Berasategi
fetch lomiri-wallpapers-20.04 "$root/data/photos" "usr/share/backgrounds/%s.jpg" \
  Infinite-Sea_by_Aury88 Kleiber_by_Lukas_Baubkus
fetch lomiri-wallpapers-16.04 "$root/data/validation" "usr/share/backgrounds/%s.jpg" \
  Dragonfly_by_Bolly Picture_0B_by_freespace life_by_Aitzol_Berasategi
fetch mate-backgrounds "$root/data/heldout" "usr/share/backgrounds/mate/nature/%s.jpg" \
  Aqua Blinds Dune FreshFlower Garden GreenMeadow LadyBird RainDrops Storm TwoWings Wood YellowFlower
