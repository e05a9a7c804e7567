// SPDX-License-Identifier: GPL-2.0
/*
 * A 16550A UART, as much of it as a polling driver uses: bytes written to
 * THR go to stdout, bytes from stdin arrive in RBR, LSR says which is
 * ready.  No interrupts (it raises no IRQ), no FIFO timing: the
 * transmitter is always empty.  Register map: the 16550A data sheet.
 */
#include <pthread.h>
#include <unistd.h>
#include "bus.h"

enum {
	UART_RBR_THR = 0,	/* DLL when LCR.DLAB */
	UART_IER = 1,		/* DLM when LCR.DLAB */
	UART_IIR_FCR = 2,
	UART_LCR = 3,
	UART_MCR = 4,
	UART_LSR = 5,
	UART_MSR = 6,
	UART_SCR = 7,
};
#define LCR_DLAB	0x80
#define LSR_DR		0x01	/* a byte waits in RBR */
#define LSR_THRE	0x20	/* THR empty */
#define LSR_TEMT	0x40	/* transmitter empty */
#define IIR_NONE	0x01	/* no interrupt pending */
#define MSR_CTS_DSR_DCD	0xb0

#define UART_RX_RING	4096

struct vtx_uart {
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	/* Input from stdin: the reader thread adds, the guest takes. */
	uint8_t rx[UART_RX_RING];
	unsigned int rx_head, rx_tail;	/* head == tail: empty */
};

static struct vtx_uart vtx_uart;

void vtx_console_putc(uint8_t c)
{
	/* Unbuffered: the guest's output is seen as it happens. */
	while (write(STDOUT_FILENO, &c, 1) < 0)
		;
}

static unsigned int rx_count(const struct vtx_uart *u)
{
	return (u->rx_head - u->rx_tail) % UART_RX_RING;
}

static uint64_t uart_read(struct vtx_device *d, uint64_t off, unsigned int size)
{
	struct vtx_uart *u = d->priv;
	uint8_t c;

	(void)size;	/* byte registers: wider reads see the first one */
	switch (off) {
	case UART_RBR_THR:
		if (u->lcr & LCR_DLAB)
			return u->dll;
		if (!rx_count(u))
			return 0;
		c = u->rx[u->rx_tail];
		u->rx_tail = (u->rx_tail + 1) % UART_RX_RING;
		return c;
	case UART_IER:
		return u->lcr & LCR_DLAB ? u->dlm : u->ier;
	case UART_IIR_FCR:
		return IIR_NONE;
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		return LSR_THRE | LSR_TEMT | (rx_count(u) ? LSR_DR : 0);
	case UART_MSR:
		return MSR_CTS_DSR_DCD;
	default:
		return u->scr;
	}
}

static void uart_write(struct vtx_device *d, uint64_t off, unsigned int size,
		       uint64_t val)
{
	struct vtx_uart *u = d->priv;

	(void)size;
	switch (off) {
	case UART_RBR_THR:
		if (u->lcr & LCR_DLAB)
			u->dll = val;
		else
			vtx_console_putc(val);
		break;
	case UART_IER:
		if (u->lcr & LCR_DLAB)
			u->dlm = val;
		else
			u->ier = val & 0x0f;
		break;
	case UART_LCR:
		u->lcr = val;
		break;
	case UART_MCR:
		u->mcr = val & 0x1f;
		break;
	case UART_SCR:
		u->scr = val;
		break;
	default:	/* FCR, LSR, MSR: nothing to do */
		break;
	}
}

/* stdin -> the receive ring, without ever blocking a vCPU. */
static void *uart_input_thread(void *arg)
{
	struct vtx_uart *u = arg;
	uint8_t buf[256];
	ssize_t n, i;

	for (;;) {
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n <= 0)
			return NULL;	/* EOF or error: no more input */
		for (i = 0; i < n; ) {
			vtx_bus_lock_acquire();
			while (i < n && rx_count(u) < UART_RX_RING - 1) {
				u->rx[u->rx_head] = buf[i++];
				u->rx_head = (u->rx_head + 1) % UART_RX_RING;
			}
			vtx_bus_lock_release();
			if (i < n)
				usleep(1000);	/* full: the guest reads slowly */
		}
	}
}

int vtx_uart_init(struct vtx_machine *m, uint16_t port)
{
	static struct vtx_device dev = {
		.name = "uart", .bus = VTX_BUS_PIO, .len = 8,
		.read = uart_read, .write = uart_write, .priv = &vtx_uart,
	};
	pthread_t t;

	(void)m;
	dev.base = port;
	if (vtx_bus_register(&dev))
		return -1;
	if (pthread_create(&t, NULL, uart_input_thread, &vtx_uart))
		return -1;
	pthread_detach(t);
	return 0;
}
