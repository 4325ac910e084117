# Integration tests of the relay: the real chatroom driven over loopback by
# python3-websockets and raw sockets (test/ws/harness.py). Debian's python.
WS_PYTHON ?= /usr/bin/python3

ws: $(B)/chatroom
	@$(WS_PYTHON) test/ws/run.py $(B)/chatroom

CHECKS += ws
.PHONY: ws
