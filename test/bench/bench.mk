# Benchmarks (never part of make check): test/bench/README.md tells the
# scenarios. The C load generator drives both the relay and the npm ws
# baseline (test/bench/baseline), so every figure has its ratio in one run.

LOADGEN      := $(B)/test/loadgen
LOADGEN_LIBS := $(shell $(PKG_CONFIG) --libs libsodium nettle 2>/dev/null) -lwslay

$(LOADGEN): $(B)/obj/test/bench/loadgen.o $(B)/obj/test/lib/wsclient.o
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LOADGEN_LIBS)

bench: $(B)/chatroom $(B)/servchat $(LOADGEN)
	@sh mk/deps.sh bench
	@cd test/bench/baseline && npm ci --ignore-scripts --no-audit --no-fund \
	    --prefer-offline --loglevel=error >/dev/null
	@B=$(abspath $(B)) /usr/bin/python3 test/bench/bench.py $(BENCH_ARGS) \
	    >$(B)/bench.txt; rc=$$?; cat $(B)/bench.txt; exit $$rc

.PHONY: bench
