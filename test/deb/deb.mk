# The Debian package (debian/): built from a clean copy of the tree, checked
# with lintian and dpkg -c, installed into a throw-away root, its daemons run
# there, then purged (test/deb/test_deb.py).
deb:
	@sh mk/cross-deps.sh deb
	@/usr/bin/python3 test/deb/test_deb.py $(abspath build/deb)

CHECKS += deb
.PHONY: deb
