/*
 * tasks.c - `qdx tasks`: the index's tasks, filtered, as a table, CSV,
 * JSON, NDJSON or an iCalendar file of VTODOs.
 *
 * A task is one deadline of an item, or an item without a deadline that
 * has a lead agency and no sub-items.  The lead is the item's own or, when
 * it names none, the nearest enclosing item's: plans assign work as
 *
 *     a) Sở Nội vụ:
 *     - Chủ trì, phối hợp với ... tổng hợp, báo cáo định kỳ ...
 *
 * where the bullet is Sở Nội vụ's task though only the heading names it.
 * An item with sub-items and no deadline is a heading: its sub-items are
 * the tasks.
 *
 * iCalendar (RFC 5545).  One VTODO per deadline that has a date.  Its UID
 * is the document's SHA-256, the deadline's line and its rank among the
 * deadlines of that line: re-ingesting the same file, or filtering, gives
 * the same UID, so a calendar that imports the file twice updates its
 * to-dos instead of doubling them.  DTSTAMP is when the document was
 * ingested, which keeps the output of one index reproducible.  A recurring
 * deadline is due at the end of each period ("Hằng năm": 31 December; "Quý
 * I hằng năm": 31 March) or on its named day ("trước ngày 01 tháng 12 hàng
 * năm"), from the plan's start until its end (RRULE ... UNTIL).
 */
#include "reader.h"
#include "fold.h"

#include <stdio.h>
#include <stdlib.h>

/* Agencies of one item are joined with this byte in SQL and split here. */
#define SEP QDX_LIST_SEP

static const char sql_tasks[] =
	"WITH RECURSIVE"
	" own(item, leads, keys) AS ("
	"  SELECT item, group_concat(coalesce(canonical, text), char(31)),"
	"         group_concat(qdx_fold(text || ' ' || coalesce(canonical, '')), ' | ')"
	"    FROM agencies WHERE role = 'lead' GROUP BY item),"
	" eff(id, leads, keys, inherited) AS ("
	"  SELECT i.id, o.leads, o.keys, 0 FROM items i LEFT JOIN own o ON o.item = i.id"
	"   WHERE i.parent IS NULL"
	"  UNION ALL"
	"  SELECT c.id, coalesce(o.leads, e.leads), coalesce(o.keys, e.keys),"
	"         o.leads IS NULL AND e.leads IS NOT NULL"
	"    FROM eff e JOIN items c ON c.parent = e.id LEFT JOIN own o ON o.item = c.id)"
	" SELECT d.path, coalesce(d.number, d.attached_number), d.province, d.sha256,"
	"  d.ingested_at, i.line, i.path, i.text, e.leads, e.inherited,"
	"  (SELECT group_concat(coalesce(a.canonical, a.text), char(31)) FROM agencies a"
	"    WHERE a.item = i.id AND a.role = 'partner'),"
	"  dl.id, dl.line, dl.kind, dl.text, dl.start, dl.end, dl.freq, dl.at, dl.condition,"
	"  dl.inferred,"
	"  (SELECT count(*) FROM deadlines x WHERE x.item = dl.item AND x.line = dl.line"
	"    AND x.id < dl.id)"
	" FROM items i JOIN documents d ON d.id = i.doc JOIN eff e ON e.id = i.id"
	" LEFT JOIN deadlines dl ON dl.item = i.id"
	" WHERE (dl.id IS NOT NULL OR (e.leads IS NOT NULL"
	"        AND NOT EXISTS (SELECT 1 FROM items c WHERE c.parent = i.id)))"
	"  AND (?1 IS NULL OR instr(qdx_fold(d.province), ?1) > 0)"
	"  AND (?2 IS NULL OR instr(e.keys, ?2) > 0)"
	"  AND (?3 IS NULL OR dl.end <= ?3)"
	"  AND (?4 IS NULL OR dl.end >= ?4)"
	"  AND (?5 IS NULL OR dl.kind = ?5)"
	"  AND (?6 IS NULL OR EXISTS (SELECT 1 FROM citations c"
	"        WHERE c.doc = d.id AND qdx_fold(c.number) = ?6))"
	" ORDER BY d.path, i.line, dl.line, dl.id";

enum {
	C_PATH, C_NUMBER, C_PROVINCE, C_SHA, C_STAMP, C_LINE, C_ITEM, C_TEXT, C_LEADS,
	C_INHERITED, C_PARTNERS, C_DID, C_DLINE, C_KIND, C_PHRASE, C_START, C_END, C_FREQ,
	C_AT, C_CONDITION, C_INFERRED, C_RANK
};

/* ---- dates ----------------------------------------------------------------- */

typedef struct ymd {
	int y, m, d;
} ymd;

static int leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in(int y, int m)
{
	static const int n[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && leap(y) ? 29 : n[m - 1];
}

/* Reads exactly `n` digits. */
static int digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* "YYYY-MM-DD", a real day. */
static int parse_ymd(const char *s, ymd *t)
{
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &t->y) ||
	    digits(s + 5, 2, &t->m) || digits(s + 8, 2, &t->d) || t->m < 1 || t->m > 12 ||
	    t->d < 1 || t->d > days_in(t->y, t->m))
		return -1;
	return 0;
}

static int ymd_cmp(ymd a, ymd b)
{
	return a.y != b.y ? a.y - b.y : a.m != b.m ? a.m - b.m : a.d - b.d;
}

/* A --due-before / --due-after bound: YYYY, YYYY-MM, YYYY-MM-DD or YYYY-QN,
 * widened to the last (before) or first (after) day it names. */
static int parse_bound(const char *s, int last, char out[32])
{
	ymd t = { 0, 1, 1 };
	size_t n = strlen(s);
	int q;

	if (n < 4 || digits(s, 4, &t.y) || t.y < 1)
		return -1;
	if (n == 4) {
		t.m = last ? 12 : 1;
	} else if (n == 7 && s[4] == '-' && (s[5] == 'Q' || s[5] == 'q')) {
		if (digits(s + 6, 1, &q) || q < 1 || q > 4)
			return -1;
		t.m = last ? 3 * q : 3 * q - 2;
	} else if (n == 7 && s[4] == '-') {
		if (digits(s + 5, 2, &t.m) || t.m < 1 || t.m > 12)
			return -1;
	} else if (n == 10) {
		if (parse_ymd(s, &t))
			return -1;
		snprintf(out, 32, "%04d-%02d-%02d", t.y, t.m, t.d);
		return 0;
	} else {
		return -1;
	}
	t.d = last ? days_in(t.y, t.m) : 1;
	snprintf(out, 32, "%04d-%02d-%02d", t.y, t.m, t.d);
	return 0;
}

/* ---- one task ------------------------------------------------------------ */

typedef struct task {
	const char *path, *number, *province, *sha, *stamp, *item, *text, *leads, *partners;
	unsigned line;
	int inherited;
	int has_deadline;
	unsigned dline;
	const char *kind, *phrase, *start, *end, *freq, *at, *condition;
	int inferred, rank;
} task;

static const char *col_or_null(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NULL : qdx_col(st, i);
}

static void read_task(sqlite3_stmt *st, task *t)
{
	t->path = qdx_col(st, C_PATH);
	t->number = col_or_null(st, C_NUMBER);
	t->province = col_or_null(st, C_PROVINCE);
	t->sha = qdx_col(st, C_SHA);
	t->stamp = qdx_col(st, C_STAMP);
	t->line = (unsigned)sqlite3_column_int(st, C_LINE);
	t->item = qdx_col(st, C_ITEM);
	t->text = qdx_col(st, C_TEXT);
	t->leads = col_or_null(st, C_LEADS);
	t->inherited = sqlite3_column_int(st, C_INHERITED);
	t->partners = col_or_null(st, C_PARTNERS);
	t->has_deadline = sqlite3_column_type(st, C_DID) != SQLITE_NULL;
	t->dline = (unsigned)sqlite3_column_int(st, C_DLINE);
	t->kind = col_or_null(st, C_KIND);
	t->phrase = col_or_null(st, C_PHRASE);
	t->start = col_or_null(st, C_START);
	t->end = col_or_null(st, C_END);
	t->freq = col_or_null(st, C_FREQ);
	t->at = col_or_null(st, C_AT);
	t->condition = col_or_null(st, C_CONDITION);
	t->inferred = sqlite3_column_int(st, C_INFERRED);
	t->rank = sqlite3_column_int(st, C_RANK);
}



/* ---- table ------------------------------------------------------------------- */

static void put_table_header(qdx_buf *b)
{
	qdx_out_cell(b, "DUE", 10, 1);
	qdx_buf_putc(b, ' ');
	qdx_out_cell(b, "KIND", 10, 1);
	qdx_buf_putc(b, ' ');
	qdx_out_cell(b, "DOCUMENT", 16, 1);
	qdx_buf_puts(b, " LINE ");
	qdx_out_cell(b, "LEAD", 26, 1);
	qdx_buf_puts(b, " TASK\n");
}

static void put_table_row(qdx_buf *b, const task *t)
{
	qdx_buf lead;
	const char *base = strrchr(t->path, '/');

	qdx_buf_init(&lead);
	qdx_out_cell(b, t->end ? t->end : "-", 10, 1);
	qdx_buf_putc(b, ' ');
	/* A recurring deadline says how often; the rest say what kind. */
	qdx_out_cell(b, t->freq ? t->freq : t->kind ? t->kind : "-", 10, 1);
	qdx_buf_putc(b, ' ');
	qdx_out_cell(b, t->number ? t->number : base ? base + 1 : t->path, 16, 1);
	qdx_buf_printf(b, " %4u ", t->line);
	if (t->leads) {
		qdx_out_list(&lead, t->leads, "; ");
		qdx_out_cell(b, lead.p, 26, 1);
	} else {
		qdx_out_cell(b, "-", 26, 1);
	}
	qdx_buf_putc(b, ' ');
	qdx_out_cell(b, t->text, 60, 0);
	qdx_buf_putc(b, '\n');
	qdx_buf_free(&lead);
}

/* ---- CSV (RFC 4180) ------------------------------------------------------------ */

static const char csv_header[] =
	"path,number,province,line,item,task,lead,lead_inherited,partners,deadline_line,"
	"kind,deadline,start,end,freq,at,condition,inferred\r\n";

/* A field is quoted when it holds a comma, a quote, CR or LF; quotes are
 * doubled.  NULL is an empty field. */
static void put_csv(qdx_buf *b, const char *s, int last)
{
	if (s && strpbrk(s, ",\"\r\n")) {
		qdx_buf_putc(b, '"');
		for (; *s; s++) {
			if (*s == '"')
				qdx_buf_putc(b, '"');
			qdx_buf_putc(b, *s);
		}
		qdx_buf_putc(b, '"');
	} else if (s) {
		qdx_buf_puts(b, s);
	}
	qdx_buf_puts(b, last ? "\r\n" : ",");
}

static void put_csv_row(qdx_buf *b, const task *t)
{
	char num[16];
	qdx_buf list;

	qdx_buf_init(&list);
	put_csv(b, t->path, 0);
	put_csv(b, t->number, 0);
	put_csv(b, t->province, 0);
	snprintf(num, sizeof(num), "%u", t->line);
	put_csv(b, num, 0);
	put_csv(b, t->item, 0);
	put_csv(b, t->text, 0);
	qdx_out_list(&list, t->leads, "; ");
	put_csv(b, t->leads ? list.p : NULL, 0);
	put_csv(b, t->leads ? (t->inherited ? "1" : "0") : NULL, 0);
	list.len = 0;
	qdx_out_list(&list, t->partners, "; ");
	put_csv(b, t->partners ? list.p : NULL, 0);
	snprintf(num, sizeof(num), "%u", t->dline);
	put_csv(b, t->has_deadline ? num : NULL, 0);
	put_csv(b, t->kind, 0);
	put_csv(b, t->phrase, 0);
	put_csv(b, t->start, 0);
	put_csv(b, t->end, 0);
	put_csv(b, t->freq, 0);
	put_csv(b, t->at, 0);
	put_csv(b, t->condition, 0);
	put_csv(b, t->has_deadline ? (t->inferred ? "1" : "0") : NULL, 1);
	qdx_buf_free(&list);
}

/* ---- JSON ------------------------------------------------------------------- */

static void put_json_row(qdx_buf *b, const task *t)
{
	qdx_buf_puts(b, "{\"path\":");
	qdx_out_json_str(b, t->path);
	qdx_buf_puts(b, ",\"number\":");
	qdx_out_json_str(b, t->number);
	qdx_buf_puts(b, ",\"province\":");
	qdx_out_json_str(b, t->province);
	qdx_buf_printf(b, ",\"line\":%u,\"item\":", t->line);
	qdx_out_json_str(b, t->item);
	qdx_buf_puts(b, ",\"task\":");
	qdx_out_json_str(b, t->text);
	qdx_buf_puts(b, ",\"lead\":");
	qdx_out_json_list(b, t->leads);
	qdx_buf_printf(b, ",\"lead_inherited\":%s,\"partners\":",
	               t->leads && t->inherited ? "true" : "false");
	qdx_out_json_list(b, t->partners);
	qdx_buf_puts(b, ",\"deadline\":");
	if (!t->has_deadline) {
		qdx_buf_puts(b, "null}");
		return;
	}
	qdx_buf_printf(b, "{\"line\":%u,\"kind\":", t->dline);
	qdx_out_json_str(b, t->kind);
	qdx_buf_puts(b, ",\"text\":");
	qdx_out_json_str(b, t->phrase);
	qdx_buf_puts(b, ",\"start\":");
	qdx_out_json_str(b, t->start);
	qdx_buf_puts(b, ",\"end\":");
	qdx_out_json_str(b, t->end);
	qdx_buf_puts(b, ",\"freq\":");
	qdx_out_json_str(b, t->freq);
	qdx_buf_puts(b, ",\"at\":");
	qdx_out_json_str(b, t->at);
	qdx_buf_puts(b, ",\"condition\":");
	qdx_out_json_str(b, t->condition);
	qdx_buf_printf(b, ",\"inferred\":%s}}", t->inferred ? "true" : "false");
}

/* ---- iCalendar --------------------------------------------------------------- */

/* Appends one content line folded at 75 octets (RFC 5545 3.1): a
 * continuation starts with a space, and a fold never splits a UTF-8
 * sequence. */
static void put_ics_line(qdx_buf *b, const char *s, size_t n)
{
	size_t i = 0, room = 75;

	while (n - i > room) {
		size_t k = i + room;
		while (k > i && ((unsigned char)s[k] & 0xC0) == 0x80)
			k--;
		qdx_buf_put(b, s + i, k - i);
		qdx_buf_puts(b, "\r\n ");
		i = k;
		room = 74;
	}
	qdx_buf_put(b, s + i, n - i);
	qdx_buf_puts(b, "\r\n");
}

/* TEXT values escape backslash, semicolon, comma and newline. */
static void put_ics_text(qdx_buf *b, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\' || *s == ';' || *s == ',')
			qdx_buf_putc(b, '\\');
		if (*s == '\n') {
			qdx_buf_puts(b, "\\n");
			continue;
		}
		if (*s == '\r')
			continue;
		qdx_buf_putc(b, *s);
	}
}

/* Where in the year a yearly deadline falls, from its `at`: "--12-15" a
 * day, "--12" the end of a month, "Q1" the end of a quarter; anything else
 * the end of the year.  *day 0 means the month's last day. */
static void yearly_at(const char *at, int *month, int *day)
{
	size_t n = strlen(at);
	int m, d, q;

	*month = 12;
	*day = 0;
	if (n >= 4 && !strncmp(at, "--", 2) && !digits(at + 2, 2, &m) && m >= 1 && m <= 12) {
		*month = m;
		if (n == 7 && at[4] == '-' && !digits(at + 5, 2, &d) && d >= 1 && d <= 31)
			*day = d;
	} else if (n == 2 && at[0] == 'Q' && !digits(at + 1, 1, &q) && q >= 1 && q <= 4) {
		*month = 3 * q;
	}
}

/* The day of month a monthly deadline falls on ("---16"), 0 for the last. */
static int monthly_at(const char *at)
{
	int d;

	if (strlen(at) == 5 && !strncmp(at, "---", 3) && !digits(at + 3, 2, &d) && d >= 1 && d <= 31)
		return d;
	return 0;
}

/* Day `day` of y-m, or its last day when `day` is 0 or past the end. */
static ymd day_of(int y, int m, int day)
{
	ymd t = { y, m, day && day <= days_in(y, m) ? day : days_in(y, m) };
	return t;
}

/* The first due day of a recurring deadline on or after `from`, and the
 * RRULE that repeats it; -1 for a frequency it cannot repeat. */
static int recurrence(const task *t, ymd from, ymd *due, qdx_buf *rule)
{
	const char *at = t->at ? t->at : "";
	int month, day;

	if (!strcmp(t->freq, "yearly")) {
		yearly_at(at, &month, &day);
		*due = day_of(from.y, month, day);
		if (ymd_cmp(*due, from) < 0)
			*due = day_of(from.y + 1, month, day);
		qdx_buf_puts(rule, "FREQ=YEARLY");
	} else if (!strcmp(t->freq, "monthly")) {
		day = monthly_at(at);
		*due = day_of(from.y, from.m, day);
		if (ymd_cmp(*due, from) < 0)
			*due = from.m == 12 ? day_of(from.y + 1, 1, day) : day_of(from.y, from.m + 1, day);
		if (day)
			qdx_buf_printf(rule, "FREQ=MONTHLY;BYMONTHDAY=%d", day);
		else
			qdx_buf_puts(rule, "FREQ=MONTHLY;BYMONTHDAY=-1");
	} else if (!strcmp(t->freq, "quarterly") || !strcmp(t->freq, "half-yearly")) {
		/* The end of the quarter (half) that holds `from`. */
		int step = t->freq[0] == 'q' ? 3 : 6;
		*due = day_of(from.y, ((from.m - 1) / step + 1) * step, 0);
		qdx_buf_printf(rule, "FREQ=MONTHLY;INTERVAL=%d;BYMONTHDAY=-1", step);
	} else if (!strcmp(t->freq, "weekly")) {
		*due = from;
		qdx_buf_puts(rule, "FREQ=WEEKLY");
	} else {
		return -1;           /* a frequency this qdx does not know */
	}
	return 0;
}

static void put_ics_row(qdx_buf *b, const task *t, qdx_buf *line)
{
	ymd start, end, due;
	int has_start = !parse_ymd(t->start, &start), has_end = !parse_ymd(t->end, &end);
	int recurring = t->freq && has_start;
	qdx_buf rule, lead;
	const char *s;

	if (!has_end && !recurring)
		return;                  /* no day to be due on */
	qdx_buf_init(&rule);
	qdx_buf_init(&lead);
	if (recurring && recurrence(t, start, &due, &rule)) {
		recurring = 0;
		rule.len = 0;
		if (!has_end)
			goto done;
	}
	if (recurring) {
		if (has_end && ymd_cmp(due, end) <= 0)
			qdx_buf_printf(&rule, ";UNTIL=%04d%02d%02d", end.y, end.m, end.d);
		else if (has_end)
			rule.len = 0;    /* the first one is already past the end */
		start = due;
	} else {
		due = end;
	}
	qdx_buf_puts(b, "BEGIN:VTODO\r\n");
	line->len = 0;
	qdx_buf_printf(line, "UID:%s-%u-%d@qdx", t->sha, t->dline, t->rank);
	put_ics_line(b, line->p, line->len);
	/* ingested_at is 2013-12-30T01:02:03Z: keep the digits and the T. */
	line->len = 0;
	qdx_buf_puts(line, "DTSTAMP:");
	for (s = t->stamp; *s; s++)
		if ((*s >= '0' && *s <= '9') || *s == 'T')
			qdx_buf_putc(line, *s);
	qdx_buf_putc(line, 'Z');
	if (line->len != strlen("DTSTAMP:") + 16)
		line->len = 0, qdx_buf_puts(line, "DTSTAMP:19700101T000000Z");
	put_ics_line(b, line->p, line->len);
	if (has_start && ymd_cmp(start, due) <= 0) {
		line->len = 0;
		qdx_buf_printf(line, "DTSTART;VALUE=DATE:%04d%02d%02d", start.y, start.m, start.d);
		put_ics_line(b, line->p, line->len);
	}
	line->len = 0;
	qdx_buf_printf(line, "DUE;VALUE=DATE:%04d%02d%02d", due.y, due.m, due.d);
	put_ics_line(b, line->p, line->len);
	if (rule.len) {
		line->len = 0;
		qdx_buf_printf(line, "RRULE:%s", rule.p);
		put_ics_line(b, line->p, line->len);
	}
	line->len = 0;
	qdx_buf_puts(line, "SUMMARY:");
	qdx_out_cell(&lead, t->text, 120, 0);
	put_ics_text(line, lead.p);
	put_ics_line(b, line->p, line->len);
	/* The description holds what a reader needs to act: the whole task,
	 * the deadline as written, who leads, where it comes from. */
	lead.len = 0;
	qdx_buf_printf(&lead, "%s\n\nThời hạn: %s", t->text, t->phrase ? t->phrase : "");
	if (t->leads) {
		qdx_buf_puts(&lead, "\nChủ trì: ");
		qdx_out_list(&lead, t->leads, "; ");
	}
	if (t->partners) {
		qdx_buf_puts(&lead, "\nPhối hợp: ");
		qdx_out_list(&lead, t->partners, "; ");
	}
	qdx_buf_printf(&lead, "\n%s%s%s:%u (%s)", t->number ? t->number : "", t->number ? " " : "",
	               t->path, t->dline, t->item);
	line->len = 0;
	qdx_buf_puts(line, "DESCRIPTION:");
	put_ics_text(line, lead.p);
	put_ics_line(b, line->p, line->len);
	line->len = 0;
	qdx_buf_puts(line, "CATEGORIES:");
	put_ics_text(line, t->kind);
	put_ics_line(b, line->p, line->len);
	qdx_buf_puts(b, "STATUS:NEEDS-ACTION\r\nEND:VTODO\r\n");
done:
	qdx_buf_free(&rule);
	qdx_buf_free(&lead);
}

/* ---- the call ------------------------------------------------------------------ */

static void bind_folded(sqlite3_stmt *st, int i, const char *s, qdx_buf *b)
{
	const char *p;

	if (!s) {
		sqlite3_bind_null(st, i);
		return;
	}
	/* Spaces at the ends are never what the user meant to match. */
	while (*s == ' ')
		s++;
	b->len = 0;
	qdx_fold(b, s, strlen(s));
	for (p = b->p + b->len; p > b->p && p[-1] == ' '; p--)
		b->len--;
	sqlite3_bind_text(st, i, b->p, (int)b->len, SQLITE_TRANSIENT);
}

int qdx_tasks(char **out, size_t *len, size_t *rows, qdx_reader *r,
              const qdx_task_filter *filter, qdx_output format, qdx_error *err)
{
	static const qdx_task_filter none = { 0 };
	sqlite3_stmt *st = NULL;
	qdx_buf b, scratch;
	char before[32], after[32];
	size_t n = 0;
	task t;
	int rc;

	*out = NULL;
	*len = *rows = 0;
	if (!filter)
		filter = &none;
	if (format != QDX_OUT_TEXT && format != QDX_OUT_CSV && format != QDX_OUT_JSON &&
	    format != QDX_OUT_NDJSON && format != QDX_OUT_ICS)
		return qdx_error_set(err, QDX_EUSAGE, NULL, 0, 0,
		                     "tasks prints table, csv, json, ndjson or ics");
	if (filter->due_before && parse_bound(filter->due_before, 1, before))
		return qdx_error_set(err, QDX_EUSAGE, NULL, 0, 0,
		                     "--due-before takes YYYY, YYYY-MM, YYYY-MM-DD or YYYY-QN, not '%s'",
		                     filter->due_before);
	if (filter->due_after && parse_bound(filter->due_after, 0, after))
		return qdx_error_set(err, QDX_EUSAGE, NULL, 0, 0,
		                     "--due-after takes YYYY, YYYY-MM, YYYY-MM-DD or YYYY-QN, not '%s'",
		                     filter->due_after);
	if ((rc = qdx_reader_prepare(r, &st, sql_tasks, err)))
		return rc;
	qdx_buf_init(&b);
	qdx_buf_init(&scratch);
	bind_folded(st, 1, filter->province, &scratch);
	bind_folded(st, 2, filter->agency, &scratch);
	if (filter->due_before)
		sqlite3_bind_text(st, 3, before, -1, SQLITE_TRANSIENT);
	if (filter->due_after)
		sqlite3_bind_text(st, 4, after, -1, SQLITE_TRANSIENT);
	if (filter->kind)
		sqlite3_bind_text(st, 5, filter->kind, -1, SQLITE_TRANSIENT);
	bind_folded(st, 6, filter->cites, &scratch);

	switch (format) {
	case QDX_OUT_TEXT: put_table_header(&b); break;
	case QDX_OUT_CSV: qdx_buf_puts(&b, csv_header); break;
	case QDX_OUT_JSON: qdx_buf_putc(&b, '['); break;
	case QDX_OUT_ICS:
		qdx_buf_puts(&b, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
		                 "PRODID:-//qdx//qdx " QDX_VERSION "//VI\r\n"
		                 "CALSCALE:GREGORIAN\r\nX-WR-CALNAME:qdx\r\n");
		break;
	default: break;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_task(st, &t);
		switch (format) {
		case QDX_OUT_TEXT: put_table_row(&b, &t); break;
		case QDX_OUT_CSV: put_csv_row(&b, &t); break;
		case QDX_OUT_JSON:
			qdx_buf_puts(&b, n ? ",\n" : "\n");
			put_json_row(&b, &t);
			break;
		case QDX_OUT_NDJSON:
			put_json_row(&b, &t);
			qdx_buf_putc(&b, '\n');
			break;
		case QDX_OUT_ICS: {
			size_t before_len = b.len;
			put_ics_row(&b, &t, &scratch);
			if (b.len == before_len)
				continue;        /* a deadline without a day */
			break;
		}
		default: break;
		}
		n++;
	}
	if (rc != SQLITE_DONE) {
		rc = qdx_reader_error(r, err, "cannot list tasks");
		goto cleanup;
	}
	if (format == QDX_OUT_JSON)
		qdx_buf_puts(&b, n ? "\n]\n" : "]\n");
	else if (format == QDX_OUT_ICS)
		qdx_buf_puts(&b, "END:VCALENDAR\r\n");
	*rows = n;
	*out = qdx_buf_detach(&b, len);
	rc = 0;
cleanup:
	sqlite3_finalize(st);
	qdx_buf_free(&b);
	qdx_buf_free(&scratch);
	return rc;
}
