// SPDX-License-Identifier: GPL-2.0
/*
 * The 8254: see pit.h.  The counter is never stepped: its value and its
 * OUT pin are computed from the clocks elapsed since the count was
 * loaded, so the timer costs nothing until the guest looks at it.  Mode
 * names and OUT waveforms are those of the data sheet's "Mode
 * definitions" (Intel 8254, 231164).
 */
#include <string.h>

#include "pit.h"

#define NSEC_PER_SEC	1000000000ULL

#define CW_BCD		0x01
#define CW_SC(v)	((v) >> 6)		/* counter select; 3: read-back */
#define CW_RW(v)	(((v) >> 4) & 3)	/* 0: counter latch command */
#define CW_MODE(v)	(((v) >> 1) & 7)
#define RB_NOT_COUNT	0x20			/* read-back: don't latch count */
#define RB_NOT_STATUS	0x10			/* ... don't latch status */

uint64_t vtx_pit_ticks(uint64_t ns)
{
	return (uint64_t)((unsigned __int128)ns * VTX_PIT_HZ / NSEC_PER_SEC);
}

uint64_t vtx_pit_ns(uint64_t tick)
{
	unsigned __int128 x = (unsigned __int128)tick * NSEC_PER_SEC;

	return (uint64_t)((x + VTX_PIT_HZ - 1) / VTX_PIT_HZ);
}

void vtx_pit_reset(struct vtx_pit *p)
{
	unsigned int i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < 3; i++)
		p->ch[i].rw = 3;
}

/* Clocks since the count was loaded (0 before it). */
static uint64_t elapsed(const struct vtx_pit_channel *c, uint64_t now)
{
	uint64_t t = vtx_pit_ticks(now);

	return t > c->load_tick ? t - c->load_tick : 0;
}

/* Modes 2 and 3 divide the clock by their count; 1 is illegal there. */
static uint64_t period(const struct vtx_pit_channel *c)
{
	return c->count < 2 ? 2 : c->count;
}

/* The counting element, as a latch or a read sees it (binary). */
static uint32_t counter(const struct vtx_pit_channel *c, uint64_t now)
{
	uint64_t d = elapsed(c, now);

	if (!c->armed)
		return c->count;
	switch (c->mode) {
	case 2:
		return period(c) - d % period(c);
	case 3:
		/* Counts down by two, each half of the period. */
		return (period(c) - (2 * d) % period(c)) & ~1u;
	default:	/* 0, 1, 4, 5: down through 0 and on */
		return (c->count - d) & 0xffff;
	}
}

static bool out(const struct vtx_pit_channel *c, uint64_t now)
{
	uint64_t d = elapsed(c, now);

	if (!c->armed)		/* after the control word */
		return c->mode != 0;
	switch (c->mode) {
	case 0:		/* interrupt on terminal count */
	case 1:		/* hardware retriggerable one-shot */
		return d >= c->count;
	case 2:		/* rate generator: low for the clock before reload */
		return d % period(c) != period(c) - 1;
	case 3:		/* square wave: high for the first half */
		return d % period(c) < (period(c) + 1) / 2;
	default:	/* 4, 5: strobe, low for one clock at terminal count */
		return d != c->count;
	}
}

bool vtx_pit_out(const struct vtx_pit *p, unsigned int ch, uint64_t now)
{
	return ch < 3 && out(&p->ch[ch], now);
}

uint64_t vtx_pit_next_edge(const struct vtx_pit *p, unsigned int ch,
			   uint64_t after)
{
	const struct vtx_pit_channel *c;
	uint64_t d, e;

	if (ch >= 3 || !p->ch[ch].armed)
		return VTX_PIT_NEVER;
	c = &p->ch[ch];
	d = elapsed(c, after);
	/* @e: the clock (since the load) at which OUT rises next. */
	switch (c->mode) {
	case 0:
	case 1:
		e = c->count;
		break;
	case 2:
	case 3:
		e = (d / period(c) + 1) * period(c);
		break;
	default:
		e = c->count + 1;
		break;
	}
	if (e <= d)
		return VTX_PIT_NEVER;
	return vtx_pit_ns(c->load_tick + e);
}

static uint32_t from_bcd(uint16_t v)
{
	return (v >> 12) * 1000 + ((v >> 8) & 15) * 100 +
	       ((v >> 4) & 15) * 10 + (v & 15);
}

static uint16_t to_bcd(uint32_t v)
{
	v %= 10000;
	return (v / 1000) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 |
	       v % 10;
}

/* The value a read or a latch gives: binary, or BCD in BCD mode. */
static uint16_t visible(const struct vtx_pit_channel *c, uint64_t now)
{
	uint32_t v = counter(c, now);

	return c->bcd ? to_bcd(v) : (uint16_t)v;
}

static void load(struct vtx_pit_channel *c, uint16_t v, uint64_t now)
{
	/* 0 is the largest count: 2^16 in binary, 10^4 in BCD. */
	if (c->bcd)
		c->count = v ? from_bcd(v) : 10000;
	else
		c->count = v ? v : 0x10000;
	if (!c->count)		/* a BCD "0x00" with junk digits: largest */
		c->count = 10000;
	c->load_tick = vtx_pit_ticks(now);
	c->armed = true;
	c->null_count = false;
}

static void latch_count(struct vtx_pit_channel *c, uint64_t now)
{
	/* A second latch before the first is read is ignored. */
	if (c->latch_left)
		return;
	c->latch = visible(c, now);
	c->latch_left = c->rw == 3 ? 2 : 1;
}

static void latch_status(struct vtx_pit_channel *c, uint64_t now)
{
	if (c->status_latched)
		return;
	c->status = out(c, now) << 7 | c->null_count << 6 | c->rw << 4 |
		    c->mode << 1 | c->bcd;
	c->status_latched = true;
}

static void write_control(struct vtx_pit *p, uint8_t val, uint64_t now)
{
	struct vtx_pit_channel *c;
	unsigned int i, mode;

	if (CW_SC(val) == 3) {
		/* Read-back: bits 3:1 select counters 2:0. */
		for (i = 0; i < 3; i++) {
			if (!(val & (2u << i)))
				continue;
			if (!(val & RB_NOT_COUNT))
				latch_count(&p->ch[i], now);
			if (!(val & RB_NOT_STATUS))
				latch_status(&p->ch[i], now);
		}
		return;
	}
	c = &p->ch[CW_SC(val)];
	if (!CW_RW(val)) {
		latch_count(c, now);
		return;
	}
	mode = CW_MODE(val);
	c->mode = mode > 5 ? mode - 4 : mode;	/* 6, 7: modes 2, 3 */
	c->rw = CW_RW(val);
	c->bcd = val & CW_BCD;
	c->armed = false;
	c->null_count = true;
	c->write_msb_next = false;
	c->read_msb_next = false;
	c->latch_left = 0;
	c->status_latched = false;
}

static void write_count(struct vtx_pit_channel *c, uint8_t val, uint64_t now)
{
	switch (c->rw) {
	case 1:
		load(c, val, now);
		break;
	case 2:
		load(c, val << 8, now);
		break;
	default:
		if (!c->write_msb_next) {
			c->write_lsb = val;
			c->write_msb_next = true;
			/* Mode 0: writing the first byte stops the count. */
			if (c->mode == 0)
				c->armed = false;
		} else {
			c->write_msb_next = false;
			load(c, c->write_lsb | val << 8, now);
		}
		break;
	}
}

void vtx_pit_write(struct vtx_pit *p, uint16_t port, uint8_t val,
		   uint64_t now)
{
	if (port == VTX_PIT_PORT + 3)
		write_control(p, val, now);
	else if (port >= VTX_PIT_PORT && port < VTX_PIT_PORT + 3)
		write_count(&p->ch[port - VTX_PIT_PORT], val, now);
}

uint8_t vtx_pit_read(struct vtx_pit *p, uint16_t port, uint64_t now)
{
	struct vtx_pit_channel *c;
	uint16_t v;
	bool msb;

	if (port < VTX_PIT_PORT || port >= VTX_PIT_PORT + 3)
		return 0xff;	/* the control word cannot be read */
	c = &p->ch[port - VTX_PIT_PORT];
	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->latch_left) {
		v = c->latch;
		msb = c->rw == 2 || (c->rw == 3 && c->latch_left == 1);
		c->latch_left--;
	} else {
		v = visible(c, now);
		msb = c->rw == 2 || (c->rw == 3 && c->read_msb_next);
		if (c->rw == 3)
			c->read_msb_next = !c->read_msb_next;
	}
	return msb ? v >> 8 : v & 0xff;
}
