// SPDX-License-Identifier: GPL-2.0
/*
 * The PC's 8259A pair on ports 0x20/0x21 (master) and 0xa0/0xa1 (slave):
 * user/lib/pic.c's state machine on the bus.  Its INT output is wired to
 * vCPU 0, as a PC's PIC reaches the boot CPU through the local APIC's
 * virtual wire: the run loop asks vtx_intr_poll() before each KVM_RUN of
 * vCPU 0 and, when the vCPU can take it, acknowledges the interrupt with
 * vtx_intr_ack() and injects the vector with KVM_INTERRUPT (vtx-run.c).
 */
#include <time.h>

#include "bus.h"
#include "lib/pic.h"
#include "lib/pit.h"

static struct vtx_pic vtx_pic;
static struct vtx_machine *vtx_pic_machine;

uint64_t vtx_clock_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + t.tv_nsec;
}

void vtx_irq_pulse_locked(unsigned int irq)
{
	vtx_pic_set_irq(&vtx_pic, irq, 1);
	vtx_pic_set_irq(&vtx_pic, irq, 0);
}

void vtx_intr_poll(uint64_t now, struct vtx_intr_status *st)
{
	vtx_bus_lock_acquire();
	st->next_ns = vtx_pit_update_locked(now);
	st->pending = vtx_pic_pending(&vtx_pic);
	/* Only the PIT raises interrupts (IRQ0): nothing else could wake. */
	st->can_wake = st->pending ||
		       (st->next_ns != VTX_PIT_NEVER &&
			vtx_pic_would_raise(&vtx_pic, 0));
	vtx_bus_lock_release();
}

uint8_t vtx_intr_ack(void)
{
	uint8_t vec;

	vtx_bus_lock_acquire();
	vec = vtx_pic_ack(&vtx_pic);
	vtx_bus_lock_release();
	return vec;
}

static uint64_t pic_read(struct vtx_device *d, uint64_t off, unsigned int size)
{
	uint64_t val = 0;
	unsigned int i;

	/* A wider access is one byte per port, as the ISA bus splits it. */
	for (i = 0; i < size && off + i < d->len; i++)
		val |= (uint64_t)vtx_pic_read(&vtx_pic, d->base + off + i) << (8 * i);
	return val;
}

static void pic_write(struct vtx_device *d, uint64_t off, unsigned int size,
		      uint64_t val)
{
	unsigned int i;

	for (i = 0; i < size && off + i < d->len; i++)
		vtx_pic_write(&vtx_pic, d->base + off + i, val >> (8 * i));
	/* Written from another vCPU: vCPU 0 must look again. */
	if (vtx_pic_pending(&vtx_pic) && vtx_pic_machine->kick)
		vtx_pic_machine->kick(vtx_pic_machine);
}

int vtx_pic_init(struct vtx_machine *m)
{
	static struct vtx_device master = {
		.name = "pic-master", .bus = VTX_BUS_PIO,
		.base = VTX_PIC_MASTER_PORT, .len = 2,
		.read = pic_read, .write = pic_write,
	};
	static struct vtx_device slave = {
		.name = "pic-slave", .bus = VTX_BUS_PIO,
		.base = VTX_PIC_SLAVE_PORT, .len = 2,
		.read = pic_read, .write = pic_write,
	};

	vtx_pic_machine = m;
	vtx_pic_reset(&vtx_pic);
	return vtx_bus_register(&master) || vtx_bus_register(&slave) ? -1 : 0;
}
