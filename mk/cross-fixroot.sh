#!/bin/sh
# cross-fixroot.sh ROOT: points every absolute symbolic link in an unpacked
# sysroot at its target inside ROOT (relative), so that neither the linker
# nor qemu -L ever follows one onto a host library of the wrong architecture.
set -eu
root=$(cd "$1" && pwd)
find "$root" -type l -lname '/*' | while read -r link; do
	target=$(readlink "$link")
	rel=$(realpath -m -s --relative-to="$(dirname "$link")" "$root$target")
	ln -sfn "$rel" "$link"
done
# Only headers, libraries and pkg-config files matter here. The top Makefile
# includes every *.d under build/ as a dependency file, so no directory
# named so may stay (etc/*.d, usr/share/...).
rm -rf "${root:?}/etc" "$root/usr/share/doc" "$root/usr/share/man" \
    "$root/usr/share/lintian" "$root/usr/share/info"
find "$root" -depth -name '*.d' -exec rm -rf {} +
