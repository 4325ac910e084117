#!/bin/sh
# deps.sh: installs the Debian packages Sanctuary builds and tests with, if any
# is missing. As root it runs apt-get; otherwise through sudo; failing both it
# prints the exact command to run. 'build': build packages only; 'bench': the
# test packages plus the benchmark's (make bench).
BUILD="gcc make pkg-config libmicrohttpd-dev libwslay-dev libsodium-dev brotli \
libpopt-dev nettle-dev libqrencode-dev libgnutls28-dev libicu-dev"
TEST="check python3 python3-websockets python3-websocket python3-wsproto \
chromium mandoc man-db strace clang libclang-rt-14-dev systemd iproute2 \
shellcheck gnutls-bin webkit2gtk-driver python3-selenium xvfb dbus-daemon \
fonts-noto-color-emoji"
BENCH="wrk util-linux"
pkgs="$BUILD"
[ "${1:-}" = build ] || pkgs="$pkgs $TEST"
[ "${1:-}" = bench ] && pkgs="$pkgs $BENCH"
command -v node >/dev/null 2>&1 || pkgs="$pkgs nodejs"
command -v npm >/dev/null 2>&1 || pkgs="$pkgs npm"

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "deps: installing$missing"
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "deps: not root and no sudo; as root run:"
	echo "  apt-get update && apt-get install -y$missing"
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086 # $missing is a list of package names
if ! { $SUDO apt-get update -qq &&
    $SUDO apt-get install -y -qq --no-install-recommends $missing; }; then
	echo "deps: apt-get failed; install these yourself:$missing"
	exit 1
fi
