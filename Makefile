# minik8s - top-level build.
#
#   make            build every binary into bin/
#   make deps       install the Debian packages the project needs (idempotent)
#   make test       deps, build, then every test suite (unit, ASan+UBSan unit,
#                   fuzz, e2e); ends with "N passed, N failed"
#   make up / down  start / stop a one-node cluster mounted at /cluster
#   make install    binaries to $(PREFIX)/bin, the mount helper, completion
#
# Sources are found by wildcard: a .c file dropped into a part's folder is
# built into that part. In each daemon folder main.c is the daemon and
# cmd-NAME.c a further command bin/NAME; the rest is the part's library,
# which unit tests link too.

.DEFAULT_GOAL := all

CC      ?= gcc
PREFIX  ?= /usr/local
SAN     ?=
BUILD   := build$(if $(SAN),/asan,/release)
PKGS    := json-c yaml-0.1 sqlite3 libcurl libmicrohttpd fuse3 libssh libssl libcrypto libnl-route-3.0 libnftables zlib
CFLAGS_BASE := -std=c17 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -Wall -Wextra -Werror \
	-Wno-unused-parameter -g -I. $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
ifeq ($(SAN),1)
CFLAGS  ?= -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDFLAGS ?= -fsanitize=address,undefined
else
CFLAGS  ?= -O2
endif
LDLIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lwslay -lresolv -lpthread -lm
ALL_CFLAGS := $(CFLAGS_BASE) $(CFLAGS)

# part folder : daemon binary
DAEMONS := store/server:mk-apiserver fs:mk-fs scheduler:mk-scheduler \
	controllers:mk-controller-manager kubelet:mk-kubelet proxy:mk-proxy \
	functions:mk-router gpu:mk-gpu

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

STORE_SRC := $(wildcard store/*.c)
STORE_LIB := $(BUILD)/lib/libmkstore.a

# The API server's library also holds the storage backends.
part_src = $(filter-out $(1)/main.c $(wildcard $(1)/cmd-*.c),$(wildcard $(1)/*.c)) \
	$(if $(filter store/server,$(1)),$(wildcard store/backend/*.c))
part_lib = $(BUILD)/lib/lib$(subst /,-,$(1)).a

BINS :=
PART_LIBS :=
define daemon_rules
$(eval _dir := $(word 1,$(subst :, ,$(1))))
$(eval _bin := $(word 2,$(subst :, ,$(1))))
ifneq ($(strip $(call part_src,$(_dir))),)
PART_LIBS += $(call part_lib,$(_dir))
$(call part_lib,$(_dir)): $(call obj,$(call part_src,$(_dir)))
	@mkdir -p $$(@D)
	rm -f $$@ && ar rcs $$@ $$^
endif
ifneq ($(wildcard $(_dir)/main.c),)
BINS += bin/$(_bin)
bin/$(_bin): $(call obj,$(_dir)/main.c) $(if $(strip $(call part_src,$(_dir))),$(call part_lib,$(_dir))) $(STORE_LIB)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endif
$(foreach c,$(wildcard $(_dir)/cmd-*.c),$(eval $(call cmd_rules,$(_dir),$(c))))
endef
define cmd_rules
BINS += bin/$(patsubst $(1)/cmd-%.c,%,$(2))
bin/$(patsubst $(1)/cmd-%.c,%,$(2)): $(call obj,$(2)) $(if $(strip $(call part_src,$(1))),$(call part_lib,$(1))) $(STORE_LIB)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach d,$(DAEMONS),$(eval $(call daemon_rules,$(d))))

UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

.PHONY: all deps test unit unit-asan e2e fuzz up down install clean format check-format
all: $(BINS)

$(STORE_LIB): $(call obj,$(STORE_SRC))
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(PART_LIBS) $(STORE_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< -Wl,--start-group $(PART_LIBS) $(STORE_LIB) -Wl,--end-group \
		$(LDLIBS) -lcmocka

unit-build: $(UNIT_TESTS)

deps:
	@tools/deps.sh

test: deps
	@tests/run.sh

up: deps all
	@tools/minik8s up

down:
	@tools/minik8s down

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)/etc/bash_completion.d
	install -m 0755 $(BINS) tools/rkubectl tools/minik8s $(DESTDIR)$(PREFIX)/bin/ 2>/dev/null || \
		install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	[ ! -f tools/mount.mk-fs ] || install -m 0755 tools/mount.mk-fs $(DESTDIR)/sbin/mount.fuse.mk-fs
	[ ! -f tools/completion/rkubectl.bash ] || \
		install -m 0644 tools/completion/rkubectl.bash $(DESTDIR)/etc/bash_completion.d/rkubectl

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

check-format:
	@clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
