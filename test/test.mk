# Unit tests: each test/unit/test_NAME.c is one binary, linked with the runner,
# the fake connection and both libraries.
UNIT_SRC  := $(wildcard test/unit/test_*.c)
UNIT_BINS := $(UNIT_SRC:test/unit/%.c=$(B)/test/%)
CHECK_LIBS := $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

$(B)/test/%: $(B)/obj/test/unit/%.o $(B)/obj/test/unit/runner.o $(B)/obj/test/unit/fake_conn.o \
    $(B)/libchatroom.a $(B)/libcommon.a
	@mkdir -p $(@D)
	$(E) "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) $(UNIT_WRAP) -o $@ $^ $(CHECK_LIBS) $(PKG_LIBS) $(ICU_LIBS) -lwslay

# The room tests share their fixture (room_fixture.h).
$(B)/test/test_room $(B)/test/test_room2: $(B)/obj/test/unit/room_fixture.o

# test_oom fails allocations on demand (test/lib/failalloc.h).
$(B)/test/test_oom: $(B)/obj/test/lib/failalloc.o
$(B)/test/test_oom: UNIT_WRAP = -Wl,--wrap=malloc -Wl,--wrap=calloc

unit: $(UNIT_BINS)
	@sh mk/suite.sh unit $(UNIT_BINS)

CHECKS += unit
.PHONY: unit

# The same unit tests built with AddressSanitizer and UBSan (leaks included).
unit-asan:
	@$(MAKE) --no-print-directory B=build/asan SAN=1 unit 2>&1 | \
	    sed 's/^unit: \([0-9]* passed\)/unit-asan: \1/'

CHECKS += unit-asan
.PHONY: unit-asan

# Integration suites again, against daemons built with ASan/UBSan: any report
# goes to stderr, which the suites require to stay empty. No storage-asan:
# storage's strace stops LeakSanitizer (it cannot run under ptrace) and its
# scan of the relay's memory cannot read ASan's shadow map; the code paths
# storage drives are the ones ws-asan and conformance-asan already run.
ws-asan http-asan conformance-asan:
	@$(MAKE) --no-print-directory B=build/asan SAN=1 $(@:-asan=) 2>&1 | \
	    sed 's/^$(@:-asan=): \([0-9]* passed\)/$@: \1/'

CHECKS += ws-asan http-asan conformance-asan
.PHONY: ws-asan http-asan conformance-asan
