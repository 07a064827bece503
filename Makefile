# chaosd — build, test and install.
#   make            build chaosd and chaosctl (out of tree in $(BUILD))
#   make check      install what is missing (Debian, as root), build, run every test lane
#   make demo       install what the demo needs, build, pause one container and squeeze another's CPU, show effects and reverts
#   make crashtest  SIGKILL chaosd at every kernel-changing syscall and journal commit; count leftovers
#   make crashtest-kernel  the same, reduced, in the kernel lane's VM (netem, partition, cgroup v2)
#   make memcheck   chaosd under valgrind across 100 experiments
#   make mutants    deliberately broken builds, each must be caught by its test (tests/MUTANTS.md)
#   make fuzz       libFuzzer targets for FUZZ_SECONDS each (make check runs them briefly)
#   make bench      benchmarks against the baselines, written to docs/performance.md
#   make install    install binaries, man pages and the systemd unit under $(PREFIX)
#   make format     clang-format the product sources (.clang-format); make format-check fails if that would change any

BUILD   ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
PKGS    := libnl-route-3.0 libseccomp libcjson libmicrohttpd sqlite3 gnutls
# libcurl is for chaosctl's remote mode only, and even there it is loaded
# with dlopen (cli/curl_dl.c): only its headers are needed to build. Neither
# the daemon nor a local chaosctl maps OpenSSL and its friends.
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) libcurl 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lhttp_parser
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)

CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wformat=2 -Wno-format-truncation \
           -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE -D_GNU_SOURCE \
           $(addprefix -I,$(SRC_DIRS)) -Ichaosd $(PKG_CFLAGS)
LDFLAGS += -pie -Wl,-z,relro,-z,now -Wl,--as-needed
LIBS    := $(PKG_LIBS) -lm

ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif

# lib/ knows nothing of specs or experiments; experiments/ holds the model:
# spec/, targets/, faults/ (docs/architecture.md gives each folder's rule,
# tests/unit/layering.sh enforces it).
SRC_DIRS    := lib lib/cgroup lib/net lib/http lib/parse \
               experiments/spec experiments/targets experiments/faults \
               experiments/faults/network experiments/faults/syscall
LIB_SRCS    := $(sort $(foreach d,$(SRC_DIRS),$(wildcard $(d)/*.c)))
DAEMON_SRCS := $(sort $(wildcard chaosd/*.c))
CLI_SRCS    := $(sort $(wildcard cli/*.c))
UNIT_SRCS   := $(sort $(wildcard tests/unit/test_*.c))
INTEG_SRCS  := $(sort $(wildcard tests/integration/test_*.c))

LIB_OBJS    := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
DAEMON_OBJS := $(DAEMON_SRCS:%.c=$(BUILD)/obj/%.o)
CLI_OBJS    := $(CLI_SRCS:%.c=$(BUILD)/obj/%.o)
UNIT_BINS   := $(UNIT_SRCS:%.c=$(BUILD)/%)
INTEG_BINS  := $(INTEG_SRCS:%.c=$(BUILD)/%)
HELPER_BINS := $(patsubst %.c,$(BUILD)/%,$(wildcard tests/helpers/*.c))
# Fake test programs that tests/unit/runner_totals.sh runs through the runner.
SELFTEST_BINS := $(patsubst %.c,$(BUILD)/%,$(wildcard tests/selftest/*.c))

.PHONY: all check unit integration kernel fuzz crashtest crashtest-kernel memcheck mutants deps demo bench install format format-check clean tests
all: $(BUILD)/chaosd $(BUILD)/chaosctl

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libchaos.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/chaosd: $(DAEMON_OBJS) $(BUILD)/libchaos.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/chaosctl: $(CLI_OBJS) $(BUILD)/libchaos.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) -ldl

# Test binaries link the daemon's objects except its main().
# A test's own extra sources (a fake fault module, the hacking guide's
# example fault) are prerequisites of its binary and linked into it alone.
DAEMON_LIB_OBJS := $(filter-out $(BUILD)/obj/chaosd/main.o,$(DAEMON_OBJS))
CORE_TEST_SRCS  := tests/unit/core_harness.c tests/unit/journal_fake.c
$(BUILD)/tests/unit/test_journal $(BUILD)/tests/unit/test_api: $(CORE_TEST_SRCS) $(wildcard tests/unit/*.h)
$(BUILD)/tests/unit/test_fault_example: docs/examples/fault_example.c
$(BUILD)/tests/unit/test_lifecycle: tests/unit/fake_fault.c tests/unit/fake_fault.h
# The shared test headers (testutil.h: run_suite, SKIP_TEST) are in every binary.
$(BUILD)/tests/%: tests/%.c $(wildcard tests/*.h) $(DAEMON_LIB_OBJS) $(BUILD)/libchaos.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests -Itests/unit $(LDFLAGS) -o $@ $(filter %.c,$^) $(DAEMON_LIB_OBJS) \
		$(BUILD)/libchaos.a $(LIBS) -ldl $(CHECK_LIBS)

# The victim runs inside busybox containers and the kernel-lane VM: static.
$(BUILD)/tests/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -static -o $@ $<

tests: all $(UNIT_BINS) $(INTEG_BINS) $(HELPER_BINS) $(SELFTEST_BINS)

deps:
	tests/setup.sh

check: deps
	$(MAKE) -j2 tests
	BUILD=$(abspath $(BUILD)) tests/run-all.sh

unit: tests
	BUILD=$(abspath $(BUILD)) tests/run-all.sh unit

integration: tests
	BUILD=$(abspath $(BUILD)) tests/run-all.sh integration

kernel: tests
	BUILD=$(abspath $(BUILD)) tests/run-all.sh kernel

# libFuzzer targets (clang, ASan+UBSan), each for FUZZ_SECONDS on its corpus.
FUZZ_SECONDS ?= 60
fuzz:
	BUILD=$(abspath $(BUILD)) FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh

# SIGKILL chaosd before every kernel-changing system call and around every
# journal commit of each fault kind (tests/helpers/killat), CRASH_ROUNDS
# sweeps, plus the troubles; the report lands in $(BUILD)/crash-logs/.
CRASH_ROUNDS ?= 1
crashtest: tests
	BUILD=$(abspath $(BUILD)) CRASH_ROUNDS=$(CRASH_ROUNDS) tests/crash/crashtest.sh

# The reduced campaign inside the kernel lane's VM (about 3 minutes of guest time).
crashtest-kernel: tests
	BUILD=$(abspath $(BUILD)) KERNEL_SCRIPT_BUDGET=$${KERNEL_SCRIPT_BUDGET:-600} tests/kernel/run.sh crash.sh

# chaosd under valgrind memcheck across N experiments (default 100).
memcheck: all
	BUILD=$(abspath $(BUILD)) tests/memcheck.sh

# Each mutant (tests/mutants/*.patch) in a temporary worktree of HEAD,
# against the test that must catch it; MUTANTS="a b" runs only those.
mutants: tests
	BUILD=$(abspath $(BUILD)) tests/mutants/run.sh $(MUTANTS)

# The demo installs only what it needs, then builds: pkg-config is asked
# for flags when make reads this file, so the build runs in a second make.
demo:
	tests/setup.sh demo
	$(MAKE) all
	BUILD=$(abspath $(BUILD)) tests/demo.sh

$(BUILD)/bench/%: bench/%.c $(BUILD)/libchaos.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libchaos.a $(LIBS)

BENCH_BINS := $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))

bench: tests $(BENCH_BINS)
	BUILD=$(abspath $(BUILD)) bench/run.sh

install: all
	install -D -m 0755 $(BUILD)/chaosd $(DESTDIR)$(PREFIX)/sbin/chaosd
	install -D -m 0755 $(BUILD)/chaosctl $(DESTDIR)$(PREFIX)/bin/chaosctl
	install -D -m 0644 docs/chaosd.8 $(DESTDIR)$(PREFIX)/share/man/man8/chaosd.8
	install -D -m 0644 docs/chaosctl.1 $(DESTDIR)$(PREFIX)/share/man/man1/chaosctl.1
	install -D -m 0644 deploy/chaosd.service $(DESTDIR)$(PREFIX)/lib/systemd/system/chaosd.service
	install -D -m 0644 deploy/chaosctl.bash-completion $(DESTDIR)$(PREFIX)/share/bash-completion/completions/chaosctl

# The product's sources, formatted by .clang-format (kernel-like, 8 spaces).
FORMAT_SRCS := $(LIB_SRCS) $(DAEMON_SRCS) $(CLI_SRCS) $(foreach d,$(SRC_DIRS) chaosd cli,$(wildcard $(d)/*.h))

format:
	clang-format -i $(FORMAT_SRCS)

# Fails when `make format` would change a file; names each one with the
# number of its lines that would change.
format-check:
	@n=0; files=0; \
	for f in $(FORMAT_SRCS); do \
	        clang-format --style=file "$$f" > $(BUILD)/.format-check.tmp 2>&1 || { echo "$$f: clang-format failed"; exit 2; }; \
	        cmp -s "$$f" $(BUILD)/.format-check.tmp && continue; \
	        c=$$(diff "$$f" $(BUILD)/.format-check.tmp | grep -c '^[<>]'); \
	        echo "$$f: $$c line(s) would change"; n=$$((n + c)); files=$$((files + 1)); \
	done; rm -f $(BUILD)/.format-check.tmp; \
	if [ $$files -gt 0 ]; then echo "format-check: $$files file(s), $$n line(s) (old + new) differ from .clang-format: make format"; exit 1; fi; \
	echo "format-check: every file as .clang-format has it"

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
