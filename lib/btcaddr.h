/* btcaddr.h — Bitcoin address text for BOLT11 fallback fields: base58check
 * (P2PKH/P2SH) and segwit addresses (BIP-173 bech32 for v0, BIP-350 bech32m
 * for v1+). Output only: nothing here parses addresses. No allocation except
 * through the caller's buf. */
#ifndef MU_BTCADDR_H
#define MU_BTCADDR_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Appends base58check(version || payload) to out. */
void btcaddr_base58check(buf *out, uint8_t version, const uint8_t *payload, size_t n);

/* Appends the segwit address hrp1<version><program> to out: bech32 for
 * version 0, bech32m for 1..16. version must be 0..16. */
void btcaddr_segwit(buf *out, const char *hrp, unsigned version, const uint8_t *program, size_t n);

#endif
