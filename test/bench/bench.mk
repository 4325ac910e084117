# Benchmarks (never part of make check): test/bench/README.md tells the
# scenarios. The C load generator drives both the relay and the npm ws
# baseline (test/bench/baseline), so every figure has its ratio in one run.

LOADGEN      := $(B)/test/loadgen
LOADGEN_LIBS := $(shell $(PKG_CONFIG) --libs libsodium nettle gnutls 2>/dev/null) -lwslay

$(LOADGEN): $(B)/obj/test/bench/loadgen.o $(B)/obj/test/lib/wsclient.o
	@mkdir -p $(@D)
	$(E) "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LOADGEN_LIBS)

# Where an idle TLS session's bytes go (test/bench/tlsmem.c).
TLSMEM       := $(B)/test/tlsmem

$(TLSMEM): $(B)/obj/test/bench/tlsmem.o $(B)/libcommon.a
	@mkdir -p $(@D)
	$(E) "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The memory floor: an idle program, plain and linking libmicrohttpd.
FLOOR        := $(B)/test/floor-libc $(B)/test/floor-mhd

$(B)/test/floor-libc: test/bench/floor.c
	@mkdir -p $(@D)
	$(E) "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $<

$(B)/test/floor-mhd: test/bench/floor.c
	@mkdir -p $(@D)
	$(E) "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -DFLOOR_MHD $(ALL_LDFLAGS) -o $@ $< \
	    $(shell $(PKG_CONFIG) --libs libmicrohttpd 2>/dev/null)

bench: $(B)/chatroom $(B)/servchat $(LOADGEN) $(FLOOR) $(TLSMEM)
	@sh mk/deps.sh bench
	@cd test/bench/baseline && npm ci --ignore-scripts --no-audit --no-fund \
	    --prefer-offline --loglevel=error >/dev/null
	@B=$(abspath $(B)) /usr/bin/python3 test/bench/bench.py $(BENCH_ARGS) \
	    >$(B)/bench.txt; rc=$$?; cat $(B)/bench.txt; exit $$rc
	@$(MAKE) --no-print-directory bench-slow3g

# The page over Chromium's slow-3G emulation (test/bench/slow3g.mjs), with
# playwright-core as test/browser pins it. SLOW3G_RUNS runs, 5 by default.
bench-slow3g: $(B)/servchat
	@cd test/browser && npm ci --ignore-scripts --no-audit --no-fund \
	    --prefer-offline --loglevel=error >/dev/null
	@SERVCHAT=$(abspath $(B))/servchat node test/bench/slow3g.mjs \
	    $(SLOW3G_RUNS) >$(B)/bench-slow3g.txt; rc=$$?; \
	    cat $(B)/bench-slow3g.txt; exit $$rc

.PHONY: bench bench-slow3g
