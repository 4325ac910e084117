#!/bin/sh
# cross-deps.sh ARCH: installs the Debian packages make cross needs for ARCH
# (the cross compiler and qemu-user-static), as mk/deps.sh does for the
# native build. The target's libraries are not installed: mk/cross-sysroot.sh
# unpacks them under build/. cross-deps.sh deb: what the package needs.
case $1 in
deb)	pkgs="dpkg-dev debhelper lintian" ;;
*)	pkgs="crossbuild-essential-$1 qemu-user-static pkg-config" ;;
esac
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "cross-deps: installing$missing"
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "cross-deps: not root and no sudo; as root run:"
	echo "  apt-get update && apt-get install -y$missing"
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086 # $missing is a list of package names
if ! { $SUDO apt-get update -qq &&
    $SUDO apt-get install -y -qq --no-install-recommends $missing; }; then
	echo "cross-deps: apt-get failed; install these yourself:$missing"
	exit 1
fi
