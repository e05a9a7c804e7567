// SPDX-License-Identifier: GPL-2.0
/* ELF32: leaves through isa-debug-exit; the launcher exits with 21 * 2 + 1. */
#include "rt.h"

int main(int index, int count)
{
	(void)index;
	(void)count;
	printf("exit-code: leaving with %u\n", 21);
	exit(21);
}
