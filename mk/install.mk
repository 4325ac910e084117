# install.mk: make install / make uninstall. PREFIX, DESTDIR, BINDIR, MANDIR
# and UNITDIR come from the top Makefile. The units are written with BINDIR
# and ENVDIR filled in, so ExecStart names the installed binary.
#
# Options for the services live in $(SYSCONFDIR)/sanctuary/NAME.env
# (/etc/sanctuary by default, whatever PREFIX is: the units read it from
# there). install never overwrites an existing .env (the admin's edits win);
# uninstall removes a .env only if it is still the shipped one.

SYSCONFDIR ?= /etc
ENVDIR	    = $(SYSCONFDIR)/sanctuary
INSTALL	   ?= install
DAEMONS	    = chatroom servchat
MAN7	    = man/sanctuary.7
MAN8	    = man/chatroom.8 man/servchat.8
# Helpers run by other programs (certbot), not by hand: not in BINDIR.
LIBEXECDIR ?= $(PREFIX)/lib/sanctuary
HOOKS	    = contrib/certbot-deploy-hook

install: $(DAEMONS:%=$(B)/%)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man7 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(ENVDIR) \
	    $(DESTDIR)$(LIBEXECDIR)
	$(INSTALL) -m 755 $(DAEMONS:%=$(B)/%) $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 755 $(HOOKS) $(DESTDIR)$(LIBEXECDIR)/
	$(INSTALL) -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7/
	$(INSTALL) -m 644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/
	@set -e; for d in $(DAEMONS); do \
	    u=$(DESTDIR)$(UNITDIR)/$$d.service; \
	    echo "sed $$d/$$d.service > $$u"; \
	    sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@ENVDIR@|$(ENVDIR)|g' \
		$$d/$$d.service > $$u.tmp; \
	    chmod 644 $$u.tmp; mv -f $$u.tmp $$u; \
	    e=$(DESTDIR)$(ENVDIR)/$$d.env; \
	    if [ -e $$e ]; then echo "kept $$e (already there)"; \
	    else $(INSTALL) -m 644 $$d/$$d.env $$e; echo "installed $$e"; fi; \
	done

uninstall:
	rm -f $(DAEMONS:%=$(DESTDIR)$(BINDIR)/%) \
	    $(MAN7:man/%=$(DESTDIR)$(MANDIR)/man7/%) \
	    $(MAN8:man/%=$(DESTDIR)$(MANDIR)/man8/%) \
	    $(DAEMONS:%=$(DESTDIR)$(UNITDIR)/%.service) \
	    $(HOOKS:contrib/%=$(DESTDIR)$(LIBEXECDIR)/%)
	@rmdir $(DESTDIR)$(LIBEXECDIR) 2>/dev/null || true
	@for d in $(DAEMONS); do \
	    e=$(DESTDIR)$(ENVDIR)/$$d.env; \
	    if cmp -s $$d/$$d.env $$e; then rm -f $$e; echo "removed $$e"; \
	    elif [ -e $$e ]; then echo "kept $$e (edited: remove it by hand)"; \
	    fi; \
	done
	@rmdir $(DESTDIR)$(ENVDIR) 2>/dev/null || true

.PHONY: install uninstall
