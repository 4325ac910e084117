# cross.mk: make cross ARCH=arm64|armhf|armel builds both daemons and the unit
# tests with Debian's cross compiler against a sysroot of that architecture's
# own Debian packages (mk/cross-sysroot.sh), into build/ARCH/. The embed tool
# stays a host program (HOSTCC). Each binary gets a launcher in
# build/ARCH/run/ that runs it under qemu-user-static with the sysroot as its
# root (binfmt_misc is not needed): the native suites take those launchers in
# place of the binaries. armel runs on the Raspberry Pi Zero W's own core.

# make cross with ARCH given builds; make cross alone (as make check calls it)
# is the suite.
ifneq ($(filter command line environment,$(origin ARCH)),)
CROSS_GOAL = cross-build
else
CROSS_GOAL = cross-suite
endif
ARCH	?= arm64
CROSS_ARCHES = arm64 armhf armel
CROSS_TRIPLET_arm64 = aarch64-linux-gnu
CROSS_TRIPLET_armhf = arm-linux-gnueabihf
CROSS_TRIPLET_armel = arm-linux-gnueabi
CROSS_QEMU_arm64 = qemu-aarch64-static
CROSS_QEMU_armhf = qemu-arm-static
CROSS_QEMU_armel = qemu-arm-static
CROSS_CPU_armel	 = arm1176

CROSS_B	 = build/$(ARCH)
CROSS_SYSROOT = $(abspath build/sysroot/$(ARCH)/root)
CROSS_TRIPLET = $(CROSS_TRIPLET_$(ARCH))
CROSS_PC = PKG_CONFIG_SYSROOT_DIR=$(CROSS_SYSROOT) \
	   PKG_CONFIG_LIBDIR=$(CROSS_SYSROOT)/usr/lib/$(CROSS_TRIPLET)/pkgconfig
CROSS_TESTS = $(UNIT_SRC:test/unit/%.c=test/%)
CROSS_RUN = $(CROSS_B)/run

cross: $(CROSS_GOAL)

# The sub-make sees a cross CC; the host's HOSTCC and libsodium build embed.
cross-build:
	@case " $(CROSS_ARCHES) " in *" $(ARCH) "*) ;; \
	    *) echo "cross: ARCH is one of $(CROSS_ARCHES)"; exit 1;; esac
	@sh mk/cross-deps.sh $(ARCH)
	@sh mk/cross-sysroot.sh $(ARCH) $(abspath build/sysroot/$(ARCH))
	@$(MAKE) --no-print-directory B=$(CROSS_B) \
	    CC="$(CROSS_TRIPLET)-gcc --sysroot=$(CROSS_SYSROOT)" \
	    AR=$(CROSS_TRIPLET)-ar HOSTCC=cc SODIUM_LIBS=-lsodium \
	    PKG_CONFIG="env $(CROSS_PC) pkg-config" \
	    cross-binaries
	@sh mk/cross-launchers.sh $(abspath $(CROSS_B)) $(CROSS_SYSROOT) \
	    $(CROSS_QEMU_$(ARCH)) "$(CROSS_CPU_$(ARCH))" \
	    chatroom servchat $(CROSS_TESTS)

cross-binaries: $(addprefix $(CROSS_B)/,chatroom servchat $(CROSS_TESTS))
	@:

# One suite of the native set, run against build/ARCH's launchers.
cross-unit: cross-build
	@sh mk/suite.sh cross-$(ARCH)-unit $(CROSS_TESTS:%=$(CROSS_RUN)/%)

cross-ws: cross-build
	@/usr/bin/python3 test/ws/run.py $(CROSS_RUN)/chatroom

cross-conformance: cross-build
	@B=$(CROSS_RUN) /usr/bin/python3 test/conformance/run.py

cross-storage: cross-build
	@B=$(abspath $(CROSS_RUN)) /usr/bin/python3 test/storage/test_storage.py

# The README's figures per architecture: memory under emulation, the guest's
# own (test/cross/figures.py); no time is measured.
cross-figures: cross-build
	@/usr/bin/python3 test/cross/figures.py $(CROSS_RUN) $(ARCH)

# The Debian package for ARCH, cross-built against the sysroot, then linted.
deb-cross:
	@sh mk/cross-deps.sh $(ARCH)
	@sh mk/cross-deps.sh deb
	@sh mk/cross-sysroot.sh $(ARCH) $(abspath build/sysroot/$(ARCH))
	@sh mk/cross-dpkgdb.sh build/sysroot/$(ARCH)
	@sh mk/cross-deb.sh $(ARCH) $(abspath build/sysroot/$(ARCH)) \
	    $(abspath build/deb-$(ARCH))

# make check: arm64 (unit, ws, storage, conformance) and armel (unit, Pi Zero
# W core). make cross-check adds armhf, and the package for all three. Each
# step is one make call above.
CROSS_CHECK = arm64:unit arm64:ws arm64:storage arm64:conformance armel:unit

cross-suite:
	@sh test/cross/run.sh cross $(CROSS_CHECK)

cross-check:
	@sh test/cross/run.sh cross-check $(CROSS_CHECK) armhf:unit
	@for a in $(CROSS_ARCHES); do $(MAKE) --no-print-directory \
	    deb-cross ARCH=$$a || exit 1; done

.PHONY: cross cross-build cross-binaries cross-unit cross-ws cross-conformance cross-storage \
	cross-figures cross-suite cross-check deb-cross
