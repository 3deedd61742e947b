#!/usr/bin/env bash
# Installs every Debian package scientist needs to build, test and run research.
# Idempotent: installs only what is missing; runs `apt-get update` at most once.
set -euo pipefail

BUILD_PKGS=(build-essential cmake pkg-config ninja-build
  libcurl4-openssl-dev nlohmann-json3-dev libcpp-httplib-dev libsqlite3-dev
  libcli11-dev libtomlplusplus-dev libfmt-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev libpoppler-cpp-dev libpng-dev libseccomp-dev)
RUNTIME_PKGS=(bubblewrap python3 python3-numpy python3-matplotlib python3-scipy
  python3-torch libopenblas0-pthread texlive-latex-base texlive-latex-recommended texlive-fonts-recommended
  texlive-latex-extra latexmk chktex poppler-utils ca-certificates procps)

missing=()
for p in "${BUILD_PKGS[@]}" "${RUNTIME_PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install_deps: all ${#BUILD_PKGS[@]}+${#RUNTIME_PKGS[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install_deps: missing packages (${missing[*]}) and not root; install them or run as root" >&2
    exit 1
  fi
fi
echo "install_deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
