// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of user/lib/pit.c, the 8254, on a clock of the test's own
 * (nanoseconds given to every call): the clock conversion, counting and
 * OUT in modes 0, 2, 3 and 4, the edges that raise IRQ0, the access modes,
 * the counter latch and the read-back command, BCD.
 */
#include "unit.h"
#include "user/lib/pit.h"

#define T0	5000000000ULL	/* "now" at the start: 5 s */

/* The time at which @n PIT clocks have passed since T0's clock. */
static uint64_t at(uint64_t n)
{
	return vtx_pit_ns(vtx_pit_ticks(T0) + n);
}

static uint16_t read16(struct vtx_pit *p, unsigned int ch, uint64_t now)
{
	uint8_t lo = vtx_pit_read(p, 0x40 + ch, now);

	return lo | vtx_pit_read(p, 0x40 + ch, now) << 8;
}

static void test_clock(void)
{
	CHECK_EQ(vtx_pit_ticks(1000000000ULL), 1193182, "1 s is 1193182 clocks");
	CHECK_EQ(vtx_pit_ticks(0), 0, "0 ns, 0 clocks");
	CHECK_EQ(vtx_pit_ns(1193182), 1000000000ULL, "1193182 clocks are 1 s");
	CHECK_EQ(vtx_pit_ns(1), 839, "one clock begins at 839 ns (838.1 rounded up)");
	CHECK_EQ(vtx_pit_ticks(vtx_pit_ns(12345)), 12345, "ns(t) lies in clock t");
	CHECK_EQ(vtx_pit_ticks(vtx_pit_ns(12345) - 1), 12344, "and ns(t) - 1 before it");
	CHECK_EQ(vtx_pit_ticks(~0ULL), 22010322987356910ULL, "no overflow at 2^64 ns");
}

static void test_mode2(void)
{
	struct vtx_pit p;
	uint64_t e;

	vtx_pit_reset(&p);
	CHECK_EQ(vtx_pit_next_edge(&p, 0, T0), VTX_PIT_NEVER, "reset: no edge");
	vtx_pit_write(&p, 0x43, 0x34, T0);	/* ch0, LSB/MSB, mode 2 */
	CHECK(vtx_pit_out(&p, 0, T0), "mode 2: OUT high after the control word");
	CHECK_EQ(vtx_pit_next_edge(&p, 0, T0), VTX_PIT_NEVER, "no count yet: no edge");
	vtx_pit_write(&p, 0x40, 1193 & 0xff, T0);
	CHECK_EQ(vtx_pit_next_edge(&p, 0, T0), VTX_PIT_NEVER, "LSB only: still none");
	vtx_pit_write(&p, 0x40, 1193 >> 8, T0);
	e = vtx_pit_next_edge(&p, 0, T0);
	CHECK_EQ(e, at(1193), "mode 2, count 1193: first edge after 1193 clocks");
	CHECK_EQ(vtx_pit_next_edge(&p, 0, e - 1), e, "the same edge just before it");
	CHECK_EQ(vtx_pit_next_edge(&p, 0, e), at(2 * 1193), "after it, the next period");
	CHECK_EQ(vtx_pit_next_edge(&p, 0, at(100 * 1193 + 5)), at(101 * 1193),
		 "period 100 ends, 101 next");
	CHECK(vtx_pit_out(&p, 0, at(1191)), "OUT high before the count reaches 1");
	CHECK(!vtx_pit_out(&p, 0, at(1192)), "OUT low for the clock at count 1");
	CHECK(vtx_pit_out(&p, 0, at(1193)), "OUT high again at the reload");
	CHECK_EQ(read16(&p, 0, T0), 1193, "count reads 1193 at the load");
	CHECK_EQ(read16(&p, 0, at(93)), 1100, "1100 after 93 clocks");
	CHECK_EQ(read16(&p, 0, at(1193 + 1)), 1192, "reloaded: 1192 one clock in");
	/* The latch holds the value however late the reads come. */
	vtx_pit_write(&p, 0x43, 0x00, at(200));
	vtx_pit_write(&p, 0x43, 0x00, at(300));	/* ignored: already latched */
	CHECK_EQ(read16(&p, 0, at(900)), 993, "counter latch: the count at the latch");
	CHECK_EQ(read16(&p, 0, at(900)), 293, "after the latch is read: live again");
	/* A count of 0 is 65536. */
	vtx_pit_write(&p, 0x40, 0, T0);
	vtx_pit_write(&p, 0x40, 0, T0);
	CHECK_EQ(vtx_pit_next_edge(&p, 0, T0), at(65536), "count 0: period 65536");
}

static void test_mode3(void)
{
	struct vtx_pit p;

	vtx_pit_reset(&p);
	vtx_pit_write(&p, 0x43, 0x36, T0);	/* ch0, LSB/MSB, mode 3 */
	vtx_pit_write(&p, 0x40, 100, T0);
	vtx_pit_write(&p, 0x40, 0, T0);
	CHECK(vtx_pit_out(&p, 0, at(49)), "mode 3: high in the first half");
	CHECK(!vtx_pit_out(&p, 0, at(50)), "low in the second half");
	CHECK(vtx_pit_out(&p, 0, at(100)), "high again at the period");
	CHECK_EQ(vtx_pit_next_edge(&p, 0, at(10)), at(100), "rising edge at 100");
	CHECK_EQ(vtx_pit_next_edge(&p, 0, at(100)), at(200), "then at 200");
	CHECK_EQ(read16(&p, 0, at(10)), 80, "counts down by two");
	/* Mode 7 is mode 3 (data sheet: X11). */
	vtx_pit_write(&p, 0x43, 0x3e, T0);
	vtx_pit_write(&p, 0x43, 0xe2, T0);	/* read-back status, ch0 */
	CHECK_EQ(vtx_pit_read(&p, 0x40, T0), 0xf6,
		 "read-back status: OUT high, null count, LSB/MSB, mode 3");
}

static void test_mode0_and_4(void)
{
	struct vtx_pit p;

	vtx_pit_reset(&p);
	vtx_pit_write(&p, 0x43, 0x30, T0);	/* ch0, LSB/MSB, mode 0 */
	CHECK(!vtx_pit_out(&p, 0, T0), "mode 0: OUT low after the control word");
	vtx_pit_write(&p, 0x40, 0x10, T0);
	vtx_pit_write(&p, 0x40, 0x27, T0);	/* 10000 */
	CHECK(!vtx_pit_out(&p, 0, at(9999)), "OUT low while counting");
	CHECK(vtx_pit_out(&p, 0, at(10000)), "high at terminal count");
	CHECK(vtx_pit_out(&p, 0, at(70000)), "and stays high");
	CHECK_EQ(vtx_pit_next_edge(&p, 0, T0), at(10000), "one edge, at 10000");
	CHECK_EQ(vtx_pit_next_edge(&p, 0, at(10000)), VTX_PIT_NEVER, "and no other");
	CHECK_EQ(read16(&p, 0, at(10001)), 0xffff, "the counter wraps on");
	vtx_pit_write(&p, 0x43, 0xc2, at(5));	/* read-back: count and status */
	CHECK_EQ(vtx_pit_read(&p, 0x40, at(7)), 0x30,
		 "status first: OUT low, counting, LSB/MSB, mode 0");
	CHECK_EQ(read16(&p, 0, at(9)), 9995, "then the count latched");
	/* Writing the LSB stops a mode 0 count; the MSB restarts it. */
	vtx_pit_write(&p, 0x40, 100, at(20));
	CHECK_EQ(vtx_pit_next_edge(&p, 0, at(20)), VTX_PIT_NEVER, "LSB written: stopped");
	vtx_pit_write(&p, 0x40, 0, at(30));
	CHECK_EQ(vtx_pit_next_edge(&p, 0, at(30)), at(130), "MSB: 100 from the write");

	/* Mode 4: a one-clock strobe at terminal count, LSB access. */
	vtx_pit_write(&p, 0x43, 0x18, T0);	/* ch0, LSB only, mode 4 */
	vtx_pit_write(&p, 0x40, 50, T0);
	CHECK(vtx_pit_out(&p, 0, at(49)), "mode 4: OUT high");
	CHECK(!vtx_pit_out(&p, 0, at(50)), "low for the terminal count's clock");
	CHECK_EQ(vtx_pit_next_edge(&p, 0, T0), at(51), "the rising edge after it");
	CHECK_EQ(vtx_pit_read(&p, 0x40, at(8)), 42, "LSB access: one byte reads");
	CHECK_EQ(vtx_pit_read(&p, 0x40, at(9)), 41, "... each time");
}

static void test_access_bcd_others(void)
{
	struct vtx_pit p;

	vtx_pit_reset(&p);
	/* Channel 2, MSB only, mode 2. */
	vtx_pit_write(&p, 0x43, 0xa4, T0);
	vtx_pit_write(&p, 0x42, 0x02, T0);	/* 0x200 */
	CHECK_EQ(vtx_pit_next_edge(&p, 2, T0), at(0x200), "MSB access: count 0x200");
	CHECK_EQ(vtx_pit_read(&p, 0x42, at(0x100)), 0x01, "MSB read: 0x100 -> 0x01");
	CHECK_EQ(vtx_pit_next_edge(&p, 0, T0), VTX_PIT_NEVER, "channel 0 untouched");
	/* BCD: count 0x0100 is one hundred. */
	vtx_pit_write(&p, 0x43, 0x75, T0);	/* ch1, LSB/MSB, mode 2, BCD */
	vtx_pit_write(&p, 0x41, 0x00, T0);
	vtx_pit_write(&p, 0x41, 0x01, T0);
	CHECK_EQ(vtx_pit_next_edge(&p, 1, T0), at(100), "BCD 0100: period 100");
	CHECK_EQ(read16(&p, 1, at(11)), 0x89, "reads in BCD: 89");
	vtx_pit_write(&p, 0x41, 0x00, T0);
	vtx_pit_write(&p, 0x41, 0x00, T0);
	CHECK_EQ(vtx_pit_next_edge(&p, 1, T0), at(10000), "BCD 0: 10000");
	/* Hostile: the control port reads 0xff, other ports are ignored. */
	CHECK_EQ(vtx_pit_read(&p, 0x43, T0), 0xff, "the control word is write-only");
	vtx_pit_write(&p, 0x44, 0x34, T0);
	CHECK_EQ(vtx_pit_read(&p, 0x3f, T0), 0xff, "other ports: ignored");
	/* Time before the load (a clock read out of order) counts as 0. */
	CHECK_EQ(read16(&p, 1, T0 - 1000000), 0x0000, "before the load: the count");
	/* Count 1 in mode 2 is illegal: treated as 2, not as every clock. */
	vtx_pit_write(&p, 0x43, 0x34, T0);
	vtx_pit_write(&p, 0x40, 1, T0);
	vtx_pit_write(&p, 0x40, 0, T0);
	CHECK_EQ(vtx_pit_next_edge(&p, 0, T0), at(2), "mode 2, count 1: period 2");
}

int main(void)
{
	test_clock();
	test_mode2();
	test_mode3();
	test_mode0_and_4();
	test_access_bcd_others();
	return unit_done();
}
