# mostroutils build configuration. Override on the command line:
#   make PREFIX=/usr CC=clang CFLAGS='-O3'
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share
DESTDIR ?=
CC      ?= cc
CFLAGS  ?= -O2 -g
LDFLAGS ?=
# Output directory for objects, binaries and test programs.
BUILD   ?= build

# Warnings are errors: the tree must build clean with -Wall -Wextra.
WARN    = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
          -Wno-unused-parameter
# OpenSSL: we use the 1.1 SHA256_* API (the fast path with a copyable midstate).
STD     = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -DOPENSSL_API_COMPAT=0x10100000L

# Libraries found through pkg-config; libjq and libunistring ship no .pc file
# on Debian 12.
PKGS    = libsecp256k1 libsodium libcurl libwebsockets sqlite3 openssl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
JQ_LIBS    ?= -ljq -lonig
UNISTRING_LIBS ?= -lunistring
LIBS    = $(PKG_LIBS) $(JQ_LIBS) $(UNISTRING_LIBS) -lm -lpthread
