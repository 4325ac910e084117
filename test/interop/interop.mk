# Interoperability suite: the C test client (libsodium + wslay + nettle),
# three Python WebSocket libraries, Node's ws and Chromium in one room,
# served by the real build/servchat and build/chatroom, over IPv4 and IPv6.
# npm ci first, so the pinned ws, tweetnacl and playwright-core are what run.

INTEROP_CLIENT := $(B)/test/sanctuary-client
INTEROP_LIBS   := $(shell $(PKG_CONFIG) --libs libsodium nettle 2>/dev/null) -lwslay

INTEROP_OBJS   := $(addprefix $(B)/obj/test/interop/, \
	sanctuary_client.o connect.o room2.o e2e1.o e2e2.o e2e2_open.o) $(B)/obj/test/lib/wsclient.o

$(INTEROP_CLIENT): $(INTEROP_OBJS)
	@mkdir -p $(@D)
	$(E) "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(INTEROP_LIBS)

interop: $(B)/servchat $(B)/chatroom $(INTEROP_CLIENT)
	@cd test/interop && npm ci --ignore-scripts --no-audit --no-fund \
	    --prefer-offline --loglevel=error >/dev/null
	@cd test/interop && SANCTUARY_BUILD=$(abspath $(B)) node run.js

CHECKS += interop

# The same against daemons and client built with ASan/UBSan: any report goes
# to stderr, which the suite requires to stay empty. Not in CHECKS by
# default; about 20 s.
interop-asan:
	@$(MAKE) --no-print-directory B=build/asan SAN=1 interop 2>&1 | \
	    sed 's/^interop: \([0-9]* passed\)/interop-asan: \1/'

.PHONY: interop interop-asan
CHECKS += interop-asan
