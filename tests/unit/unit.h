/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal TAP producer for the userspace unit tests of vtx's pure logic.
 * Each CHECK is one TAP result; a failure prints what was expected.
 */
#ifndef _VTX_UNIT_H
#define _VTX_UNIT_H

#include <stdio.h>
#include <stdlib.h>

static int unit_n, unit_failed;

#define CHECK(cond, ...) do {						\
	int ok_ = !!(cond);						\
	printf("%sok %d - ", ok_ ? "" : "not ", ++unit_n);		\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	if (!ok_) {							\
		unit_failed++;						\
		printf("#   failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
	}								\
} while (0)

#define CHECK_EQ(a, b, ...) do {					\
	unsigned long long a_ = (a), b_ = (b);				\
	CHECK(a_ == b_, __VA_ARGS__);					\
	if (a_ != b_)							\
		printf("#   got 0x%llx, want 0x%llx\n", a_, b_);	\
} while (0)

static inline int unit_done(void)
{
	printf("1..%d\n", unit_n);
	return unit_failed ? 1 : 0;
}

#endif /* _VTX_UNIT_H */
