// SPDX-License-Identifier: GPL-2.0
/*
 * ELF64, compute-bound and exit-free while it works: ROUNDS rounds of
 * xorshift64 mixing, a multiply and a store into a small table, about 20
 * instructions a round (~20 million in all), timed with RDTSC around the
 * work only.  The checksum is deterministic; only the "ticks" line is not.
 */
#include "rt.h"

#define ROUNDS	1000000u

/* A volatile seed: the compiler cannot run the loop at compile time. */
static volatile u64 seed = 0x9e3779b97f4a7c15ull;

static __attribute__((noinline)) u64 work(u64 x, u32 rounds)
{
	u64 table[16] = { 0 };
	u64 sum = 0;
	u32 i;

	for (i = 0; i < rounds; i++) {
		u64 m;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		m = x * 0xd6e8feb86659fd93ull;
		table[m >> 60] += m ^ i;
		sum = ((sum << 5) | (sum >> 59)) ^ m;
	}
	for (i = 0; i < 16; i++)
		sum ^= table[i] + i;
	return sum;
}

int main(int index, int count)
{
	u64 t0, t1, sum;

	(void)index;
	(void)count;
	t0 = rdtsc();
	sum = work(seed, ROUNDS);
	/* The result exists before the second RDTSC (both are volatile). */
	asm volatile("" : : "r"(sum) : "memory");
	t1 = rdtsc();

	printf("compute: %u rounds, checksum 0x%llx\n", ROUNDS, sum);
	printf("compute: %llu ticks, %llu ticks per 1000 rounds\n",
	       t1 - t0, (t1 - t0) * 1000 / ROUNDS);
	return 0;
}
