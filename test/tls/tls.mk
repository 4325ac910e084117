# The relay over TLS: a throw-away CA made by certtool, wss clients trusting
# only it, reload on SIGHUP, no key log (test/tls/test_tls.py).
tls: $(B)/chatroom
	@/usr/bin/python3 test/tls/test_tls.py $(B)/chatroom

# The same cases against the ASan/UBSan build.
tls-asan:
	@$(MAKE) --no-print-directory B=build/asan SAN=1 tls 2>&1 | \
	    sed 's/^tls: \([0-9]* passed\)/tls-asan: \1/'

CHECKS += tls tls-asan
.PHONY: tls tls-asan
