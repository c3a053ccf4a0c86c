# qdx - plain GNU make.  `make` builds build/qdx and build/libqdx.a;
# `make test` runs every test (unit, examples, golden, rules, schema, the
# sanitizer build, the fuzz replay, TSan on the threads); `make bench`
# measures speed.
# V=1 shows the commands; SAN=address,undefined builds with sanitizers.

PREFIX ?= /usr/local
DESTDIR ?=
PKGS := icu-uc icu-i18n libpcre2-8 libxml-2.0 sqlite3 nettle
BUILD ?= build

CC ?= cc
CFLAGS ?= -O2 -g
WARN := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wmissing-prototypes -Wstrict-prototypes
ifdef WERROR
WARN += -Werror
endif
ifdef SAN
CFLAGS += -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all -DQDX_ARENA_MALLOC
LDFLAGS += -fsanitize=$(SAN)
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CPPFLAGS += -D_GNU_SOURCE -Iinclude -Isrc -DQDX_RULES_DIR=\"$(PREFIX)/share/qdx/rules\" $(PKG_CFLAGS)
LIBS := $(PKG_LIBS) -lpthread -lm

ifeq ($(V),1)
Q :=
else
Q := @
endif

LIB_SRC := $(filter-out src/main.c,$(wildcard src/*.c))
LIB_OBJ := $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o)
CLI_OBJ := $(BUILD)/obj/main.o
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

all: $(BUILD)/qdx

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(WARN) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libqdx.a: $(LIB_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/qdx: $(CLI_OBJ) $(BUILD)/libqdx.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/rules_fixture.h $(BUILD)/libqdx.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(WARN) $(CPPFLAGS) $(CFLAGS) -DQDX_TOP=\"$(CURDIR)\" -o $@ $< $(BUILD)/libqdx.a $(LDFLAGS) $(LIBS) -lcmocka

$(BUILD)/tests/fuzz_replay: tests/fuzz/replay.c tests/fuzz/fuzz_qdx.c $(BUILD)/libqdx.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(WARN) $(CPPFLAGS) $(CFLAGS) -DQDX_TOP=\"$(CURDIR)\" -o $@ tests/fuzz/replay.c tests/fuzz/fuzz_qdx.c $(BUILD)/libqdx.a $(LDFLAGS) $(LIBS)

units: $(UNIT_BIN) $(BUILD)/tests/fuzz_replay

# The test command: the normal build, then the same tests under ASan+UBSan,
# then the threads under TSan.
test check: all units
	$(Q)tests/run.sh $(BUILD)
	$(Q)$(MAKE) --no-print-directory BUILD=build/san SAN=address,undefined WERROR=1 all units
	$(Q)tests/run.sh build/san
	$(Q)$(MAKE) --no-print-directory BUILD=build/tsan SAN=thread WERROR=1 build/tsan/qdx
	$(Q)sh tests/threads.sh build/tsan/qdx && echo "threads under TSan: passed"

fuzz:
	$(Q)tests/fuzz/run.sh

bench:
	$(Q)bench/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include \
		$(DESTDIR)$(PREFIX)/share/qdx/rules $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 755 $(BUILD)/qdx $(DESTDIR)$(PREFIX)/bin/qdx
	install -m 644 $(BUILD)/libqdx.a $(DESTDIR)$(PREFIX)/lib/libqdx.a
	install -m 644 include/qdx.h $(DESTDIR)$(PREFIX)/include/qdx.h
	install -m 644 rules/* $(DESTDIR)$(PREFIX)/share/qdx/rules/
	sed -e 's#@PREFIX@#$(PREFIX)#' -e 's#@PKGS@#$(PKGS)#' qdx.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/qdx.pc

clean:
	rm -rf build out

.PHONY: all units test check fuzz bench install clean

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
