// SPDX-License-Identifier: GPL-2.0
/*
 * ELF32: reads a line from the UART (the launcher's stdin), byte by byte
 * with LSR.DR polled before each, and echoes it upper-cased.  N counts the
 * bytes of LINE, the '\n' not included.
 */
#include "rt.h"

#define MAX_LINE 200

int main(int index, int count)
{
	char line[MAX_LINE + 1];
	unsigned int n = 0;

	(void)index;
	(void)count;
	printf("uart: type a line\n");
	while (n < MAX_LINE) {
		int c = uart_getc();

		if (c == '\n')
			break;
		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		line[n++] = (char)c;
	}
	line[n] = '\0';
	printf("uart: got %u bytes: %s\n", n, line);
	return 0;
}
