# docs.mk: the docs suite (test/docs/test_docs.py): man pages against --help
# (their mandoc lint is in make lint), systemd units, install/uninstall, the
# protocol example and the encryption test vector of sanctuary(7), and every
# command in README.md.
docs: $(B)/chatroom $(B)/servchat
	@B=$(abspath $(B)) MAKE_B=$(B) CHECKS='$(CHECKS)' \
	    /usr/bin/python3 test/docs/test_docs.py

CHECKS += docs
.PHONY: docs
