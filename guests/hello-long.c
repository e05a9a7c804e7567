// SPDX-License-Identifier: GPL-2.0
/* ELF64: long mode, the first 4 GiB identity-mapped. */
#include "rt.h"

int main(int index, int count)
{
	(void)index;
	(void)count;
	uart_puts("Hello from 64-bit long mode!\n");
	return 0;
}
