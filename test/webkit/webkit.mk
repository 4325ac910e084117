# WebKit suite: Debian's WebKitGTK (the engine of every iPhone browser),
# driven by WebKitWebDriver through python3-selenium under xvfb-run, joins a
# room made in Chromium (playwright-core, pinned by test/browser's lock file).
# dbus-run-session gives WebKit the session bus it asks for. Screenshots land
# in $(B)/screenshots.

webkit: $(B)/servchat $(B)/chatroom
	cd test/browser && npm ci --ignore-scripts --no-audit --no-fund \
	    --prefer-offline --loglevel=error
	SANCTUARY_BUILD=$(abspath $(B)) xvfb-run -a dbus-run-session -- \
	    /usr/bin/python3 test/webkit/run.py

CHECKS += webkit
.PHONY: webkit
