#!/usr/bin/env bash
# Installs the system packages the platform and its tests need, from Debian. Idempotent:
# does nothing when everything is present. Runs before `npm start` and `npm test`.
#   git, curl          deploys from git, health checks
#   runc               origin workers' containers (the Docker engine is not needed)
#   python3.11         the python3.11 runtime (Debian's /usr/bin/python3.11)
#   golang-1.23-go     the go1.x runtime, from bookworm-backports (added below)
#   busybox-static     the tiny image the custom-container tests build

set -euo pipefail
need=()
command -v git >/dev/null 2>&1 || need+=(git)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v runc >/dev/null 2>&1 || need+=(runc)
[ -x /usr/bin/python3.11 ] || need+=(python3.11)
[ -x /usr/lib/go-1.23/bin/go ] || need+=(golang-1.23-go)
[ -x /bin/busybox ] || need+=(busybox-static)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "setup-system: missing ${need[*]}; run as root or install them with apt-get" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
backports=/etc/apt/sources.list.d/bunbase-bookworm-backports.sources
if [[ " ${need[*]} " == *" golang-1.23-go "* ]] && ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "setup-system: adding Debian bookworm-backports (Go 1.23)"
  cat >"$backports" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
echo "setup-system: installing ${need[*]}"
apt-get update -qq
pkgs=()
for p in "${need[@]}"; do
  if [ "$p" = golang-1.23-go ]; then pkgs+=(golang-1.23-go/bookworm-backports); else pkgs+=("$p"); fi
done
apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
echo "setup-system: done"
