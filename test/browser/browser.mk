# Browser suite: Debian's Chromium driven by playwright-core (pinned in
# test/browser/package-lock.json) against the real build/servchat and
# build/chatroom. npm ci runs first so the pinned version is what runs.
# Screenshots land in $(B)/screenshots.

browser: $(B)/servchat $(B)/chatroom
	cd test/browser && npm ci --ignore-scripts --no-audit --no-fund \
	    --prefer-offline --loglevel=error
	cd test/browser && SANCTUARY_BUILD=$(abspath $(B)) node run.js

CHECKS += browser
.PHONY: browser
