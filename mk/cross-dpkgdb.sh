#!/bin/sh
# cross-dpkgdb.sh DIR: makes DIR/dpkg, a dpkg database that says the packages
# unpacked in DIR/root (mk/cross-sysroot.sh) are installed there, so that
# dpkg-shlibdeps --admindir=DIR/dpkg finds, for each library the package
# links, the package that ships it and its symbols file. Their file lists
# name the paths inside DIR/root, which is where dpkg-shlibdeps finds them.
set -eu
dir=$(cd "$1" && pwd); db=$dir/dpkg
rm -rf "$db.new"; mkdir -p "$db.new/info" "$db.new/updates"
: > "$db.new/status"; echo 1 > "$db.new/info/format"
while read -r deb; do
	f=$dir/apt/cache/archives/$deb
	pkg=$(dpkg-deb -f "$f" Package); arch=$(dpkg-deb -f "$f" Architecture)
	name=$pkg	# dpkg's multiarch layout: only M-A: same is qualified
	[ "$(dpkg-deb -f "$f" Multi-Arch)" != same ] || name=$pkg:$arch
	{ dpkg-deb -f "$f" | sed '/^Package:/a Status: install ok installed'
	  echo; } >> "$db.new/status"
	dpkg-deb --fsys-tarfile "$f" | tar -t | sed "s|^\.|$dir/root|; s|/$||" |
	    grep -v "^$dir/root\$" > "$db.new/info/$name.list"
	tmp=$(mktemp -d); dpkg-deb -e "$f" "$tmp"
	for c in shlibs symbols; do
		[ ! -e "$tmp/$c" ] || cp "$tmp/$c" "$db.new/info/$name.$c"
	done
	rm -rf "$tmp"
done < "$dir/root/.sysroot-debs"
rm -rf "$db"; mv "$db.new" "$db"
