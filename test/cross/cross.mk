# The cross suite: the Raspberry Pi's architectures built by mk/cross.mk
# (which the top Makefile includes) and run under qemu-user-static
# (test/cross/run.sh).
CHECKS += cross
