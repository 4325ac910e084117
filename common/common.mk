# An archive is made afresh each time, so a moved or deleted source leaves
# no stale member behind (ar rcs only adds and replaces).
COMMON_SRC := $(wildcard common/*.c)
COMMON_OBJ := $(COMMON_SRC:%.c=$(B)/obj/%.o)

$(B)/libcommon.a: $(COMMON_OBJ)
	$(E) "  AR      $@"
	@rm -f $@
	$(Q)$(AR) rcs $@ $^
