# Abuse cases on loopback (slowloris, per-IP cap, flood, slow reader, bursts,
# ping timeout, 5,000 connections, 100,000 cycles, servchat idle conns):
# test/abuse. The servchat case runs when servchat is part of the build.
abuse: $(B)/chatroom $(filter $(B)/servchat,$(BINS))
	@B=$(B) /usr/bin/python3 test/abuse/run.py

CHECKS += abuse
.PHONY: abuse
