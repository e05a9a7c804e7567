/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The launcher's buses: port I/O and MMIO exits are dispatched to the
 * device that registered the address.  A device is a name, a range and two
 * callbacks; adding one is a file in user/dev/ and a line in
 * vtx_devices_init() (user/dev/bus.c).
 */
#ifndef _VTX_RUN_BUS_H
#define _VTX_RUN_BUS_H

#include <stdbool.h>
#include <stdint.h>

enum vtx_bus { VTX_BUS_PIO, VTX_BUS_MMIO };

struct vtx_device {
	const char *name;
	enum vtx_bus bus;
	uint64_t base, len;
	/* @off is relative to @base; @size is 1, 2, 4 or 8 bytes. */
	uint64_t (*read)(struct vtx_device *d, uint64_t off, unsigned int size);
	void (*write)(struct vtx_device *d, uint64_t off, unsigned int size,
		      uint64_t val);
	void *priv;
};

/* How the run loop and the devices reach the rest of the launcher. */
struct vtx_machine {
	bool strict_io;		/* an unhandled access ends the run */
	bool stop;		/* set by a device: end the run */
	int exit_status;	/* with stop: the launcher's exit status */
	const char *stop_why;	/* with stop: why, for --trace and errors */
	/*
	 * Set by the run loop: an interrupt source changed (called with the
	 * bus lock held, from any vCPU); vCPU 0 must poll the interrupts
	 * again (vtx_intr_poll) before it goes on running the guest.
	 */
	void (*kick)(struct vtx_machine *m);
};

int vtx_bus_register(struct vtx_device *d);

/*
 * An access the guest made: 0 if a device took it; -1 if none did (it is
 * then reported once per address on stderr; reads return all ones).
 */
int vtx_bus_read(struct vtx_machine *m, enum vtx_bus bus, uint64_t addr,
		 unsigned int size, uint64_t *val);
int vtx_bus_write(struct vtx_machine *m, enum vtx_bus bus, uint64_t addr,
		  unsigned int size, uint64_t val);

void vtx_bus_lock_acquire(void);
void vtx_bus_lock_release(void);

/* Every device of the launcher, registered at their addresses. */
int vtx_devices_init(struct vtx_machine *m);

/* The devices, one file each in user/dev/. */
int vtx_uart_init(struct vtx_machine *m, uint16_t port);
int vtx_debug_exit_init(struct vtx_machine *m, uint16_t port);
int vtx_debugcon_init(struct vtx_machine *m, uint16_t port);
int vtx_testdev_init(struct vtx_machine *m, uint64_t gpa);
int vtx_pic_init(struct vtx_machine *m);
int vtx_pit_init(struct vtx_machine *m);

/*
 * Interrupts.  The PIC pair's INT output goes to vCPU 0; the run loop
 * polls it (each call takes the bus lock).
 */
struct vtx_intr_status {
	bool pending;		/* an interrupt waits for the acknowledge */
	bool can_wake;		/* pending, or the PIT will raise one that
				 * the PIC would pass on: a halted vCPU may
				 * wait for it */
	uint64_t next_ns;	/* the PIT's next IRQ0 edge, or VTX_PIT_NEVER */
};
/* Bring the PIT up to @now (vtx_clock_ns) and say what the PIC has. */
void vtx_intr_poll(uint64_t now, struct vtx_intr_status *st);
/* The CPU's interrupt acknowledge: the vector to inject. */
uint8_t vtx_intr_ack(void);
/* The devices' clock: CLOCK_MONOTONIC in nanoseconds. */
uint64_t vtx_clock_ns(void);
/* With the bus lock held: an edge on the ISA IRQ line @irq (0-15). */
void vtx_irq_pulse_locked(unsigned int irq);
/* With the bus lock held: the PIT's IRQ0 edges up to @now to the PIC. */
uint64_t vtx_pit_update_locked(uint64_t now);

/* Guest output: the UART and the debug console both write to stdout. */
void vtx_console_putc(uint8_t c);

#define VTX_UART_PORT		0x3f8
#define VTX_DEBUG_EXIT_PORT	0xf4
#define VTX_DEBUGCON_PORT	0xe9
#define VTX_TESTDEV_GPA		0xfeb00000ULL
#define VTX_PIC_MASTER_PORT	0x20
#define VTX_PIC_SLAVE_PORT	0xa0

#endif /* _VTX_RUN_BUS_H */
