# Autobahn-style conformance cases (groups 1-7, 9, 12/13) through the real
# relay, each written whole and in 1- and 7-byte chops, over ws and over wss:
# test/conformance.
conformance: $(B)/chatroom
	@B=$(B) /usr/bin/python3 test/conformance/run.py

CHECKS += conformance
.PHONY: conformance
