# liasse — plain GNU make. See README.md.
#   make deps     install the Debian packages (root), else print the command
#   make          build ./liasse
#   make check    build and run every test (private PostgreSQL cluster)
#   make SAN=address,undefined check
#   make demo | bench | fuzz | clean
#   make install [PREFIX=/usr/local] [DESTDIR=]   (and uninstall)

PKG_CONFIG ?= pkg-config
CC ?= cc
PKGS = ncursesw libpq libcurl libxml-2.0 xmlsec1-openssl libcrypto libssl libpcsclite p11-kit-1 json-c libmicrohttpd libzip zlib

WARN = -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
       -Wpointer-arith -Wwrite-strings -Wundef -Wno-missing-field-initializers
OPT ?= -O2 -g
CFLAGS_ALL = -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) -MMD -MP -I. \
             $(shell $(PKG_CONFIG) --cflags $(PKGS)) $(CFLAGS)
LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS)) -lcsv -ldl -lm
ifneq ($(WERROR),)
CFLAGS_ALL += -Werror
endif
ifneq ($(SAN),)
CFLAGS_ALL += -fsanitize=$(SAN) -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=$(SAN)
OPT = -O1 -g
endif

B ?= build
CORE_SRC  = $(wildcard core/*.c)
P11_SRC   = $(wildcard pkcs11/*.c)
APP_SRC   = main.c $(wildcard cli/*.c) $(wildcard tui/*.c)
UNIT_SRC  = $(wildcard tests/unit/*.c)
EMBED_IN  = $(sort $(wildcard core/sql/*.sql)) $(sort $(wildcard forms/*.form)) \
            $(sort $(wildcard themes/*.theme)) $(wildcard tui/keys.default) \
            $(sort $(wildcard core/demo/*)) tests/s2low/lib.sh tests/s2low/s2low_double.py

CORE_OBJ = $(CORE_SRC:%.c=$(B)/%.o) $(B)/embedded.o
P11_OBJ  = $(P11_SRC:%.c=$(B)/%.o)
APP_OBJ  = $(APP_SRC:%.c=$(B)/%.o)
UNIT_OBJ = $(UNIT_SRC:%.c=$(B)/%.o)

.PHONY: all deps check demo bench fuzz clean lint install uninstall
all: $(B)/liasse
ifeq ($(B),build)
all: liasse
liasse: $(B)/liasse
	ln -sf $(B)/liasse liasse
endif

# Rebuild everything when the flags change (redis's .make-settings idea).
$(B)/flags.stamp: FORCE
	@mkdir -p $(B)
	@echo '$(CC) $(CFLAGS_ALL) $(LDFLAGS)' | cmp -s - $@ || echo '$(CC) $(CFLAGS_ALL) $(LDFLAGS)' > $@
FORCE:

$(B)/%.o: %.c $(B)/flags.stamp
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(B)/embed: tools/embed.c
	@mkdir -p $(B)
	$(CC) -std=c11 -O1 -Wall -Wextra -o $@ $<
# The list itself is a prerequisite: a new or removed file regenerates the table.
$(B)/embed.list: FORCE
	@mkdir -p $(B)
	@echo '$(EMBED_IN)' | cmp -s - $@ || echo '$(EMBED_IN)' > $@
$(B)/embedded.c: $(B)/embed $(B)/embed.list $(EMBED_IN)
	$(B)/embed $(EMBED_IN) > $@.tmp && mv $@.tmp $@
$(B)/embedded.o: $(B)/embedded.c $(B)/flags.stamp
	$(CC) $(CFLAGS_ALL) -Wno-missing-prototypes -c $< -o $@

$(B)/libcore.a: $(CORE_OBJ)
	rm -f $@; ar rcs $@ $^
$(B)/libp11.a: $(P11_OBJ) $(B)/libcore.a
	rm -f $@; ar rcs $@ $(P11_OBJ)

$(B)/liasse: $(APP_OBJ) $(B)/libp11.a $(B)/libcore.a
	$(CC) $(LDFLAGS) -o $@ $(APP_OBJ) $(B)/libp11.a $(B)/libcore.a $(LIBS)

$(B)/unit: $(UNIT_OBJ) $(B)/libp11.a $(B)/libcore.a
	$(CC) $(LDFLAGS) -o $@ $(UNIT_OBJ) $(B)/libp11.a $(B)/libcore.a $(LIBS)

# Fuzz targets: one binary per tests/fuzz/*.c, built with clang's libFuzzer.
FUZZ_SRC = $(wildcard tests/fuzz/*.c)
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/%)
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -g -O1 -I. $(shell $(PKG_CONFIG) --cflags $(PKGS)) \
              -fsanitize=fuzzer,address,undefined
$(B)/fuzz/%: tests/fuzz/%.c $(CORE_SRC) $(B)/embedded.c
	@mkdir -p $(B)/fuzz
	clang $(FUZZ_CFLAGS) -o $@ $< $(CORE_SRC) $(B)/embedded.c $(LIBS)
fuzz-build: $(FUZZ_BIN)
FUZZ_SECONDS ?= 300
fuzz: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do n=$$(basename $$f); mkdir -p $(B)/corpus/$$n; \
	  echo "== $$n ($(FUZZ_SECONDS)s)"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) $(B)/corpus/$$n tests/fuzz/corpus/$$n || exit 1; done

lint:
	@! grep -lE '<(n?curses|form|menu|panel)\.h>' core/*.[ch] pkcs11/*.[ch] 2>/dev/null
	@! grep -l '<libpq-fe.h>' pkcs11/*.[ch] 2>/dev/null
	@! grep -nE '\b(strcpy|strcat|sprintf|gets)\(' core/*.[ch] pkcs11/*.[ch] cli/*.[ch] tui/*.[ch] main.c 2>/dev/null

check: $(B)/liasse $(B)/unit lint
	B=$(B) SAN=$(SAN) tests/run

demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory $(B)/liasse
	$(B)/liasse demo

bench: $(B)/liasse
	B=$(B) tests/bench/run
	B=$(B) tests/bench/tui.sh
	B=$(B) tests/bench/daemon.sh
	B=$(B) tests/bench/sign.sh

DEBS = build-essential pkg-config clang libclang-rt-14-dev libncurses-dev libpq-dev libcurl4-openssl-dev \
       libxml2-dev libxmlsec1-dev xmlsec1 libssl-dev openssl libpcsclite-dev libp11-kit-dev p11-kit-modules \
       libcsv-dev libjson-c-dev postgresql postgresql-contrib tmux groff-base man-db procps \
       softhsm2 opensc pcscd vsmartcard-vpcd python3 socat libmicrohttpd-dev curl time chromium \
       libengine-pkcs11-openssl zlib1g-dev \
       libzip-dev openssh-server
deps:
	@missing=$$(for p in $(DEBS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -z "$$missing" ]; then echo "Toutes les dépendances sont installées."; exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
	  echo "Paquets manquants. Lancez en root :"; \
	  echo "  apt-get update && apt-get install -y --no-install-recommends $$missing"; exit 1; fi; \
	echo "Installation : $$missing"; \
	apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing

# Everything liasse needs at run time is in the binary (migrations, forms,
# themes, keys, the demo); the man pages go beside it.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
MAN1 = $(wildcard man/*.1)
MAN5 = $(wildcard man/*.5)
install: $(B)/liasse
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 755 $(B)/liasse $(DESTDIR)$(BINDIR)/liasse
	install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/liasse $(MAN1:man/%=$(DESTDIR)$(MANDIR)/man1/%) \
	      $(MAN5:man/%=$(DESTDIR)$(MANDIR)/man5/%)

clean:
	rm -rf $(B) build-* liasse

-include $(shell find $(B) -name '*.d' 2>/dev/null)
