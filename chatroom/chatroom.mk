CHATROOM_SRC := $(filter-out chatroom/main.c,$(wildcard chatroom/*.c))
CHATROOM_OBJ := $(CHATROOM_SRC:%.c=$(B)/obj/%.o)

$(B)/libchatroom.a: $(CHATROOM_OBJ)
	$(E) "  AR      $@"
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

$(B)/chatroom: $(B)/obj/chatroom/main.o $(B)/libchatroom.a $(B)/libcommon.a
	$(E) "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(ICU_LIBS) -lwslay

BINS += $(B)/chatroom
