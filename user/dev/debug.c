// SPDX-License-Identifier: GPL-2.0
/*
 * Two one-port devices that test guests rely on:
 * - the exit port (QEMU's isa-debug-exit): a write of V ends the launcher
 *   with exit status (V << 1) | 1, so a guest can report pass or fail;
 * - the debug console (Bochs' and QEMU's port 0xe9): a byte written goes
 *   to stdout; a read returns 0xe9, which is how a guest detects it.
 */
#include "bus.h"

static void debug_exit_write(struct vtx_device *d, uint64_t off,
			     unsigned int size, uint64_t val)
{
	struct vtx_machine *m = d->priv;

	(void)off;
	if (size < 8)
		val &= (1ULL << (size * 8)) - 1;
	m->exit_status = (int)((val << 1) | 1);
	m->stop_why = "the guest wrote to the exit port";
	m->stop = true;
}

int vtx_debug_exit_init(struct vtx_machine *m, uint16_t port)
{
	static struct vtx_device dev = {
		.name = "debug-exit", .bus = VTX_BUS_PIO, .len = 4,
		.write = debug_exit_write,
	};

	dev.base = port;
	dev.priv = m;
	return vtx_bus_register(&dev);
}

static uint64_t debugcon_read(struct vtx_device *d, uint64_t off,
			      unsigned int size)
{
	(void)d, (void)off, (void)size;
	return VTX_DEBUGCON_PORT;
}

static void debugcon_write(struct vtx_device *d, uint64_t off,
			   unsigned int size, uint64_t val)
{
	(void)d, (void)off, (void)size;
	vtx_console_putc(val);
}

int vtx_debugcon_init(struct vtx_machine *m, uint16_t port)
{
	static struct vtx_device dev = {
		.name = "debugcon", .bus = VTX_BUS_PIO, .len = 1,
		.read = debugcon_read, .write = debugcon_write,
	};

	(void)m;
	dev.base = port;
	return vtx_bus_register(&dev);
}
