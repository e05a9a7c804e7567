// SPDX-License-Identifier: GPL-2.0
/*
 * ELF64: UD2 with no IDT (limit 0) raises #UD, whose delivery faults
 * (#GP, then #DF), then a triple fault: the launcher must report a crash.
 */
#include "rt.h"

int main(int index, int count)
{
	(void)index;
	(void)count;
	printf("crash: about to fault\n");
	asm volatile("ud2");
	printf("crash: UD2 did not fault\n");
	exit(1);
}
