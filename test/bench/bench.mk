# Benchmarks (never part of make check): relay fan-out, memory, handshakes.
bench: $(B)/chatroom
	@B=$(abspath $(B)) /usr/bin/python3 test/bench/bench.py | tee $(B)/bench.txt

.PHONY: bench
