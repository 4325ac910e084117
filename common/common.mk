COMMON_SRC := $(wildcard common/*.c)
COMMON_OBJ := $(COMMON_SRC:%.c=$(B)/obj/%.o)

$(B)/libcommon.a: $(COMMON_OBJ)
	$(E) "  AR      $@"
	$(Q)$(AR) rcs $@ $^
