// SPDX-License-Identifier: GPL-2.0
/*
 * ELF64 for several vCPUs: every vCPU checks in with LOCK XADD on a shared
 * counter; vCPU 0 then waits, a bounded PAUSE loop, for all of them.
 */
#include "rt.h"

/*
 * Generous: under an emulated PC the other vCPUs' threads may start late.
 * Only a failing run spends it all (seconds on hardware).
 */
#define SPIN_LIMIT	(1ull << 28)

static u32 checked_in;		/* BSS: zeroed by the loader */

static void check_in(void)
{
	u32 one = 1;

	asm volatile("lock xaddl %0, %1"
		     : "+r"(one), "+m"(checked_in) : : "memory");
}

int main(int index, int count)
{
	u32 n = 0;
	u64 spins;

	check_in();
	if (index != 0)
		return 0;

	for (spins = 0; spins < SPIN_LIMIT; spins++) {
		n = __atomic_load_n(&checked_in, __ATOMIC_ACQUIRE);
		if (n == (u32)count)
			break;
		cpu_relax();
	}
	if (n != (u32)count) {
		printf("smp: only %u of %d vCPUs checked in\n", n, count);
		exit(1);
	}
	printf("smp: %u of %d vCPUs checked in\n", n, count);
	return 0;
}
