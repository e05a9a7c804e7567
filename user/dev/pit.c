// SPDX-License-Identifier: GPL-2.0
/*
 * The PC's 8254 on ports 0x40-0x43, its clock the host's CLOCK_MONOTONIC:
 * user/lib/pit.c's state machine on the bus.  Counter 0's OUT drives
 * IRQ0.  Nothing runs in the background: the counter is computed from
 * the time when read, and the rising edges of OUT since the last look
 * reach the PIC when the run loop polls (vtx_intr_poll), which it does
 * before each KVM_RUN of vCPU 0 and at the POSIX timer vtx-run arms for
 * the next edge.  Edges that come while the guest has not taken the last
 * IRQ0 merge into one request, as at a real PIC's edge-triggered input.
 */
#include "bus.h"
#include "lib/pit.h"

static struct vtx_pit vtx_pit;
static struct vtx_machine *vtx_pit_machine;
/* IRQ0's edges up to this time have reached the PIC. */
static uint64_t vtx_pit_irq0_seen;

uint64_t vtx_pit_update_locked(uint64_t now)
{
	if (now < vtx_pit_irq0_seen)	/* another vCPU polled meanwhile */
		now = vtx_pit_irq0_seen;
	if (vtx_pit_next_edge(&vtx_pit, 0, vtx_pit_irq0_seen) <= now)
		vtx_irq_pulse_locked(0);
	vtx_pit_irq0_seen = now;
	return vtx_pit_next_edge(&vtx_pit, 0, now);
}

static uint64_t pit_read(struct vtx_device *d, uint64_t off, unsigned int size)
{
	uint64_t now = vtx_clock_ns(), val = 0;
	unsigned int i;

	for (i = 0; i < size && off + i < d->len; i++)
		val |= (uint64_t)vtx_pit_read(&vtx_pit, d->base + off + i,
					      now) << (8 * i);
	return val;
}

static void pit_write(struct vtx_device *d, uint64_t off, unsigned int size,
		      uint64_t val)
{
	uint64_t now = vtx_clock_ns();
	unsigned int i;

	/* Edges of the old count up to now still count; none before now. */
	vtx_pit_update_locked(now);
	for (i = 0; i < size && off + i < d->len; i++)
		vtx_pit_write(&vtx_pit, d->base + off + i, val >> (8 * i), now);
	/* vCPU 0 arms its timer for the new count's first edge. */
	if (vtx_pit_machine->kick)
		vtx_pit_machine->kick(vtx_pit_machine);
}

int vtx_pit_init(struct vtx_machine *m)
{
	static struct vtx_device dev = {
		.name = "pit", .bus = VTX_BUS_PIO, .base = VTX_PIT_PORT,
		.len = 4, .read = pit_read, .write = pit_write,
	};

	vtx_pit_machine = m;
	vtx_pit_reset(&vtx_pit);
	return vtx_bus_register(&dev);
}
