# Sanctuary: one non-recursive Makefile; each directory adds its part in *.mk.
# User CFLAGS/LDFLAGS are appended, never replaced.

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
UNITDIR	?= $(PREFIX)/lib/systemd/system
DESTDIR	?=

B	?= build
CC	?= cc
PKG_CONFIG ?= pkg-config
VERSION	 = 1.0.0

PKGS	 = libsodium popt nettle libmicrohttpd libqrencode gnutls
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
# ICU (the alias rules, chatroom/alias.c): only the relay and its tests.
ICU_PKGS = icu-uc icu-i18n
PKG_CFLAGS += $(shell $(PKG_CONFIG) --cflags $(ICU_PKGS) 2>/dev/null)
ICU_LIBS   := $(shell $(PKG_CONFIG) --libs $(ICU_PKGS) 2>/dev/null)

WARN	 = -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wpointer-arith \
	   -Wcast-qual -Wstrict-prototypes -Wmissing-prototypes -Wvla \
	   -Wundef -Wimplicit-fallthrough -Wno-unused-parameter
HARDEN	 = -fstack-protector-strong -fPIE -fno-strict-aliasing
ifneq ($(filter x86_64% i%86%,$(shell $(CC) -dumpmachine)),)
HARDEN	+= -fcf-protection
endif
LDHARDEN = -pie -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack

ifeq ($(SAN),1)
OPT	 = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	   -fno-sanitize-recover=all -DSANCTUARY_SANITIZE
LDSAN	 = -fsanitize=address,undefined
else
OPT	 = -O2 -D_FORTIFY_SOURCE=2
LDSAN	 =
endif

ALL_CFLAGS  = -std=c11 -D_GNU_SOURCE -DSANCTUARY_VERSION='"$(VERSION)"' \
	      $(OPT) $(WARN) $(HARDEN) -I. $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(LDHARDEN) $(LDSAN) $(LDFLAGS)

# Quiet "  CC      file" lines; V=1 shows each whole command instead. A rule
# says $(Q)cmd for a command and $(E) "  TAG     file" for its short line.
ifeq ($(V),1)
Q	 =
E	 = @:
else
Q	 = @
E	 = @echo
endif

BINS	=
CHECKS	=
CLEAN	= $(B)

all: binaries

# Every part listed must exist: a renamed or lost .mk stops make at once.
# Order matters: test/http/http.mk uses EMBED from servchat.mk. A new
# test/NAME/NAME.mk or mk/NAME.mk joins by itself, after these.
MK_PARTS = common/common.mk chatroom/chatroom.mk servchat/servchat.mk \
	   test/test.mk test/ws/ws.mk test/http/http.mk test/browser/browser.mk \
	   test/interop/interop.mk test/storage/storage.mk \
	   test/bench/bench.mk mk/install.mk mk/docs.mk mk/fuzz.mk \
	   mk/conformance.mk mk/abuse.mk mk/lint.mk
include $(MK_PARTS)
include $(filter-out $(MK_PARTS),$(wildcard test/*/*.mk mk/*.mk))

binaries: $(BINS)

$(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(E) "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(B) -name '*.d' -type f 2>/dev/null)

deps:
	@sh mk/deps.sh

deps-build:
	@sh mk/deps.sh build

# Builds both daemons and runs them on ports 6969 and 9696, dual stack.
run: deps-build
	@$(MAKE) --no-print-directory binaries
	@sh mk/run.sh $(B)

check: deps
	@$(MAKE) --no-print-directory binaries
	@sh mk/check.sh $(CHECKS)

clean:
	rm -rf $(CLEAN)

.PHONY: all binaries deps deps-build run check clean
