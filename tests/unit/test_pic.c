// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of user/lib/pic.c, the 8259A pair: initialization as a PC
 * BIOS and Linux do it, acknowledge and EOI (specific, non-specific,
 * automatic), nesting by priority, masking, the cascade, rotation,
 * special mask mode, poll mode, edge and level triggering, spurious
 * interrupts.
 */
#include <string.h>
#include "unit.h"
#include "user/lib/pic.h"

/* What Linux's init_8259A() writes: vectors 0x20 and 0x28, cascade on 2. */
static void init_pc(struct vtx_pic *p, bool aeoi)
{
	vtx_pic_reset(p);
	vtx_pic_write(p, 0x20, 0x11);	/* ICW1: edge, cascade, ICW4 */
	vtx_pic_write(p, 0x21, 0x20);	/* ICW2: vectors 0x20-0x27 */
	vtx_pic_write(p, 0x21, 0x04);	/* ICW3: a slave on IR2 */
	vtx_pic_write(p, 0x21, aeoi ? 0x03 : 0x01);	/* ICW4: 8086 */
	vtx_pic_write(p, 0xa0, 0x11);
	vtx_pic_write(p, 0xa1, 0x28);
	vtx_pic_write(p, 0xa1, 0x02);	/* its ID: 2 */
	vtx_pic_write(p, 0xa1, 0x01);
	vtx_pic_write(p, 0x21, 0x00);	/* OCW1: nothing masked */
	vtx_pic_write(p, 0xa1, 0x00);
}

static void pulse(struct vtx_pic *p, unsigned int irq)
{
	vtx_pic_set_irq(p, irq, 1);
	vtx_pic_set_irq(p, irq, 0);
}

static uint8_t read_isr(struct vtx_pic *p, uint16_t port)
{
	vtx_pic_write(p, port, 0x0b);	/* OCW3: read ISR */
	return vtx_pic_read(p, port);
}

static uint8_t read_irr(struct vtx_pic *p, uint16_t port)
{
	vtx_pic_write(p, port, 0x0a);	/* OCW3: read IRR */
	return vtx_pic_read(p, port);
}

static void test_reset_and_init(void)
{
	struct vtx_pic p;

	vtx_pic_reset(&p);
	pulse(&p, 0);
	CHECK(!vtx_pic_pending(&p), "uninitialized: a request raises no INT");
	CHECK(!vtx_pic_would_raise(&p, 0), "uninitialized: nothing would");
	init_pc(&p, false);
	CHECK(!vtx_pic_pending(&p),
	      "ICW1 resets the edge sense: an old request is gone");
	CHECK_EQ(vtx_pic_read(&p, 0x21), 0, "IMR reads back 0 after OCW1");
	vtx_pic_write(&p, 0x21, 0xfa);
	CHECK_EQ(vtx_pic_read(&p, 0x21), 0xfa, "OCW1 sets the master's IMR");
	vtx_pic_write(&p, 0xa1, 0xff);
	CHECK_EQ(vtx_pic_read(&p, 0xa1), 0xff, "OCW1 sets the slave's IMR");
	CHECK(vtx_pic_would_raise(&p, 0), "IR0 unmasked: an edge would raise INT");
	CHECK(!vtx_pic_would_raise(&p, 1), "IR1 masked: it would not");
	CHECK(!vtx_pic_would_raise(&p, 8), "IRQ8 masked on the slave: no");
	CHECK(!vtx_pic_pending(&p), "would_raise changed nothing");
}

static void test_ack_eoi(void)
{
	struct vtx_pic p;

	init_pc(&p, false);
	pulse(&p, 0);
	CHECK(vtx_pic_pending(&p), "IRQ0 edge: INT");
	CHECK_EQ(read_irr(&p, 0x20), 0x01, "IRR bit 0 set");
	CHECK_EQ(vtx_pic_ack(&p), 0x20, "INTA gives vector 0x20");
	CHECK_EQ(read_isr(&p, 0x20), 0x01, "ISR bit 0 set by the acknowledge");
	CHECK_EQ(read_irr(&p, 0x20), 0x00, "IRR bit 0 cleared (edge)");
	CHECK(!vtx_pic_pending(&p), "no INT while nothing is requested");
	pulse(&p, 0);
	CHECK(!vtx_pic_pending(&p), "IRQ0 again while IRQ0 in service: held");
	vtx_pic_write(&p, 0x20, 0x20);	/* non-specific EOI */
	CHECK_EQ(read_isr(&p, 0x20), 0x00, "non-specific EOI clears ISR 0");
	CHECK(vtx_pic_pending(&p), "the held IRQ0 now raises INT");
	CHECK_EQ(vtx_pic_ack(&p), 0x20, "and is delivered");
	vtx_pic_write(&p, 0x20, 0x60);	/* specific EOI, level 0 */
	CHECK_EQ(read_isr(&p, 0x20), 0x00, "specific EOI 0 clears ISR 0");
	/* Edges coalesce: two before the acknowledge are one interrupt. */
	pulse(&p, 0);
	pulse(&p, 0);
	CHECK_EQ(vtx_pic_ack(&p), 0x20, "two edges, one interrupt");
	vtx_pic_write(&p, 0x20, 0x20);
	CHECK(!vtx_pic_pending(&p), "... and no second one");
}

static void test_priority(void)
{
	struct vtx_pic p;

	init_pc(&p, false);
	pulse(&p, 3);
	pulse(&p, 1);
	CHECK_EQ(vtx_pic_ack(&p), 0x21, "IR1 before IR3");
	CHECK(!vtx_pic_pending(&p), "IR3 waits while IR1 is in service");
	pulse(&p, 0);
	CHECK(vtx_pic_pending(&p), "IR0 (higher) nests over IR1");
	CHECK_EQ(vtx_pic_ack(&p), 0x20, "vector 0x20");
	CHECK_EQ(read_isr(&p, 0x20), 0x03, "IR0 and IR1 in service");
	vtx_pic_write(&p, 0x20, 0x20);
	CHECK_EQ(read_isr(&p, 0x20), 0x02, "non-specific EOI ends the highest: IR0");
	CHECK(!vtx_pic_pending(&p), "IR3 still held by IR1");
	vtx_pic_write(&p, 0x20, 0x61);	/* specific EOI 1 */
	CHECK_EQ(vtx_pic_ack(&p), 0x23, "then IR3");
	vtx_pic_write(&p, 0x20, 0x20);

	/* A masked request stays in IRR and comes when unmasked. */
	vtx_pic_write(&p, 0x21, 0x10);
	pulse(&p, 4);
	CHECK(!vtx_pic_pending(&p), "IR4 masked: no INT");
	CHECK_EQ(read_irr(&p, 0x20), 0x10, "but IRR holds it");
	vtx_pic_write(&p, 0x21, 0x00);
	CHECK_EQ(vtx_pic_ack(&p), 0x24, "unmasked: delivered");
	vtx_pic_write(&p, 0x20, 0x20);

	/* Specific rotation: set priority makes IR5 the lowest, IR6 first. */
	vtx_pic_write(&p, 0x20, 0xc5);
	pulse(&p, 0);
	pulse(&p, 6);
	CHECK_EQ(vtx_pic_ack(&p), 0x26, "set priority (lowest 5): IR6 before IR0");
	CHECK(!vtx_pic_pending(&p), "IR0 ranks below IR6 now: held");
	vtx_pic_write(&p, 0x20, 0x20);
	CHECK_EQ(read_isr(&p, 0x20), 0x00, "non-specific EOI ended IR6");
	CHECK_EQ(vtx_pic_ack(&p), 0x20, "then IR0");
	pulse(&p, 6);
	CHECK_EQ(vtx_pic_ack(&p), 0x26, "IR6 nests over IR0");
	CHECK_EQ(read_isr(&p, 0x20), 0x41, "both in service");
	vtx_pic_write(&p, 0x20, 0x20);
	CHECK_EQ(read_isr(&p, 0x20), 0x01, "non-specific EOI ends IR6, the highest");
	vtx_pic_write(&p, 0x20, 0x20);
	/* Rotate on non-specific EOI: IR0 becomes the lowest. */
	vtx_pic_write(&p, 0x20, 0xa0);
	pulse(&p, 0);
	pulse(&p, 7);
	CHECK_EQ(vtx_pic_ack(&p), 0x27, "after rotation IR7 outranks IR0");
	vtx_pic_write(&p, 0x20, 0xe7);	/* rotate on specific EOI 7 */
	CHECK_EQ(read_isr(&p, 0x20), 0x00, "specific rotate EOI clears ISR 7");
	CHECK_EQ(vtx_pic_ack(&p), 0x20, "IR0 comes next");
	vtx_pic_write(&p, 0x20, 0x20);
}

static void test_cascade(void)
{
	struct vtx_pic p;

	init_pc(&p, false);
	pulse(&p, 8);
	CHECK(vtx_pic_pending(&p), "IRQ8 on the slave raises the master's INT");
	CHECK_EQ(vtx_pic_ack(&p), 0x28, "the slave gives vector 0x28");
	CHECK_EQ(read_isr(&p, 0x20), 0x04, "master ISR: IR2 (the cascade)");
	CHECK_EQ(read_isr(&p, 0xa0), 0x01, "slave ISR: IR0");
	pulse(&p, 12);
	CHECK(!vtx_pic_pending(&p), "IRQ12 waits for the slave's EOI");
	vtx_pic_write(&p, 0xa0, 0x20);
	CHECK(!vtx_pic_pending(&p), "and for the master's (IR2 in service)");
	vtx_pic_write(&p, 0x20, 0x20);
	CHECK(vtx_pic_pending(&p), "both EOIs: IRQ12 comes");
	CHECK_EQ(vtx_pic_ack(&p), 0x2c, "vector 0x2c");
	vtx_pic_write(&p, 0xa0, 0x20);
	vtx_pic_write(&p, 0x20, 0x20);
	/* The master's IR0 outranks the whole slave, IR1 too. */
	pulse(&p, 9);
	pulse(&p, 1);
	pulse(&p, 0);
	CHECK_EQ(vtx_pic_ack(&p), 0x20, "IRQ0 first");
	CHECK(!vtx_pic_pending(&p), "IRQ1 and IRQ9 wait for its EOI");
	vtx_pic_write(&p, 0x20, 0x20);
	CHECK_EQ(vtx_pic_ack(&p), 0x21, "IRQ1 (above IR2) next");
	vtx_pic_write(&p, 0x20, 0x20);
	CHECK_EQ(vtx_pic_ack(&p), 0x29, "then the slave's IRQ9");
	vtx_pic_write(&p, 0xa0, 0x20);
	vtx_pic_write(&p, 0x20, 0x20);
	/* Masking IR2 on the master masks the whole slave. */
	vtx_pic_write(&p, 0x21, 0x04);
	pulse(&p, 10);
	CHECK(!vtx_pic_pending(&p), "master IR2 masked: IRQ10 held");
	vtx_pic_write(&p, 0x21, 0x00);
	CHECK_EQ(vtx_pic_ack(&p), 0x2a, "unmasked: IRQ10 delivered");
	vtx_pic_write(&p, 0xa0, 0x20);
	vtx_pic_write(&p, 0x20, 0x20);
	/* IR2 itself is the slave's; a request there is not the master's. */
	pulse(&p, 2);
	CHECK(!vtx_pic_pending(&p), "IRQ2 is the cascade: no request of its own");
}

static void test_sfnm(void)
{
	struct vtx_pic p;

	init_pc(&p, false);
	pulse(&p, 12);
	CHECK_EQ(vtx_pic_ack(&p), 0x2c, "IRQ12");
	pulse(&p, 8);
	CHECK(!vtx_pic_pending(&p),
	      "fully nested: IRQ8 (above IRQ12) held by the master's IR2 in service");
	/* The master in special fully nested mode (ICW4.SFNM). */
	init_pc(&p, false);
	vtx_pic_write(&p, 0x20, 0x11);
	vtx_pic_write(&p, 0x21, 0x20);
	vtx_pic_write(&p, 0x21, 0x04);
	vtx_pic_write(&p, 0x21, 0x11);
	pulse(&p, 12);
	CHECK_EQ(vtx_pic_ack(&p), 0x2c, "SFNM: IRQ12");
	pulse(&p, 13);
	CHECK(!vtx_pic_pending(&p), "SFNM: IRQ13 (below IRQ12) still held by the slave");
	pulse(&p, 8);
	CHECK(vtx_pic_pending(&p), "SFNM: IRQ8 (above IRQ12) gets through IR2");
	CHECK_EQ(vtx_pic_ack(&p), 0x28, "SFNM: vector 0x28");
	pulse(&p, 3);
	CHECK(!vtx_pic_pending(&p), "SFNM: the master's IR3 is still below IR2");
}

static void test_aeoi(void)
{
	struct vtx_pic p;

	init_pc(&p, true);
	pulse(&p, 0);
	CHECK_EQ(vtx_pic_ack(&p), 0x20, "auto-EOI: vector 0x20");
	CHECK_EQ(read_isr(&p, 0x20), 0x00, "auto-EOI: ISR stays clear");
	pulse(&p, 0);
	CHECK(vtx_pic_pending(&p), "auto-EOI: the next IRQ0 needs no EOI");
	CHECK_EQ(vtx_pic_ack(&p), 0x20, "and is delivered");
	/* Rotate in auto-EOI: the acked IR becomes the lowest. */
	vtx_pic_write(&p, 0x20, 0x80);
	pulse(&p, 1);
	CHECK_EQ(vtx_pic_ack(&p), 0x21, "IR1 acked (rotate on AEOI set)");
	pulse(&p, 1);
	pulse(&p, 3);
	CHECK_EQ(vtx_pic_ack(&p), 0x23, "IR1 is now the lowest: IR3 first");
}

static void test_level_spurious_poll(void)
{
	struct vtx_pic p;

	init_pc(&p, false);
	CHECK_EQ(vtx_pic_ack(&p), 0x27, "INTA with nothing pending: spurious IRQ7");
	CHECK_EQ(read_isr(&p, 0x20), 0x00, "a spurious IRQ7 sets no ISR bit");

	/* Level-triggered master (ICW1.LTIM). */
	vtx_pic_write(&p, 0x20, 0x19);
	vtx_pic_write(&p, 0x21, 0x20);
	vtx_pic_write(&p, 0x21, 0x04);
	vtx_pic_write(&p, 0x21, 0x01);
	vtx_pic_set_irq(&p, 5, 1);
	CHECK_EQ(vtx_pic_ack(&p), 0x25, "level: IR5 delivered");
	vtx_pic_write(&p, 0x20, 0x20);
	CHECK(vtx_pic_pending(&p), "level: still high after EOI: again");
	vtx_pic_set_irq(&p, 5, 0);
	CHECK(!vtx_pic_pending(&p), "level: dropped before the ack: gone");
	CHECK_EQ(vtx_pic_ack(&p), 0x27, "... an ack then is spurious");

	/* Poll mode (OCW3.P): the read is the acknowledge. */
	init_pc(&p, false);
	vtx_pic_write(&p, 0x20, 0x0c);
	CHECK_EQ(vtx_pic_read(&p, 0x20), 0x00, "poll with nothing: bit 7 clear");
	pulse(&p, 6);
	vtx_pic_write(&p, 0x20, 0x0c);
	CHECK_EQ(vtx_pic_read(&p, 0x20), 0x86, "poll: 0x80 | 6");
	CHECK_EQ(read_isr(&p, 0x20), 0x40, "poll: IR6 in service");
	CHECK(!vtx_pic_pending(&p), "poll: the request is consumed");
	vtx_pic_write(&p, 0x20, 0x20);

	/* Special mask mode: a masked level in service blocks nothing. */
	pulse(&p, 1);
	CHECK_EQ(vtx_pic_ack(&p), 0x21, "IR1 in service");
	vtx_pic_write(&p, 0x21, 0x02);
	vtx_pic_write(&p, 0x20, 0x68);	/* OCW3: ESMM | SMM */
	pulse(&p, 4);
	CHECK_EQ(vtx_pic_ack(&p), 0x24, "special mask: IR4 below IR1 gets through");
	vtx_pic_write(&p, 0x20, 0x48);	/* OCW3: ESMM, SMM clear */
	vtx_pic_write(&p, 0x20, 0x64);	/* specific EOI 4 */
	pulse(&p, 4);
	CHECK(!vtx_pic_pending(&p), "special mask off: IR1 in service blocks IR4");

	/* Hostile values: unknown ports, IRQs out of range. */
	vtx_pic_set_irq(&p, 16, 1);
	vtx_pic_set_irq(&p, 1000, 1);
	vtx_pic_write(&p, 0x22, 0xff);
	CHECK_EQ(vtx_pic_read(&p, 0x22), 0xff, "other ports: ignored, read 0xff");
}

int main(void)
{
	test_reset_and_init();
	test_ack_eoi();
	test_priority();
	test_cascade();
	test_sfnm();
	test_aeoi();
	test_level_spurious_poll();
	return unit_done();
}
