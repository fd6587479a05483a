#!/usr/bin/env bash
# Installs edgellm's build dependencies (Debian 12) and builds everything into build/.
# The CLI ends up at build/bin/edgellm.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  nlohmann-json3-dev libutf8proc-dev libcli11-dev libcpp-httplib-dev libsqlite3-dev libreadline-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-dev pybind11-dev python3-pytest python3-numpy
  g++-aarch64-linux-gnu qemu-user tmux
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "Installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

JOBS=$(nproc)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$JOBS"

# The ARM (AArch64) build of the kernel tests, run under qemu by scripts/test.sh.
if command -v aarch64-linux-gnu-g++ >/dev/null && [ -f cmake/aarch64-toolchain.cmake ]; then
  cmake -S . -B build-arm -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-toolchain.cmake -DEDGELLM_ARM_TESTS_ONLY=ON
  cmake --build build-arm -j "$JOBS"
fi
echo "Built: build/bin/edgellm"
