# test/http: servchat over real loopback sockets (Python stdlib only). The suite
# runs the real build ($(B)/servchat, with static/) and the same code linked
# with test/http/fixture/ embedded instead, so exact bytes can be asserted
# whatever state static/ is in. The fixture's node_modules/ is assembled here
# (from fixture-vendor/) so no node_modules directory is ever committed.
# test_tls.py: the same over https, with a CA made by certtool at test time.

HTTP_FIXTURE	 := $(B)/gen/test/http/static
HTTP_FIXTURE_SRC := $(shell find test/http/fixture test/http/fixture-vendor \
		    -type f 2>/dev/null)
HTTP_FIXTURE_BIN := $(B)/test/http/servchat-fixture

$(HTTP_FIXTURE).stamp: $(HTTP_FIXTURE_SRC)
	@rm -rf $(HTTP_FIXTURE)
	@mkdir -p $(HTTP_FIXTURE)/node_modules/fakelib
	@cp -R test/http/fixture/. $(HTTP_FIXTURE)/
	@cp test/http/fixture-vendor/* $(HTTP_FIXTURE)/node_modules/fakelib/
	@touch $@

$(B)/gen/test/http/assets_data.c: $(EMBED) $(HTTP_FIXTURE).stamp
	$(E) "  EMBED   fixture -> $@"
	$(Q)$(EMBED) $(HTTP_FIXTURE) $@

$(B)/obj/test/http/assets_data.o: $(B)/gen/test/http/assets_data.c \
    servchat/assets.h
	@mkdir -p $(@D)
	$(E) "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(HTTP_FIXTURE_BIN): $(B)/obj/servchat/main.o \
    $(B)/obj/test/http/assets_data.o $(B)/libservchat.a $(B)/libcommon.a
	@mkdir -p $(@D)
	$(E) "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

http: $(B)/servchat $(HTTP_FIXTURE_BIN) $(HTTP_FIXTURE).stamp
	@SERVCHAT=$(B)/servchat SERVCHAT_FIXTURE=$(HTTP_FIXTURE_BIN) \
	    HTTP_FIXTURE_DIR=$(HTTP_FIXTURE) STATIC_DIR=static \
	    HTTP_VENDOR_DIR=test/http/fixture-vendor \
	    sh mk/suite.sh http test/http/test_http.py test/http/test_tls.py \
	    test/http/test_encoding.py

CHECKS += http
.PHONY: http
