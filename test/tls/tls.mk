# The relay over TLS: a throw-away CA made by certtool, wss clients trusting
# only it, reload on SIGHUP, no key log (test/tls/test_tls.py). Node's ws is
# the copy test/bench/baseline pins: npm ci there first.
tls: $(B)/chatroom
	@cd test/bench/baseline && npm ci --ignore-scripts --no-audit --no-fund \
	    --prefer-offline --loglevel=error >/dev/null
	@/usr/bin/python3 test/tls/test_tls.py $(B)/chatroom

# The same cases against the ASan/UBSan build.
tls-asan:
	@$(MAKE) --no-print-directory B=build/asan SAN=1 tls 2>&1 | \
	    sed 's/^tls: \([0-9]* passed\)/tls-asan: \1/'

CHECKS += tls tls-asan
.PHONY: tls tls-asan
