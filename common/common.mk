COMMON_SRC := $(wildcard common/*.c)
COMMON_OBJ := $(COMMON_SRC:%.c=$(B)/obj/%.o)

$(B)/libcommon.a: $(COMMON_OBJ)
	$(AR) rcs $@ $^
