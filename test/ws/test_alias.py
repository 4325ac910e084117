"""test_alias.py: aliases that cannot impersonate (issue 11, sanctuary(7)
ALIAS). With alice, bob, José and mia in a room, every look-alike of their
names gets aliastaken and every alias holding an invisible or unusual code
point gets badalias; the members hear nothing of it. Ordinary names in many
scripts still get in, side by side."""

from harness import eq, room_key, sync, test

MEMBERS = ["alice", "bob", "Jos\u00e9", "mia"]

# (alias, code, what it imitates or hides)
REFUSED = [
    # Same skeleton as a member (UTS #39, after NFC and case folding).
    ("\u0430lice", "aliastaken", "Cyrillic a"),
    ("alic\u0435", "aliastaken", "Cyrillic ie"),
    ("\u0430lic\u0435", "aliastaken", "Cyrillic a and ie"),
    ("al\u0456ce", "aliastaken", "Cyrillic dotted i"),
    ("\uff41\uff4c\uff49\uff43\uff45", "aliastaken", "fullwidth alice"),
    ("a\uff4cice", "aliastaken", "one fullwidth l"),
    ("al\u0131ce", "aliastaken", "dotless i"),
    ("aIice", "aliastaken", "capital I for l"),
    ("AIice", "aliastaken", "capital I for l, capital A"),
    ("a1ice", "aliastaken", "digit one for l"),
    ("a\u217cice", "aliastaken", "roman numeral fifty for l"),
    ("\U0001d5balice", "aliastaken",
        "mathematical sans-serif a"),
    ("ALICE", "aliastaken", "upper case"),
    ("alice", "aliastaken", "the same bytes"),
    ("b\u03bfb", "aliastaken", "Greek omicron"),
    ("b\u043eb", "aliastaken", "Cyrillic o"),
    ("b0b", "aliastaken", "digit zero for o"),
    ("BOB", "aliastaken", "upper case"),
    ("Jose\u0301", "aliastaken", "NFD of an NFC name"),
    ("JOS\u00c9", "aliastaken", "full case folding"),
    ("rnia", "aliastaken", "rn for m"),
    # Invisible after alice: ignorable, format, filler, blank.
    ("alice\ufe0f", "badalias", "variation selector 16"),
    ("alice\ufe00", "badalias", "variation selector 1"),
    ("alice\U000e0100", "badalias", "variation selector 17"),
    ("alice\U000e0001", "badalias", "language tag"),
    ("alice\U000e0020", "badalias", "tag space"),
    ("alice\U000e0041", "badalias", "tag A"),
    ("alice\U000e007f", "badalias", "cancel tag"),
    ("alice\u034f", "badalias", "combining grapheme joiner"),
    ("alice\u115f", "badalias", "Hangul choseong filler"),
    ("alice\u1160", "badalias", "Hangul jungseong filler"),
    ("alice\u3164", "badalias", "Hangul filler"),
    ("alice\uffa0", "badalias", "halfwidth Hangul filler"),
    ("alice\u2800", "badalias", "braille blank"),
    ("alice\u180b", "badalias", "Mongolian free variation selector"),
    ("alice\u180e", "badalias", "Mongolian vowel separator"),
    ("alice\U0001d173", "badalias", "musical symbol begin beam"),
    ("alice\ufff9", "badalias", "interlinear annotation anchor"),
    ("alice\ufffb", "badalias", "interlinear annotation terminator"),
    ("alice\u17b4", "badalias", "Khmer vowel inherent aq"),
    ("alice\u17b5", "badalias", "Khmer vowel inherent aa"),
    ("alice\u2065", "badalias", "unassigned ignorable"),
    ("alice\u200d", "badalias", "zero width joiner"),
    ("alice\u2060", "badalias", "word joiner"),
    ("ali\u200bce", "badalias", "zero width space inside"),
    ("alice\u061c", "badalias", "Arabic letter mark"),
    ("alice\ue000", "badalias", "private use"),
    ("alice\U000f0000", "badalias", "supplementary private use"),
    ("alice\U0010ffff", "badalias", "noncharacter"),
    ("alice\u0378", "badalias", "unassigned"),
    ("\u202ealice", "badalias", "right-to-left override"),
    # Combining marks that add nothing visible.
    ("ali\u0307ce", "badalias", "dot above hidden in i"),
    ("Jose\u0301\u0301", "badalias", "acute accent twice"),
]

# Ordinary names that must still get in, all in one room.
ACCEPTED = [
    "Jos\u00e9",				# Spanish, NFC
    "\u0395\u03bb\u03ad\u03bd\u03b7",		# Ελένη
    "\u65e5\u672c",				# 日本
    "\u0639\u0644\u064a",			# علي
    "\u0418\u0432\u0430\u043d",			# Иван
    "\u0930\u093e\u092e",			# राम
    "\u05d3\u05d5\u05d3",			# דוד
    "\uae40\ubbfc\uc218",			# 김민수
    "\u10e5\u10d4\u10d7\u10d8",			# ქეთი
    "\u0e2a\u0e21\u0e0a\u0e32\u0e22",		# สมชาย
    "Zo\u00eb",					# diaeresis
    "ali\u00e7e",				# a cedilla: another name
    "\U0001f98a",				# fox emoji
    "\U0001f1eb\U0001f1f7",			# flag: regional indicators
    "\U0001f44d\U0001f3fd",			# emoji with a skin tone
]

# Emoji joined by ZWJ or drawn with VS16 hold a Default_Ignorable code point.
EMOJI_REFUSED = [
    "\U0001f469\u200d\U0001f4bb",		# woman technologist
    "\u2764\ufe0f",				# red heart, emoji style
]


@test()
async def lookalikes_and_invisibles_refused(ctx):
	key, members, _ = await ctx.room("everyone", MEMBERS)
	eq(len(REFUSED) >= 40, True, "at least 40 refused aliases")
	x = await ctx.client("x")
	for alias, code, what in REFUSED:
		await x.send("join 1 %s %s" % (key, alias))
		eq(await x.recv(), "error " + code, "%s: %r" % (what, alias))
	for alias in EMOJI_REFUSED:
		await x.send("join 1 %s %s" % (key, alias))
		eq(await x.recv(), "error badalias", "emoji %r" % alias)
	# The same rules hold for create, and for the name in purr and kick.
	await x.send("create 1 %s alice\u3164 owner" % room_key())
	eq(await x.recv(), "error badalias", "create with a filler")
	# The members heard nothing; x still gets in under a name of its own.
	await x.send("join 1 %s xavier" % key)
	await x.expect_welcome("everyone", "*", MEMBERS + ["xavier"])
	for m in members:
		await m.expect("joined xavier")
	await sync(x, "xavier", members)


@test()
async def lookalike_names_the_member(ctx):
	"""purr and kick find a member by the same rule as join."""
	key, (a, b), _ = await ctx.room("owner", ["alice", "bob"])
	await b.send("purr \u0430lice hi")
	await a.expect("purr bob hi")
	await b.send("purr alice\u3164 hi")
	await b.expect("error badalias")
	await a.send("kick B\u03bfb")
	for x in (a, b):
		await x.expect("kicked bob alice")
	await b.expect_close(4001)


@test()
async def ordinary_names_accepted(ctx):
	key = room_key()
	cs = []
	for i, alias in enumerate(ACCEPTED):
		c = await ctx.client(alias)
		if i == 0:
			await c.send("create 1 %s %s everyone" % (key, alias))
		else:
			await c.send("join 1 %s %s" % (key, alias))
		await c.expect_welcome("everyone", "*", ACCEPTED[:i + 1])
		for o in cs:
			await o.expect("joined " + alias)
		cs.append(c)
	await sync(cs[-1], ACCEPTED[-1], cs[:-1])
