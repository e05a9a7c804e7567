/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guests' runtime: port I/O, the 16550 UART at 0x3f8, a printf subset,
 * exit through the isa-debug-exit port 0xf4.  Freestanding, for 32-bit and
 * 64-bit code alike; no libgcc (64-bit division in 32-bit code is done by
 * hand in rt.c), no floating point.
 */
#ifndef GUESTS_RT_H
#define GUESTS_RT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* Fixed widths that match printf's %x / %llx in both modes. */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef long long s64;

#define COM1		0x3f8	/* THR (write) / RBR (read) */
#define COM1_LSR	(COM1 + 5)
#define LSR_DR		0x01	/* data ready */
#define LSR_THRE	0x20	/* transmit holding register empty */
#define DEBUGCON	0xe9	/* a byte written here goes to stdout */
#define EXIT_PORT	0xf4	/* isa-debug-exit: status (v << 1) | 1 */

static inline void outb(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(u16 port, u16 v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(u16 port, u32 v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u16 inw(u16 port)
{
	u16 v;

	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u32 inl(u16 port)
{
	u32 v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	/* LFENCE: earlier instructions finish before the TSC is read. */
	asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((u64)hi << 32) | lo;
}

static inline void cpu_relax(void)
{
	asm volatile("pause" : : : "memory");
}

/* IF=0: HLT stops this vCPU for good. */
static inline __attribute__((noreturn)) void halt(void)
{
	for (;;)
		asm volatile("cli; hlt" : : : "memory");
}

void uart_putc(char c);
void uart_puts(const char *s);
int uart_getc(void);		/* blocks until a byte arrives */
void debugcon_putc(char c);

/* %s %c %d %i %u %x %X %p, with l/ll and width/'0'/'-'; output to the UART */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* The launcher ends with status (v << 1) | 1. */
void exit(u32 v) __attribute__((noreturn));

/* gcc may emit calls to these even in freestanding code. */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/* Entry point of every non-Multiboot guest: vCPU index, vCPU count. */
int main(int index, int count);

#endif /* GUESTS_RT_H */
