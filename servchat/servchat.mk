# servchat: the page server. The browser client in static/ is embedded at build
# time: tools/bundle (esbuild, from npm) bundles and minifies it into
# $(B)/gen/bundle, then $(B)/tools/embed (a host program built from
# tools/embed.c, never installed) writes $(B)/gen/servchat/assets_data.c with
# gzip and brotli bodies besides the plain ones. Nothing generated lands in
# the source tree.

SERVCHAT_SRC := $(filter-out servchat/main.c,$(wildcard servchat/*.c))
SERVCHAT_OBJ := $(SERVCHAT_SRC:%.c=$(B)/obj/%.o)
SERVCHAT_GEN := $(B)/gen/servchat/assets_data.c
# The build machine's own compiler, whatever CC is: embed runs here.
HOSTCC	?= cc
EMBED	 = $(B)/tools/embed
SODIUM_LIBS := $(shell $(PKG_CONFIG) --libs libsodium 2>/dev/null)
# Everything in static/ but node_modules/ (the npm stamp stands for it), and
# the directory itself, whose time changes when a file is added or removed.
STATIC_FILES := $(shell find static -path static/node_modules -prune -o \
		-type f -print 2>/dev/null) $(wildcard static)

$(B)/libservchat.a: $(SERVCHAT_OBJ)
	$(E) "  AR      $@"
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

# Same warnings as the daemons; no sanitizers (it runs at build time only).
$(EMBED): tools/embed.c servchat/rules.c servchat/rules.h
	@mkdir -p $(@D)
	$(E) "  HOSTCC  $@"
	$(Q)$(HOSTCC) -std=c11 -D_GNU_SOURCE -O2 $(WARN) -I. $(PKG_CFLAGS) \
	    -o $@ tools/embed.c servchat/rules.c $(SODIUM_LIBS)

# The vendored libraries come from static/node_modules, installed exactly as
# static/package-lock.json pins them, again only when the lock file changes.
ifneq ($(wildcard static/package-lock.json),)
SERVCHAT_NPM := $(B)/gen/servchat/npm-ci.stamp
$(SERVCHAT_NPM): static/package.json static/package-lock.json
	@mkdir -p $(@D)
	cd static && npm ci --ignore-scripts --no-audit --no-fund \
	    --prefer-offline
	@touch $@
endif

# esbuild, pinned by tools/bundle/package-lock.json; its binary is the build
# machine's (an optional dependency per platform), also when cross-building.
BUNDLE_DIR   := $(B)/gen/bundle
BUNDLE_NPM   := $(B)/gen/tools-bundle-npm.stamp
BUNDLE_STAMP := $(B)/gen/bundle.stamp

$(BUNDLE_NPM): tools/bundle/package.json tools/bundle/package-lock.json
	@mkdir -p $(@D)
	cd tools/bundle && npm ci --ignore-scripts --no-audit --no-fund \
	    --prefer-offline
	@touch $@

# NOBUNDLE=1 embeds static/ as it is (every module a request of its own).
ifeq ($(NOBUNDLE),1)
$(BUNDLE_STAMP):
	@rm -rf $(BUNDLE_DIR) && mkdir -p $(BUNDLE_DIR)
	@touch $@
else
$(BUNDLE_STAMP): tools/bundle/bundle.mjs $(STATIC_FILES) $(SERVCHAT_NPM) \
    $(BUNDLE_NPM)
	@rm -rf $(BUNDLE_DIR) && mkdir -p $(BUNDLE_DIR)
	$(E) "  BUNDLE  static -> $(BUNDLE_DIR)"
	$(Q)node tools/bundle/bundle.mjs static $(BUNDLE_DIR)
	@touch $@
endif

$(SERVCHAT_GEN): $(EMBED) $(STATIC_FILES) $(SERVCHAT_NPM) $(BUNDLE_STAMP)
	@mkdir -p $(@D)
	$(E) "  EMBED   static -> $@"
	$(Q)$(EMBED) static $@ $(BUNDLE_DIR)

$(B)/obj/servchat/assets_data.o: $(SERVCHAT_GEN) servchat/assets.h
	@mkdir -p $(@D)
	$(E) "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/servchat: $(B)/obj/servchat/main.o $(B)/obj/servchat/assets_data.o \
    $(B)/libservchat.a $(B)/libcommon.a
	$(E) "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

BINS += $(B)/servchat
