/* store_uuid.h — UUIDs as the order database keeps them: canonical text,
 * lowercase, hyphenated ("308e1272-d5f4-47e6-bd97-3504baea9c23").
 *
 * Why: mostrod declares its id columns char(36) but sqlx binds a Rust Uuid
 * as a 16-byte BLOB (DAEMON.md §8), so a mostrod database may hold either
 * form, and the mostro-store commands take ids typed by people. Everything
 * we write is the canonical text form.
 *
 * Pure functions: no allocation, no printing.
 */
#ifndef MU_STORE_UUID_H
#define MU_STORE_UUID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_UUID_LEN 36

/* The canonical text of 16 bytes into out (37 bytes with the NUL). */
void store_uuid_format(const uint8_t b[16], char out[STORE_UUID_LEN + 1]);

/* Reads a UUID written as the Rust uuid crate parses one: hyphenated
 * (8-4-4-4-12), simple (32 digits), braced ({...} around the hyphenated form)
 * or as a URN (urn:uuid:...); hex digits in either case. False for anything
 * else. */
bool store_uuid_parse(const char *s, size_t n, uint8_t out[16]);

/* store_uuid_parse then store_uuid_format: any accepted spelling to the
 * canonical one. */
bool store_uuid_canonical(const char *s, size_t n, char out[STORE_UUID_LEN + 1]);

#endif
