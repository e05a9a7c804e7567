// SPDX-License-Identifier: GPL-2.0
/*
 * vtx_tsc: print the time stamp counter, in decimal.  Shell scripts in the
 * test bed's PC time a program with two of these: there the TSC counts
 * emulated instructions (shared/TESTBED.md), so the difference is
 * repeatable where wall time is not, and busybox's date has no
 * nanoseconds.
 */
#include <stdio.h>
#include <x86intrin.h>

int main(void)
{
	printf("%llu\n", (unsigned long long)__rdtsc());
	return 0;
}
