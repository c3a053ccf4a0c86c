/*
 * rules_fixture.h - the project's rules/, loaded once for a group of
 * tests (cmocka group setup and teardown), for the unit tests that run
 * rules.  Included by one test file each: the definitions are static.
 */
#ifndef QDX_TOP
#define QDX_TOP "."
#endif

static qdx_rules *rules;

static int setup(void **state)
{
	qdx_error err;

	(void)state;
	memset(&err, 0, sizeof(err));
	if (qdx_rules_load(&rules, QDX_TOP "/rules", &err)) {
		char msg[1200];
		qdx_error_format(&err, msg, sizeof(msg));
		print_error("%s\n", msg);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	qdx_rules_free(rules);
	return 0;
}
