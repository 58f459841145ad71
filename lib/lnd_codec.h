/* lnd_codec.h — LND REST encodings and error texts (LIGHTNING.md §a.3, §a.4).
 *
 * - bytes travel as base64: standard with padding in JSON bodies we send,
 *   URL-safe WITH padding in URL paths (a '/' would split the route);
 *   base64 we read may be either alphabet, padded or not.
 * - 64-bit integers arrive as JSON strings ("1000"); we also accept numbers.
 * - hashes and preimages leave this module as lowercase hex.
 * The lnd_*_to_ln functions turn LND messages into the mostro-ln interface
 * records (see man/mostro-ln.1). They borrow their input and return a new jv
 * (jv_invalid() with *err set when a required field is missing or malformed).
 * lnd_classify maps an LND error (gRPC code + message text) to an ln_err_kind
 * per primitive, the way mostrod's classifiers do.
 */
#ifndef MU_LND_CODEC_H
#define MU_LND_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jv.h>

#include "ln.h"

/* out needs 4*ceil(n/3)+1 bytes (LND_B64_32 for 32 bytes). */
#define LND_B64_32 45
void lnd_b64(char *out, const uint8_t *in, size_t n);
void lnd_b64url(char *out, const uint8_t *in, size_t n);
/* Standard or URL-safe, padded or not. False on any other character or a
 * length that is not what the caller expects (exactly want bytes). */
bool lnd_b64_decode(uint8_t *out, size_t want, const char *in, size_t n);

/* A protojson int64/uint64 field: "123" or 123. Missing -> false. */
bool lnd_get_i64(jv obj, const char *key, int64_t *out);
bool lnd_get_u64(jv obj, const char *key, uint64_t *out);

jv lnd_getinfo_to_ln(jv info, ln_error *err);
jv lnd_add_hold_to_ln(jv resp, const uint8_t hash[32], const uint8_t preimage[32], ln_error *err);
jv lnd_invoice_to_lookup(jv inv, ln_error *err);
/* The watch event for hash (the one subscribed to, as mostrod keys it). */
jv lnd_invoice_to_watch(jv inv, const uint8_t hash[32], ln_error *err);
jv lnd_payment_to_ln(jv pay, ln_error *err);

/* Classifies an LND error for primitive p. Sets *err (grpc_code and
 * http_status included). Returns false when the error means the operation
 * already happened and counts as success (settle of a settled invoice,
 * cancel of a canceled one): then *err is untouched. */
bool lnd_classify(ln_prim p, int http_status, int grpc_code, const char *message, ln_error *err);

/* HTTP status grpc-gateway v2 uses for a gRPC code (§a.4). */
int lnd_grpc_http_status(int grpc_code);

#endif
