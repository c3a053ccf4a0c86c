/* The floor for `make bench`: the least work any parser of these documents
 * must do.  For each file (directories are walked recursively, in sorted
 * order like qdx) it reads the whole file into memory, validates it as
 * UTF-8 (shortest forms only, no surrogates, nothing above U+10FFFF) and
 * splits it into lines with memchr, counting them.  Prints one summary
 * line: files, bytes, lines, files that are not valid UTF-8.
 *
 *     cc -O2 -std=c11 -o floor bench/floor.c
 *     floor FILE|DIR ...
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned char *buf;
static size_t cap;
static unsigned long long n_files, n_bytes, n_lines, n_invalid;
static int failed;

/* UTF-8 validation as a small automaton: each byte falls in one of 12
 * classes, and (state, class) gives the next state.  States: 0 between
 * characters, 1 rejected (stays), 2/3/4 that many continuation bytes
 * still due, 5-8 the restricted second byte after E0, ED, F0, F4 (no
 * overlong forms, no surrogates, nothing above U+10FFFF).
 *
 * For speed the table is stored by byte: row[b] packs, for every state s,
 * the next state's number times 6 into bits 6s..6s+5, so a step is one
 * load that does not wait on the state, and a shift that does. */
enum { ACC = 0, REJ = 1 };
static unsigned char byte_class[256];
static unsigned char next_state[9][12];
static uint64_t row[256];

static void utf8_init(void)
{
	for (int b = 0; b < 256; b++) {
		unsigned char c;
		if (b < 0x80) c = 0;
		else if (b < 0x90) c = 1;
		else if (b < 0xA0) c = 2;
		else if (b < 0xC0) c = 3;
		else if (b < 0xC2) c = 4;
		else if (b < 0xE0) c = 5;
		else if (b == 0xE0) c = 6;
		else if (b == 0xED) c = 8;
		else if (b < 0xF0) c = 7;
		else if (b == 0xF0) c = 9;
		else if (b < 0xF4) c = 10;
		else if (b == 0xF4) c = 11;
		else c = 4;
		byte_class[b] = c;
	}
	memset(next_state, REJ, sizeof next_state);
	static const unsigned char lead[12] = { ACC, REJ, REJ, REJ, REJ, 2, 5, 3, 6, 7, 4, 8 };
	memcpy(next_state[ACC], lead, 12);
	for (int c = 1; c <= 3; c++) {
		next_state[2][c] = ACC;
		next_state[3][c] = 2;
		next_state[4][c] = 3;
	}
	next_state[5][3] = 2;			/* E0 A0..BF */
	next_state[6][1] = next_state[6][2] = 2;	/* ED 80..9F */
	next_state[7][2] = next_state[7][3] = 3;	/* F0 90..BF */
	next_state[8][1] = 3;			/* F4 80..8F */
	for (int b = 0; b < 256; b++) {
		row[b] = 0;
		for (int st = 0; st < 9; st++)
			row[b] |= (uint64_t)(next_state[st][byte_class[b]] * 6) << (st * 6);
	}
}

/* 1 if s[0..n) is well-formed UTF-8.  Eight ASCII bytes at a time
 * between characters, the automaton otherwise. */
static int utf8_valid(const unsigned char *s, size_t n)
{
	uint64_t st = ACC * 6;
	size_t i = 0;

	while (i < n) {
		if (st == ACC && i + 8 <= n) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if ((w & UINT64_C(0x8080808080808080)) == 0) {
				i += 8;
				continue;
			}
		}
		size_t stop = i + 16 < n ? i + 16 : n;
		for (; i < stop; i++)
			st = (row[s[i]] >> st) & 63;
		if (st == REJ * 6)
			return 0;
	}
	return st == ACC * 6;
}

static unsigned long long count_lines(const unsigned char *s, size_t n)
{
	unsigned long long lines = 0;
	const unsigned char *p = s, *end = s + n;

	while (p < end) {
		const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
		lines++;
		if (!nl)
			break;
		p = nl + 1;
	}
	return lines;
}

static void do_file(const char *path)
{
	int fd = open(path, O_RDONLY);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "floor: %s: %s\n", path, strerror(errno));
		failed = 1;
		if (fd >= 0)
			close(fd);
		return;
	}
	size_t want = (size_t)st.st_size + 1;
	if (want > cap) {
		free(buf);
		cap = want * 2;
		buf = malloc(cap);
		if (!buf) {
			perror("floor");
			exit(1);
		}
	}
	size_t n = 0;
	for (;;) {
		if (n == cap) {
			unsigned char *b = realloc(buf, cap * 2);
			if (!b) {
				perror("floor");
				exit(1);
			}
			buf = b;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "floor: %s: %s\n", path, strerror(errno));
			failed = 1;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	n_files++;
	n_bytes += n;
	if (!utf8_valid(buf, n))
		n_invalid++;
	n_lines += count_lines(buf, n);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "floor: %s: %s\n", path, strerror(errno));
		failed = 1;
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		do_file(path);
		return;
	}
	DIR *d = opendir(path);
	if (!d) {
		fprintf(stderr, "floor: %s: %s\n", path, strerror(errno));
		failed = 1;
		return;
	}
	char **names = NULL;
	size_t n = 0, ncap = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == ncap) {
			ncap = ncap ? ncap * 2 : 64;
			char **v = realloc(names, ncap * sizeof *v);
			if (!v) {
				perror("floor");
				exit(1);
			}
			names = v;
		}
		size_t len = strlen(path) + strlen(e->d_name) + 2;
		names[n] = malloc(len);
		if (!names[n]) {
			perror("floor");
			exit(1);
		}
		snprintf(names[n], len, "%s/%s", path, e->d_name);
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof *names, by_name);
	for (size_t i = 0; i < n; i++) {
		walk(names[i]);
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: floor FILE|DIR ...\n");
		return 2;
	}
	utf8_init();
	for (int i = 1; i < argc; i++)
		walk(argv[i]);
	printf("floor: %llu files, %llu bytes, %llu lines, %llu not UTF-8\n",
	       n_files, n_bytes, n_lines, n_invalid);
	free(buf);
	return failed ? 4 : 0;
}
