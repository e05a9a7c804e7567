/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PC's pair of 8259A programmable interrupt controllers, as a pure
 * state machine: no I/O, no clock, no locking (the caller serializes).
 * Built into vtx-run (user/dev/pic.c puts it on ports 0x20/0x21 and
 * 0xa0/0xa1) and into the unit tests.
 *
 * What is modelled (Intel 8259A data sheet, 231468): ICW1-ICW4, OCW1-OCW3,
 * IRR/ISR/IMR, edge and level triggering (ICW1.LTIM), fully nested and
 * rotating priority, specific and non-specific EOI, automatic EOI (with
 * rotation), special mask mode, special fully nested mode, poll mode,
 * spurious IRQ7/IRQ15, and the PC's wiring: the slave's INT on the
 * master's IR2.  Not modelled: the 8080/8085 call mode (ICW4.uPM = 0)
 * and buffered mode, which change nothing an x86 guest can see; the
 * ELCR of later chipsets.
 */
#ifndef _VTX_USER_PIC_H
#define _VTX_USER_PIC_H

#include <stdbool.h>
#include <stdint.h>

#define VTX_PIC_CASCADE_IRQ	2	/* the slave's INT is on master IR2 */

struct vtx_pic_chip {
	uint8_t irr, isr, imr;
	uint8_t line;		/* the IR inputs' levels (edge detection) */
	uint8_t vector_base;	/* ICW2, bits 7:3 */
	uint8_t icw3;		/* master: slave bitmap; slave: its ID */
	uint8_t lowest;		/* the IR of lowest priority (7 at reset) */
	uint8_t init_step;	/* 0: initialized; 2, 3, 4: next ICW */
	bool icw4_needed, single, level, auto_eoi, rotate_on_aeoi;
	bool special_fully_nested, special_mask, read_isr, poll;
	bool initialized;	/* ICW1 seen and the sequence completed */
};

struct vtx_pic {
	struct vtx_pic_chip chip[2];	/* 0: master, 1: slave */
};

/* Both chips as at power-on: not initialized, everything masked off. */
void vtx_pic_reset(struct vtx_pic *p);

/* An I/O access: @port is 0x20, 0x21, 0xa0 or 0xa1 (others are ignored). */
void vtx_pic_write(struct vtx_pic *p, uint16_t port, uint8_t val);
uint8_t vtx_pic_read(struct vtx_pic *p, uint16_t port);

/* An interrupt request input: @irq 0-15 (8-15 the slave's), @level 0/1. */
void vtx_pic_set_irq(struct vtx_pic *p, unsigned int irq, int level);

/* The master's INT output: an interrupt is waiting for the CPU. */
bool vtx_pic_pending(const struct vtx_pic *p);

/*
 * The CPU's interrupt acknowledge (the two INTA cycles): the vector the
 * master (or, through the cascade, the slave) puts on the bus, and the
 * ISR/IRR updates that go with it.  With nothing to deliver, the
 * data sheet's spurious vector (IR7 of the chip asked, ISR untouched).
 */
uint8_t vtx_pic_ack(struct vtx_pic *p);

/*
 * Would a rising edge on @irq raise the master's INT, in the PIC's
 * present state?  (Masked, blocked by one in service of higher or equal
 * priority, or not initialized: no.)  vtx-run asks this before it lets a
 * halted vCPU wait for the timer's interrupt.
 */
bool vtx_pic_would_raise(const struct vtx_pic *p, unsigned int irq);

#endif /* _VTX_USER_PIC_H */
