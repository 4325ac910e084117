/*
 * test_oom.c: the room logic (room.c, cmd.c, msg.c) when memory runs out.
 * A conversation is replayed step by step; at each step every allocation
 * fails in turn (test/lib/failalloc.h). Whatever failed, each conn may only
 * have seen what the step gives it when memory suffices, or a close 1011
 * "out of memory"; the table must stay whole (its members are exactly the
 * conns that hold one), and nothing may leak (the unit-asan run checks
 * that).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "chatroom/cmd.h"
#include "chatroom/room.h"
#include "common/key.h"
#include "fake_conn.h"
#include "test/lib/failalloc.h"
#include "unit.h"

#define KEY	"xWqn-nCtemuA0e9BUnlt8Q"
#define NCONN	3
#define LOGMAX	4096

static const struct step {
	int		 who;
	const char	*frame;
} steps[] = {
	{ 0, "create 1 " KEY " alice owner" },
	{ 1, "join 1 " KEY " bob" },
	{ 2, "join 1 " KEY " carol" },
	{ 1, "msg hello" },
	{ 0, "purr bob psst" },
	{ 0, "kick carol" },
	{ 1, "exit bye" },
	{ 0, "stop" },
};
#define NSTEPS	(sizeof(steps) / sizeof(steps[0]))

struct world {
	struct room_table	*tab;
	struct conn		*c[NCONN];
	int			 gone[NCONN];	/* closed: the daemon dropped */
};

/* Tokens differ between runs: "welcome TOKEN" becomes "welcome *". */
static void
normalize(char *out, const char *in)
{
	char	*w;

	snprintf(out, LOGMAX, "%s", in);
	for (w = out; (w = strstr(w, "welcome ")) != NULL; w++) {
		if (strlen(w) < 8 + KEY_LEN)
			break;
		w[8] = '*';
		memmove(w + 9, w + 8 + KEY_LEN, strlen(w + 8 + KEY_LEN) + 1);
	}
}

/* What the server does before sleep: members of closed conns leave. */
static void
settle(struct world *w)
{
	int	i;

	for (i = 0; i < NCONN; i++) {
		if (w->gone[i] || fake_conn_closes(w->c[i]) == 0)
			continue;
		w->gone[i] = 1;
		if (fake_conn_member(w->c[i]) != NULL)
			rooms_drop(w->tab, fake_conn_member(w->c[i]));
	}
}

static void
world_init(struct world *w)
{
	static const struct room_limits limits = { 4, 4 };
	int	i;

	memset(w, 0, sizeof(*w));
	ck_assert_ptr_nonnull(w->tab = rooms_new(&limits));
	for (i = 0; i < NCONN; i++)
		w->c[i] = fake_conn_new();
}

/* Runs step s, failing allocation k (-1: none); 1 if that allocation came. */
static int
run_step(struct world *w, size_t s, long k, char logs[NCONN][LOGMAX])
{
	struct conn	*c = w->c[steps[s].who];
	int		 hit, i;

	if (w->gone[steps[s].who])
		return 0;
	failalloc_after(k);
	failalloc_on();
	cmd_exec(w->tab, c, fake_conn_member(c), steps[s].frame,
	    strlen(steps[s].frame));
	hit = failalloc_off();
	failalloc_after(-1);
	for (i = 0; i < NCONN; i++)
		normalize(logs[i], fake_conn_take(w->c[i]));
	settle(w);
	return hit;
}

/* Every line of got is in want, or is the out-of-memory close. */
static void
check_lines(const char *got, const char *want, size_t s, long k, int who)
{
	char		 copy[LOGMAX], *line, *save = NULL;
	char		 needle[LOGMAX + 2];

	snprintf(copy, sizeof(copy), "%s", got);
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strcmp(line, "close 1011 out of memory") == 0 ||
		    strcmp(line, "close 1011 out of memory +member") == 0)
			continue;
		snprintf(needle, sizeof(needle), "%s\n", line);
		ck_assert_msg(strstr(want, needle) != NULL,
		    "step %zu (%s), allocation %ld: conn %d got \"%s\", which "
		    "memory enough would not give it (it gives \"%s\")", s,
		    steps[s].frame, k, who, line, want);
	}
}

static int
has_oom_close(const char *log)
{
	return strstr(log, "close 1011 out of memory") != NULL;
}

/* The close line memory enough gives the conn, if any, is in got too. */
static int
has_its_close(const char *got, const char *want)
{
	const char	*c = strstr(want, "close ");

	return c != NULL && strstr(got, c) != NULL;
}

/*
 * A failure is never silent: a conn that got less than memory enough gives
 * it was closed 1011 itself, or the conn whose command failed was, or the
 * step closes it anyway (a stop whose `stopped` line could not be built
 * still closes every member 4002).
 */
static void
check_told(char got[NCONN][LOGMAX], char want[NCONN][LOGMAX], size_t s,
    long k)
{
	int	j, actor = steps[s].who;

	for (j = 0; j < NCONN; j++)
		ck_assert_msg(strcmp(got[j], want[j]) == 0 ||
		    has_oom_close(got[j]) || has_oom_close(got[actor]) ||
		    has_its_close(got[j], want[j]),
		    "step %zu (%s), allocation %ld: conn %d got \"%s\" instead "
		    "of \"%s\" and nobody was closed 1011", s, steps[s].frame,
		    k, j, got[j], want[j]);
}

/* The table holds exactly the members of the conns still open. */
static void
check_table(const struct world *w, size_t s, long k)
{
	size_t	n = 0;
	int	i;

	for (i = 0; i < NCONN; i++)
		if (!w->gone[i] && fake_conn_member(w->c[i]) != NULL)
			n++;
	ck_assert_msg(rooms_members(w->tab) == n, "step %zu, allocation %ld: "
	    "%zu members in the table, %zu conns hold one", s, k,
	    rooms_members(w->tab), n);
	ck_assert(rooms_count(w->tab) <= 1);
	ck_assert(n == 0 || rooms_count(w->tab) == 1);
}

START_TEST(test_each_allocation_fails)
{
	static char	want[NCONN][LOGMAX], got[NCONN][LOGMAX];
	size_t		s, i, failures = 0;
	long		k;
	int		j;

	for (s = 0; s < NSTEPS; s++) {
		for (k = 0;; k++) {
			struct world	ok, w;

			/* The step with memory enough, from the same state. */
			world_init(&ok);
			for (i = 0; i < s; i++)
				run_step(&ok, i, -1, got);
			run_step(&ok, s, -1, want);
			rooms_free(ok.tab);

			world_init(&w);
			for (i = 0; i < s; i++)
				run_step(&w, i, -1, got);
			if (!run_step(&w, s, k, got)) {
				rooms_free(w.tab);
				fake_conn_free_all();
				break;
			}
			failures++;
			for (j = 0; j < NCONN; j++)
				check_lines(got[j], want[j], s, k, j);
			check_told(got, want, s, k);
			check_table(&w, s, k);
			/* The rest of the conversation still runs. */
			for (i = s + 1; i < NSTEPS; i++) {
				run_step(&w, i, -1, got);
				check_table(&w, i, -1);
			}
			rooms_free(w.tab);
			fake_conn_free_all();
		}
	}
	/* Every step allocates: create, join, messages, kick, exit, stop. */
	ck_assert_uint_ge(failures, NSTEPS);
}
END_TEST

Suite *
suite(void)
{
	Suite	*s = suite_create("oom");
	TCase	*t = tcase_create("allocation failures");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, test_each_allocation_fails);
	suite_add_tcase(s, t);
	return s;
}
