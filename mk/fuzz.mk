# mk/fuzz.mk: libFuzzer harnesses (test/fuzz/fuzz_TARGET.c), built with clang
# and ASan/UBSan whatever CC is; each compiles the project sources it needs
# into $(B)/fuzz/obj/ with coverage.
#	make fuzz		replays each seed corpus, then fuzzes each target
#				for FUZZ_SECONDS (new inputs: $(B)/fuzz/corpus/,
#				crashes: $(B)/fuzz/crash/)
#	make fuzz-replay	only replays the seeds: one pass per target
#	make fuzz FUZZ_TARGETS=room FUZZ_SECONDS=600
# A crash found becomes a seed in test/fuzz/corpus/TARGET/ with its fix.

FUZZ_CC		?= clang
FUZZ_SECONDS	?= 60
FUZZ_ALL	 = handshake proto room frames alias \
		   $(if $(wildcard servchat/routes.c),servchat)
FUZZ_TARGETS	?= $(FUZZ_ALL)
FUZZ_SAN	 = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS	 = -std=c11 -D_GNU_SOURCE -DSANCTUARY_VERSION='"$(VERSION)"' \
		   -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN) \
		   -fsanitize=fuzzer-no-link $(WARN) -I. $(PKG_CFLAGS)
FUZZ_LDFLAGS	 = -fsanitize=fuzzer $(FUZZ_SAN)
FUZZ_RUNFLAGS	 = -timeout=25 -rss_limit_mb=2048 -print_final_stats=1

FUZZ_SRC_handshake = test/fuzz/fuzz_handshake.c chatroom/handshake.c
FUZZ_LIBS_handshake = -lnettle
FUZZ_SRC_proto	 = test/fuzz/fuzz_proto.c chatroom/proto.c chatroom/alias.c \
		   common/key.c test/fuzz/alias_init.c
FUZZ_LIBS_proto	 = -lsodium $(ICU_LIBS)
# Its own fake sink instead of conn.c; allocations can be made to fail.
FUZZ_SRC_room	 = test/fuzz/fuzz_room.c chatroom/room.c chatroom/cmd.c \
		   chatroom/proto.c chatroom/alias.c chatroom/msg.c common/key.c \
		   test/lib/failalloc.c test/fuzz/alias_init.c
FUZZ_LIBS_room	 = -lsodium $(ICU_LIBS) -Wl,--wrap=malloc -Wl,--wrap=calloc
# The whole relay but main.c, behind a socketpair.
FUZZ_SRC_frames	 = test/fuzz/fuzz_frames.c test/fuzz/alias_init.c \
		   $(filter-out chatroom/main.c,$(wildcard chatroom/*.c)) \
		   $(wildcard common/*.c)
FUZZ_LIBS_frames = $(PKG_LIBS) $(ICU_LIBS) -lwslay
# alias.c against ICU reached by other calls (test/fuzz/ref.h).
FUZZ_SRC_alias	 = test/fuzz/fuzz_alias.c test/fuzz/alias_init.c chatroom/alias.c
FUZZ_LIBS_alias	 = -lsodium $(ICU_LIBS)
# routes.c behind a real MHD daemon; a small asset table of its own.
FUZZ_SRC_servchat = test/fuzz/fuzz_servchat.c servchat/routes.c \
		   servchat/headers.c servchat/rules.c servchat/assets.c \
		   common/key.c
FUZZ_LIBS_servchat = -lmicrohttpd -lsodium

FUZZ_BINS	 = $(FUZZ_TARGETS:%=$(B)/fuzz/fuzz_%)

$(B)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(E) "  FUZZCC  $<"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

define FUZZ_LINK
$(B)/fuzz/fuzz_$(1): $$(FUZZ_SRC_$(1):%.c=$(B)/fuzz/obj/%.o)
	@mkdir -p $$(@D)
	$(E) "  FUZZLD  $$@"
	$(Q)$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $$@ $$^ $$(FUZZ_LIBS_$(1))
endef
$(foreach t,$(FUZZ_ALL),$(eval $(call FUZZ_LINK,$(t))))

fuzz-build: $(FUZZ_BINS)

# Each seed once; a target passes when none of its seeds crashes.
fuzz-replay: $(FUZZ_BINS)
	@mkdir -p $(B)/fuzz/log; pass=0; fail=0; \
	for t in $(FUZZ_TARGETS); do \
		log=$(B)/fuzz/log/replay-$$t.log; \
		n=$$(ls test/fuzz/corpus/$$t | wc -l); \
		if [ "$$n" -gt 0 ] && $(B)/fuzz/fuzz_$$t -runs=1 \
		    test/fuzz/corpus/$$t/* >$$log 2>&1; then \
			echo "fuzz_$$t: $$n seeds replayed"; pass=$$((pass + 1)); \
		else \
			grep -v '^Executed' $$log | tail -n 12; \
			echo "fuzz_$$t: FAILED (see $$log)"; \
			fail=$$((fail + 1)); \
		fi; \
	done; \
	echo "fuzz: $$pass passed, $$fail failed"; [ $$fail -eq 0 ]

# Seeds first (a regression fails fast), then FUZZ_SECONDS per target.
fuzz: $(FUZZ_BINS)
	@pass=0; fail=0; \
	for t in $(FUZZ_TARGETS); do \
		mkdir -p $(B)/fuzz/corpus/$$t $(B)/fuzz/crash $(B)/fuzz/log; \
		log=$(B)/fuzz/log/fuzz-$$t.log; \
		echo "fuzz_$$t: $(FUZZ_SECONDS) s"; \
		if $(B)/fuzz/fuzz_$$t -runs=1 test/fuzz/corpus/$$t/* \
		    >$$log 2>&1 && \
		    $(B)/fuzz/fuzz_$$t $(FUZZ_RUNFLAGS) \
		    -max_total_time=$(FUZZ_SECONDS) \
		    -dict=test/fuzz/$$t.dict \
		    -artifact_prefix=$(B)/fuzz/crash/$$t- \
		    $(B)/fuzz/corpus/$$t test/fuzz/corpus/$$t >>$$log 2>&1; then \
			grep -E '^stat::(number_of_executed_units|new_units_added)' \
			    $$log | tr '\n' ' '; echo; pass=$$((pass + 1)); \
		else \
			grep -v '^Executed\|^#' $$log | tail -n 20; \
			echo "fuzz_$$t: FAILED (see $$log)"; \
			fail=$$((fail + 1)); \
		fi; \
	done; \
	echo "fuzz: $$pass passed, $$fail failed"; [ $$fail -eq 0 ]

.PHONY: fuzz fuzz-build fuzz-replay

# make check replays every seed, then fuzzes each target for FUZZ_SECONDS.
CHECKS += fuzz-replay fuzz
