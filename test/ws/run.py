#!/usr/bin/python3
"""run.py [CHATROOM [TEST...]]: the ws suite (see harness.py).
Must run under Debian's /usr/bin/python3 (python3-websockets 10.4)."""

import os
import sys

sys.dont_write_bytecode = True	# keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness			# noqa: E402
import test_room		# noqa: E402,F401
import test_input		# noqa: E402,F401
import test_handshake		# noqa: E402,F401
import test_limits		# noqa: E402,F401
import test_cli			# noqa: E402,F401
import test_v2			# noqa: E402,F401
import test_alias		# noqa: E402,F401

if __name__ == "__main__":
	sys.exit(harness.main(sys.argv))
