#!/bin/sh
# cross-deb.sh ARCH SYSROOTDIR OUT: builds the Debian package for ARCH with
# dpkg-buildpackage -aARCH from a clean copy of the tree, against the
# sysroot (debian/rules, SANCTUARY_SYSROOT), then lints it. The build
# dependencies for ARCH are not installed (-d): the sysroot stands for them.
set -eu
arch=$1; sr=$2; out=$3
rm -rf "$out"; mkdir -p "$out/src"
git ls-files -co --exclude-standard | while read -r f; do
	[ -e "$f" ] || [ -L "$f" ] || continue
	mkdir -p "$out/src/$(dirname "$f")"; cp -P "$f" "$out/src/$f"
done
(cd "$out/src" && DEB_BUILD_OPTIONS=nocheck DEB_BUILD_PROFILES=nocheck \
    SANCTUARY_SYSROOT=$sr dpkg-buildpackage -a"$arch" -d -us -uc -b) \
    > "$out/build.log" 2>&1 || { tail -30 "$out/build.log"; exit 1; }
rm -rf "$out/src"
ls "$out"/*.deb
lintian --fail-on error,warning "$out"/*_"$arch".changes
