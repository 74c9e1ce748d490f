#!/usr/bin/env bash
# Installs the Debian packages Berth's build, tests and benchmarks use. Idempotent; run as root.
set -euo pipefail
packages=(
  gcc make                       # the native init and shim
  maven                          # the build
  libseccomp2                    # seccomp filters are compiled through libseccomp (FFM)
  runc crun                      # peer runtimes the tests compare against
  docker.io containerd           # a real dockerd that drives berth-runtime
  busybox-static debootstrap     # local base images, no internet
  skopeo umoci                   # image format peers
  iproute2 jq hyperfine tini
  openssl                        # certificates for the TLS listener test
  systemd                        # systemd-analyze checks the service unit
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # docker.io's postinst tries to start a service; no init system runs here and tests start their own.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
  rm -f /usr/sbin/policy-rc.d
fi
