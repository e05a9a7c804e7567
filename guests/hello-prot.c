// SPDX-License-Identifier: GPL-2.0
/* ELF32: 32-bit protected mode, flat segments, paging off. */
#include "rt.h"

int main(int index, int count)
{
	(void)index;
	(void)count;
	uart_puts("Hello from 32-bit protected mode!\n");
	return 0;
}
