#!/bin/sh
# cross-sysroot.sh ARCH DIR: makes DIR/root, a sysroot of Debian ARCH's -dev
# packages and everything they need at run time, from the host's own apt
# sources. Nothing on the host changes: apt runs with its own state, cache and
# an empty dpkg status under DIR, for ARCH alone, so that each architecture
# resolves within its own archive (armel has no bookworm-security index, and
# libwslay-dev is not Multi-Arch: same: a multiarch install skews or
# conflicts). Packages are unpacked with dpkg-deb -x, never installed. The
# downloads stay in DIR/apt/cache between runs; DIR/root is remade only when
# the list below changes. Prints nothing on success but what apt prints.
set -eu
arch=$1; dir=$2
PKGS="libsodium-dev libpopt-dev nettle-dev libmicrohttpd-dev \
libwslay-dev libqrencode-dev libgnutls28-dev libicu-dev check libsubunit-dev"

mkdir -p "$dir/apt/state/lists/partial" "$dir/apt/cache/archives/partial" \
    "$dir/apt/etc/conf" "$dir/apt/etc/prefs"
[ -e "$dir/apt/status" ] || : > "$dir/apt/status"
cat > "$dir/apt/apt.conf" <<EOF
APT::Architecture "$arch";
APT::Architectures { "$arch"; };
APT::Install-Recommends "false";
Acquire::Languages "none";
Dir::State "$dir/apt/state";
Dir::State::status "$dir/apt/status";
Dir::Cache "$dir/apt/cache";
Dir::Etc::Parts "$dir/apt/etc/conf";
Dir::Etc::PreferencesParts "$dir/apt/etc/prefs";
Debug::NoLocking "true";
EOF
export APT_CONFIG="$dir/apt/apt.conf"
stamp="$dir/root/.sysroot-pkgs"
[ -e "$stamp" ] && [ -e "$dir/root/.sysroot-debs" ] &&
    [ "$(cat "$stamp")" = "$PKGS" ] && exit 0

# An hour-old index is fresh enough; a run without network reuses the cache.
lists="$dir/apt/state/lists"
if [ -z "$(find "$lists" -maxdepth 1 -name '*Packages*' -mmin -60)" ]; then
	apt-get -qq update ||
	    [ -n "$(find "$lists" -maxdepth 1 -name '*Packages*')" ]
fi
# The closure apt resolves, as file names in its cache (an epoch's colon is
# %3a there); older versions left in the cache are not unpacked.
# shellcheck disable=SC2086
debs=$(apt-get -s install $PKGS | sed -n \
    's/^Inst \([^ ]*\) (\([^ ]*\) [^[]*\[\([^]]*\)\].*/\1_\2_\3.deb/p' |
    sed 's/:/%3a/')
# shellcheck disable=SC2086
apt-get -qq -y -d install $PKGS
# Unpacked outside build/ first: until cross-fixroot.sh has run, the tree
# holds directories named *.d, which would stop any make run meanwhile.
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for deb in $debs; do
	dpkg-deb -x "$dir/apt/cache/archives/$deb" "$tmp/root"
done
sh "$(dirname "$0")/cross-fixroot.sh" "$tmp/root"
# shellcheck disable=SC2086 # one file name a line
printf '%s\n' $debs > "$tmp/root/.sysroot-debs"
printf '%s' "$PKGS" > "$tmp/root/.sysroot-pkgs"
rm -rf "$dir/root" "$dir/root.new"
cp -a "$tmp/root" "$dir/root.new"; mv "$dir/root.new" "$dir/root"
