// SPDX-License-Identifier: GPL-2.0
/* The guests' runtime; see rt.h. */
#include "rt.h"

void uart_putc(char c)
{
	/* Poll THRE before each byte, as a real driver does. */
	while (!(inb(COM1_LSR) & LSR_THRE))
		cpu_relax();
	outb(COM1, (u8)c);
}

void uart_puts(const char *s)
{
	while (*s)
		uart_putc(*s++);
}

int uart_getc(void)
{
	while (!(inb(COM1_LSR) & LSR_DR))
		cpu_relax();
	return inb(COM1);
}

void debugcon_putc(char c)
{
	outb(DEBUGCON, (u8)c);
}

void exit(u32 v)
{
	outl(EXIT_PORT, v);
	halt();			/* no isa-debug-exit: stop here at least */
}

void *memset(void *d, int c, size_t n)
{
	u8 *p = d;

	while (n--)
		*p++ = (u8)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	u8 *p = d;
	const u8 *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *p = a, *q = b;

	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

/*
 * v / 10 with the remainder in *rem, by long division in base 2^16: every
 * step divides a number below 10 << 16 by 10, so 32-bit code needs no
 * __udivdi3 from libgcc.
 */
static u64 divmod10(u64 v, u32 *rem)
{
	u64 q = 0;
	u32 r = 0;
	int shift;

	for (shift = 48; shift >= 0; shift -= 16) {
		u32 cur = (r << 16) | (u32)((v >> shift) & 0xffff);

		q = (q << 16) | (cur / 10);
		r = cur % 10;
	}
	*rem = r;
	return q;
}

struct spec {
	int width;
	bool zero;
	bool left;
};

static int pad(int n, char c)
{
	int i;

	for (i = 0; i < n; i++)
		uart_putc(c);
	return n > 0 ? n : 0;
}

static int put_str(const char *s, const struct spec *sp)
{
	int len = (int)strlen(s), n = 0;

	if (!sp->left)
		n += pad(sp->width - len, ' ');
	uart_puts(s);
	n += len;
	if (sp->left)
		n += pad(sp->width - len, ' ');
	return n;
}

static int put_num(u64 v, bool neg, unsigned int base, bool upper,
		   const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	int len = 0, n = 0, i, fill;

	do {
		u32 d;

		if (base == 16) {
			d = (u32)(v & 15);
			v >>= 4;
		} else {
			v = divmod10(v, &d);
		}
		buf[len++] = digits[d];
	} while (v);

	fill = sp->width - len - (neg ? 1 : 0);
	if (!sp->left && !sp->zero)
		n += pad(fill, ' ');
	if (neg) {
		uart_putc('-');
		n++;
	}
	if (!sp->left && sp->zero)
		n += pad(fill, '0');
	for (i = len - 1; i >= 0; i--)
		uart_putc(buf[i]);
	n += len;
	if (sp->left)
		n += pad(fill, ' ');
	return n;
}

int vprintf(const char *fmt, va_list ap)
{
	int n = 0;

	for (; *fmt; fmt++) {
		struct spec sp = { 0, false, false };
		int lng = 0;
		char c;
		u64 u;
		s64 s;

		if (*fmt != '%') {
			uart_putc(*fmt);
			n++;
			continue;
		}
		for (fmt++; *fmt == '0' || *fmt == '-'; fmt++) {
			if (*fmt == '0')
				sp.zero = true;
			else
				sp.left = true;
		}
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			sp.width = sp.width * 10 + (*fmt - '0');
		for (; *fmt == 'l'; fmt++)
			lng++;

		switch ((c = *fmt)) {
		case 'c':
			uart_putc((char)va_arg(ap, int));
			n++;
			break;
		case 's':
			n += put_str(va_arg(ap, const char *) ?: "(null)", &sp);
			break;
		case 'd':
		case 'i':
			if (lng >= 2)
				s = va_arg(ap, long long);
			else if (lng == 1)
				s = va_arg(ap, long);
			else
				s = va_arg(ap, int);
			u = s < 0 ? -(u64)s : (u64)s;
			n += put_num(u, s < 0, 10, false, &sp);
			break;
		case 'u':
		case 'x':
		case 'X':
			if (lng >= 2)
				u = va_arg(ap, unsigned long long);
			else if (lng == 1)
				u = va_arg(ap, unsigned long);
			else
				u = va_arg(ap, unsigned int);
			n += put_num(u, false, c == 'u' ? 10 : 16, c == 'X', &sp);
			break;
		case 'p':
			uart_puts("0x");
			n += 2 + put_num((unsigned long)va_arg(ap, void *), false,
					 16, false, &sp);
			break;
		case '%':
			uart_putc('%');
			n++;
			break;
		case '\0':
			return n;	/* a lone '%' at the end */
		default:		/* unknown: print it as it stands */
			uart_putc('%');
			uart_putc(c);
			n += 2;
			break;
		}
	}
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}
