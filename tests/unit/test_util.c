/* SPDX-License-Identifier: MIT */
/* The shared helpers every module derives from (src/util/): one hex codec,
 * one version parser, one name check, one hash map. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "util/internal.h"

/* Every byte value round-trips, in either case, at every alignment the
 * 8-digit fast path and the byte loop can see. */
static void test_hex_roundtrip(void **state)
{
	uint8_t in[256], out[256];
	char hex[2 * 256 + 8];

	(void)state;
	for (int i = 0; i < 256; i++)
		in[i] = (uint8_t)i;
	for (size_t n = 0; n <= 256; n += (n < 20 ? 1 : 37)) {
		bool upper = true;

		ipe_hex_encode(hex, in + (256 - n), n);
		assert_int_equal(strlen(hex), 2 * n);
		memset(out, 0xAA, sizeof(out));
		assert_int_equal(ipe_hex_decode_case(out, hex, n, &upper), 0);
		assert_false(upper);
		assert_memory_equal(out, in + (256 - n), n);
		for (size_t k = 0; k < 2 * n; k++)
			if (hex[k] >= 'a')
				hex[k] = (char)(hex[k] - 'a' + 'A');
		assert_int_equal(ipe_hex_decode_case(out, hex, n, &upper), 0);
		assert_true(upper == (strpbrk(hex, "ABCDEF") != NULL));
		assert_memory_equal(out, in + (256 - n), n);
	}
}

/* Exactly 0-9 a-f A-F are digits: every other byte, at every position of a
 * 64-digit string (fast path and tail), is refused and found by the span. */
static void test_hex_rejects(void **state)
{
	char hex[65];
	uint8_t out[32];
	bool upper = false;

	(void)state;
	for (int c = 0; c < 256; c++) {
		bool digit = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');

		for (size_t pos = 0; pos < 64; pos += 7) {
			memset(hex, '0', 64);
			hex[64] = '\0';
			hex[pos] = (char)c;
			assert_int_equal(ipe_hex_decode(out, hex, 32), digit ? 0 : -EINVAL);
			assert_int_equal(ipe_hex_span(hex, 64), digit ? 64 : pos);
			if (digit) {
				assert_int_equal(ipe_hex_decode_case(out, hex, 32, &upper), 0);
				assert_true(upper == (c >= 'A' && c <= 'F'));
			}
		}
	}
	assert_int_equal(ipe_hex_span("", 0), 0);
	assert_int_equal(ipe_hex_span("0x1", 3), 1);
	assert_int_equal(ipe_hex_decode(out, "1g", 1), -EINVAL);
	assert_int_equal(ipe_hex_decode(out, "", 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex_roundtrip),
		cmocka_unit_test(test_hex_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
