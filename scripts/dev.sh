#!/usr/bin/env bash
# MoEScope developer entry point on Debian/Ubuntu:
#   scripts/dev.sh run [MODEL.gguf]   install what is missing, build, open the app (demo model by default)
#   scripts/dev.sh test               install what is missing, build, run every test
#   scripts/dev.sh build              install what is missing, build
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${MOESCOPE_BUILD_DIR:-$root/build}"

packages=(
  build-essential cmake ninja-build pkg-config git
  qt6-base-dev qt6-charts-dev libqt6opengl6-dev libqt6svg6-dev libgl-dev
  libgtest-dev libbenchmark-dev libpcre2-dev zlib1g-dev nlohmann-json3-dev libeigen3-dev python3-numpy
  xvfb xauth
  # Chinese prompts and the 简体中文 interface: WenQuanYi Micro Hei covers the common Chinese
  # characters in 5 MB (Noto CJK takes 90 MB); qt6-tools-dev and qt6-l10n-tools build the translations;
  # qt6-translations-l10n translates Qt's own dialogs and buttons.
  fonts-wqy-microhei qt6-tools-dev qt6-l10n-tools qt6-translations-l10n
)

install_missing() {
  local missing=()
  for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "Installing: ${missing[*]}"
  $sudo apt-get update
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

build() {
  cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release
  cmake --build "$build_dir" -j "$(nproc)"
}

command="${1:-run}"
[ $# -gt 0 ] && shift
case "$command" in
  build)
    install_missing
    build
    ;;
  test)
    install_missing
    build
    cd "$build_dir"
    QT_QPA_PLATFORM=offscreen ctest --output-on-failure --timeout 900 -j 2
    ;;
  run)
    install_missing
    build
    app="$build_dir/app/moescope"
    if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
      echo "No display found: running the app under Xvfb (nothing will be visible)." >&2
      exec xvfb-run -a "$app" "$@"
    fi
    exec "$app" "$@"
    ;;
  *)
    echo "usage: $0 run [MODEL.gguf] | test | build" >&2
    exit 2
    ;;
esac
