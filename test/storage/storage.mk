# Zero storage, proven: strace of a session, relay memory scan, no core dumps;
# the first two again with TLS on.
storage: binaries
	@B=$(abspath $(B)) /usr/bin/python3 test/storage/test_storage.py

CHECKS += storage
.PHONY: storage
