// SPDX-License-Identifier: GPL-2.0
/*
 * The 8259A pair: see pic.h.  Section names below are those of the Intel
 * 8259A data sheet (order number 231468).
 */
#include <string.h>

#include "pic.h"

#define ICW1_IC4	0x01	/* ICW4 follows */
#define ICW1_SNGL	0x02	/* single chip: no ICW3, no cascade */
#define ICW1_LTIM	0x08	/* level-triggered inputs */
#define ICW1_INIT	0x10	/* with A0 = 0: this is ICW1 */
#define OCW3_SEL	0x08	/* with A0 = 0 and bit 4 clear: OCW3, else OCW2 */
#define OCW3_RIS	0x01	/* read ISR (with RR), else IRR */
#define OCW3_RR		0x02
#define OCW3_P		0x04	/* poll command */
#define OCW3_SMM	0x20	/* special mask mode (with ESMM) */
#define OCW3_ESMM	0x40
#define ICW4_AEOI	0x02
#define ICW4_SFNM	0x10

/* OCW2's R, SL, EOI bits (7:5), the data sheet's table of commands. */
enum {
	OCW2_ROTATE_AEOI_CLEAR = 0,
	OCW2_EOI = 1,
	OCW2_NOP = 2,
	OCW2_SPECIFIC_EOI = 3,
	OCW2_ROTATE_AEOI_SET = 4,
	OCW2_ROTATE_EOI = 5,
	OCW2_SET_PRIORITY = 6,
	OCW2_ROTATE_SPECIFIC_EOI = 7,
};

/* "Priority": 0 is the highest; the IR after the lowest comes first. */
static unsigned int rank(const struct vtx_pic_chip *c, unsigned int irq)
{
	return (irq - c->lowest - 1) & 7;
}

/* The IR of highest priority among @mask, or -1 if it is empty. */
static int highest(const struct vtx_pic_chip *c, uint8_t mask)
{
	unsigned int i, irq;

	for (i = 0; i < 8; i++) {
		irq = (c->lowest + 1 + i) & 7;
		if (mask & (1u << irq))
			return irq;
	}
	return -1;
}

/*
 * The IR that the chip's INT output asks the CPU for, or -1: the highest
 * unmasked request, if no interrupt of higher or equal priority is in
 * service ("Fully nested mode").  In special mask mode a masked level in
 * service inhibits nothing; in special fully nested mode the master lets
 * the cascade IR through while an interrupt of the same slave is in
 * service, so the slave's own priorities decide.
 */
static int chip_output(const struct vtx_pic_chip *c, bool master)
{
	uint8_t in = c->isr;
	int irq, svc;

	if (!c->initialized)
		return -1;
	irq = highest(c, c->irr & ~c->imr);
	if (irq < 0)
		return -1;
	if (c->special_mask)
		in &= ~c->imr;
	svc = highest(c, in);
	if (svc < 0 || rank(c, irq) < rank(c, svc))
		return irq;
	if (master && c->special_fully_nested && !c->single &&
	    irq == VTX_PIC_CASCADE_IRQ && svc == VTX_PIC_CASCADE_IRQ)
		return irq;
	return -1;
}

/*
 * The slave's INT drives the master's IR2.  It is taken as a level: the
 * request stays while the slave has one to give, and is gone once the
 * slave's acknowledge or EOI leaves it none (an edge-triggered IR2 would
 * miss a second slave request that arrives while the first is acked).
 */
static void update_cascade(struct vtx_pic *p)
{
	struct vtx_pic_chip *m = &p->chip[0];
	uint8_t bit = 1u << VTX_PIC_CASCADE_IRQ;

	if (m->single)
		return;
	if (chip_output(&p->chip[1], false) >= 0) {
		m->irr |= bit;
		m->line |= bit;
	} else {
		m->irr &= ~bit;
		m->line &= ~bit;
	}
}

static void chip_reset(struct vtx_pic_chip *c)
{
	memset(c, 0, sizeof(*c));
	c->lowest = 7;
}

void vtx_pic_reset(struct vtx_pic *p)
{
	chip_reset(&p->chip[0]);
	chip_reset(&p->chip[1]);
}

static void chip_set_irq(struct vtx_pic_chip *c, unsigned int irq, int level)
{
	uint8_t bit = 1u << irq;

	if (level) {
		/* Edge: a low-to-high transition latches the request. */
		if (!(c->line & bit) || c->level)
			c->irr |= bit;
		c->line |= bit;
	} else {
		c->line &= ~bit;
		if (c->level)	/* a level request ends with its level */
			c->irr &= ~bit;
	}
}

void vtx_pic_set_irq(struct vtx_pic *p, unsigned int irq, int level)
{
	if (irq > 15)
		return;
	/* IR2 is the slave's, but on a single chip (ICW1.SNGL). */
	if (irq == VTX_PIC_CASCADE_IRQ && !p->chip[0].single)
		return;
	chip_set_irq(&p->chip[irq >> 3], irq & 7, level);
	update_cascade(p);
}

bool vtx_pic_pending(const struct vtx_pic *p)
{
	return chip_output(&p->chip[0], true) >= 0;
}

/* The chip's part of an acknowledge of @irq (INTA, or a poll read). */
static void chip_accept(struct vtx_pic_chip *c, unsigned int irq)
{
	uint8_t bit = 1u << irq;

	if (!c->level)
		c->irr &= ~bit;
	if (!c->auto_eoi)
		c->isr |= bit;
	else if (c->rotate_on_aeoi)
		c->lowest = irq;
}

uint8_t vtx_pic_ack(struct vtx_pic *p)
{
	struct vtx_pic_chip *m = &p->chip[0], *s = &p->chip[1];
	int irq = chip_output(m, true), sirq;
	uint8_t vec;

	/* Nothing to give: the spurious IR7 ("Interrupt sequence"). */
	if (irq < 0)
		return m->vector_base | 7;
	chip_accept(m, irq);
	if (irq == VTX_PIC_CASCADE_IRQ && !m->single) {
		/* The slave puts the vector on the bus ("Cascade mode"). */
		sirq = chip_output(s, false);
		if (sirq < 0) {
			vec = s->vector_base | 7;
		} else {
			chip_accept(s, sirq);
			vec = s->vector_base | sirq;
		}
	} else {
		vec = m->vector_base | irq;
	}
	update_cascade(p);
	return vec;
}

bool vtx_pic_would_raise(const struct vtx_pic *p, unsigned int irq)
{
	struct vtx_pic t = *p;

	vtx_pic_set_irq(&t, irq, 0);
	vtx_pic_set_irq(&t, irq, 1);
	return vtx_pic_pending(&t);
}

/* ICW1: the chip starts over and expects ICW2 ("Initialization"). */
static void write_icw1(struct vtx_pic_chip *c, uint8_t val)
{
	uint8_t line = c->line;

	chip_reset(c);
	c->line = line;		/* the inputs keep their levels ... */
	c->level = val & ICW1_LTIM;
	if (c->level)		/* ... and a level request stands anew */
		c->irr = line;
	c->single = val & ICW1_SNGL;
	c->icw4_needed = val & ICW1_IC4;
	c->init_step = 2;
}

static void write_ocw2(struct vtx_pic_chip *c, uint8_t val)
{
	unsigned int l = val & 7;
	int irq;

	switch (val >> 5) {
	case OCW2_ROTATE_AEOI_CLEAR:
		c->rotate_on_aeoi = false;
		break;
	case OCW2_ROTATE_AEOI_SET:
		c->rotate_on_aeoi = true;
		break;
	case OCW2_EOI:
	case OCW2_ROTATE_EOI:
		/* Non-specific: the highest priority level in service. */
		irq = highest(c, c->isr);
		if (irq < 0)
			break;
		c->isr &= ~(1u << irq);
		if (val >> 5 == OCW2_ROTATE_EOI)
			c->lowest = irq;
		break;
	case OCW2_SPECIFIC_EOI:
		c->isr &= ~(1u << l);
		break;
	case OCW2_ROTATE_SPECIFIC_EOI:
		c->isr &= ~(1u << l);
		c->lowest = l;
		break;
	case OCW2_SET_PRIORITY:
		c->lowest = l;
		break;
	default:	/* OCW2_NOP */
		break;
	}
}

static void write_ocw3(struct vtx_pic_chip *c, uint8_t val)
{
	if (val & OCW3_P)
		c->poll = true;
	if (val & OCW3_RR)
		c->read_isr = val & OCW3_RIS;
	if (val & OCW3_ESMM)
		c->special_mask = val & OCW3_SMM;
}

/* A0 = 1: ICW2-ICW4 during initialization, OCW1 (the mask) after. */
static void write_data(struct vtx_pic_chip *c, uint8_t val)
{
	switch (c->init_step) {
	case 2:
		c->vector_base = val & 0xf8;
		c->init_step = !c->single ? 3 : c->icw4_needed ? 4 : 0;
		break;
	case 3:
		c->icw3 = val;
		c->init_step = c->icw4_needed ? 4 : 0;
		break;
	case 4:
		c->auto_eoi = val & ICW4_AEOI;
		c->special_fully_nested = val & ICW4_SFNM;
		c->init_step = 0;
		break;
	default:
		c->imr = val;
		return;
	}
	if (!c->init_step)
		c->initialized = true;
}

static struct vtx_pic_chip *port_chip(struct vtx_pic *p, uint16_t port)
{
	switch (port) {
	case 0x20: case 0x21:
		return &p->chip[0];
	case 0xa0: case 0xa1:
		return &p->chip[1];
	default:
		return NULL;
	}
}

void vtx_pic_write(struct vtx_pic *p, uint16_t port, uint8_t val)
{
	struct vtx_pic_chip *c = port_chip(p, port);

	if (!c)
		return;
	if (port & 1)
		write_data(c, val);
	else if (val & ICW1_INIT)
		write_icw1(c, val);
	else if (val & OCW3_SEL)
		write_ocw3(c, val);
	else
		write_ocw2(c, val);
	update_cascade(p);
}

uint8_t vtx_pic_read(struct vtx_pic *p, uint16_t port)
{
	struct vtx_pic_chip *c = port_chip(p, port);
	int irq;

	if (!c)
		return 0xff;
	if (port & 1)
		return c->imr;
	if (c->poll) {
		/* "Poll command": the read is the acknowledge. */
		c->poll = false;
		irq = chip_output(c, c == &p->chip[0]);
		if (irq < 0)
			return 0;
		chip_accept(c, irq);
		update_cascade(p);
		return 0x80 | irq;
	}
	return c->read_isr ? c->isr : c->irr;
}
