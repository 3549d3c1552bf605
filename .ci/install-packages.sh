#!/usr/bin/env bash
# Installs the Debian packages the tests use, if they are missing. Idempotent; needs root.
#   iptables            the loopback partition test
#   chromium(-driver)   the dashboard test in a real browser
#   docker.io           the container tests (engine + client)
#   docker-compose      the compose test (Debian ships Compose 1.29)
#   busybox-static      a shell, wget and nslookup inside the registry-free base image
#   postgresql          the example's test database image (docker/build-postgres-image.sh)
set -euo pipefail

packages=(iptables chromium chromium-driver docker.io docker-compose busybox-static postgresql)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "Installing ${missing[*]}"
  apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
