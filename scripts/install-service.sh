#!/usr/bin/env bash
# Installs berthd as a systemd service: the unit (berthd/systemd/berthd.service, pointing at this
# checkout's bin/berthd), an empty /etc/berth/daemon.json if there is none, and the `berth` group
# that may use the socket (CREATE_GROUP=0: not). Then `systemctl enable --now berthd` starts it.
# Run as root after scripts/build.sh; UNIT_DIR and CONFIG_DIR change where the files go.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
unit_dir="${UNIT_DIR:-/etc/systemd/system}"
config_dir="${CONFIG_DIR:-/etc/berth}"
[ -x "$root/bin/berthd" ] || { echo "install-service: $root/bin/berthd is missing; run scripts/build.sh first" >&2; exit 1; }
mkdir -p "$unit_dir" "$config_dir"
tmp="$(mktemp "$unit_dir/.berthd.service.XXXXXX")"
sed "s|@BERTH_HOME@|$root|g" "$root/berthd/systemd/berthd.service" > "$tmp"
chmod 0644 "$tmp"
mv "$tmp" "$unit_dir/berthd.service"
[ -e "$config_dir/daemon.json" ] || echo '{}' > "$config_dir/daemon.json"
if [ "${CREATE_GROUP:-1}" = 1 ]; then getent group berth >/dev/null || groupadd --system berth; fi
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  echo "installed $unit_dir/berthd.service; start it with: systemctl enable --now berthd"
else
  echo "installed $unit_dir/berthd.service (systemd is not running here)"
fi
