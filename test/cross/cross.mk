# The cross suite: the Raspberry Pi's architectures built by mk/cross.mk and
# run under qemu-user-static (test/cross/run.sh).
include mk/cross.mk

CHECKS += cross
