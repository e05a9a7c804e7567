/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PC's 8254 programmable interval timer, as a pure state machine:
 * every call that needs the time is given it (@now, nanoseconds on any
 * monotonic clock), so the unit tests run it on a clock of their own and
 * vtx-run on CLOCK_MONOTONIC (user/dev/pit.c, ports 0x40-0x43).
 *
 * Modelled (Intel 8254 data sheet, 231164): the three counters at
 * 1.193182 MHz, modes 0-5, binary and BCD counting, LSB/MSB/LSB-then-MSB
 * access, the counter latch command, the read-back command (count and
 * status), the OUT pin.  Simplified: the gates are tied high (channel 2's
 * gate, port 0x61 on a PC, is not modelled), so modes 1 and 5 are
 * triggered when their count is written; a count written in mode 2 or 3
 * takes effect at once instead of at the end of the current period; a
 * count takes effect at the write, not at the next CLK.
 */
#ifndef _VTX_USER_PIT_H
#define _VTX_USER_PIT_H

#include <stdbool.h>
#include <stdint.h>

#define VTX_PIT_HZ		1193182ULL	/* the PC's 14.31818 MHz / 12 */
#define VTX_PIT_NEVER		UINT64_MAX
#define VTX_PIT_PORT		0x40		/* counters 0-2, control 0x43 */

struct vtx_pit_channel {
	uint32_t count;		/* the count loaded, 1..0x10000 (binary) */
	uint64_t load_tick;	/* when it was loaded, in PIT clocks */
	uint16_t latch;		/* the count latched by a latch command */
	uint8_t status;		/* the status latched by read-back */
	uint8_t mode;		/* 0-5 */
	uint8_t rw;		/* 1 LSB, 2 MSB, 3 LSB then MSB */
	uint8_t latch_left;	/* bytes of the latched count still unread */
	uint8_t write_lsb;	/* rw 3: the LSB written, waiting for MSB */
	bool bcd;
	bool armed;		/* a count was written: the counter runs */
	bool status_latched;
	bool write_msb_next;	/* rw 3: the next write is the MSB */
	bool read_msb_next;	/* rw 3: the next read is the MSB */
	bool null_count;	/* a control word, no count yet */
};

struct vtx_pit {
	struct vtx_pit_channel ch[3];
};

void vtx_pit_reset(struct vtx_pit *p);

/* An I/O access to @port 0x40-0x43 (others are ignored, read 0xff). */
void vtx_pit_write(struct vtx_pit *p, uint16_t port, uint8_t val,
		   uint64_t now);
uint8_t vtx_pit_read(struct vtx_pit *p, uint16_t port, uint64_t now);

/* Counter @ch's OUT pin at @now. */
bool vtx_pit_out(const struct vtx_pit *p, unsigned int ch, uint64_t now);

/*
 * The first time after @after (strictly) at which counter @ch's OUT goes
 * from low to high, the edge that raises IRQ0 for counter 0; or
 * VTX_PIT_NEVER when no count is running or its one edge is past.
 */
uint64_t vtx_pit_next_edge(const struct vtx_pit *p, unsigned int ch,
			   uint64_t after);

/* Nanoseconds <-> PIT clocks: the first ns at which @tick has begun. */
uint64_t vtx_pit_ticks(uint64_t ns);
uint64_t vtx_pit_ns(uint64_t tick);

#endif /* _VTX_USER_PIT_H */
