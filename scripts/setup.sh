#!/usr/bin/env bash
# Installs what Playground needs on Debian/Ubuntu (GL drivers, GLFW, Xvfb, fonts), only when something is missing.
set -euo pipefail

packages=(
  libegl1          # EGL loader: headless GL contexts
  libgl1-mesa-dri  # Mesa drivers: llvmpipe gives GL 4.5 core on machines without a GPU
  libglfw3         # the window
  xvfb xauth       # a virtual display for window tests and screenshots
  fonts-dejavu-core # the monospace font the window draws text with
  wamerican        # the word list that checks the default model writes English
)

if ! command -v dotnet >/dev/null 2>&1; then
  echo "setup: the .NET 10 SDK is required (https://dotnet.microsoft.com/download); dotnet is not on PATH" >&2
  exit 1
fi

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
else
  echo "setup: not a Debian-based system; make sure these are installed: ${packages[*]}" >&2
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
