// SPDX-License-Identifier: GPL-2.0
/*
 * testdev: an MMIO page whose registers let a guest check every access
 * size and instruction form of MMIO (guests/mmio.c):
 *   +0x00 ID       32-bit, read-only: 0x21787476 ("vtx!")
 *   +0x08 SCRATCH  64-bit read/write, any 1/2/4/8-byte part of it
 *   +0x10 COUNTER  32-bit read: how many times it was read before
 *   +0x18 SUM      64-bit: a write adds the value, a read returns the sum
 * Other offsets read 0 and ignore writes.
 */
#include <string.h>
#include "bus.h"

#define TESTDEV_ID	0x21787476u
#define TESTDEV_ID_OFF		0x00
#define TESTDEV_SCRATCH_OFF	0x08
#define TESTDEV_COUNTER_OFF	0x10
#define TESTDEV_SUM_OFF		0x18

struct vtx_testdev {
	uint8_t scratch[8];
	uint32_t counter;
	uint64_t sum;
};

static struct vtx_testdev vtx_testdev;

static bool in_reg(uint64_t off, unsigned int size, uint64_t reg,
		   unsigned int reg_size)
{
	return off >= reg && off + size <= reg + reg_size;
}

static uint64_t testdev_read(struct vtx_device *d, uint64_t off,
			     unsigned int size)
{
	struct vtx_testdev *t = d->priv;
	uint64_t val = 0;

	if (in_reg(off, size, TESTDEV_SCRATCH_OFF, 8)) {
		memcpy(&val, t->scratch + off - TESTDEV_SCRATCH_OFF, size);
		return val;
	}
	if (off == TESTDEV_ID_OFF)
		return TESTDEV_ID;
	if (off == TESTDEV_COUNTER_OFF)
		return t->counter++;
	if (off == TESTDEV_SUM_OFF)
		return t->sum;
	return 0;
}

static void testdev_write(struct vtx_device *d, uint64_t off,
			  unsigned int size, uint64_t val)
{
	struct vtx_testdev *t = d->priv;

	if (in_reg(off, size, TESTDEV_SCRATCH_OFF, 8))
		memcpy(t->scratch + off - TESTDEV_SCRATCH_OFF, &val, size);
	else if (off == TESTDEV_SUM_OFF)
		t->sum += size < 8 ? val & ((1ULL << (size * 8)) - 1) : val;
}

int vtx_testdev_init(struct vtx_machine *m, uint64_t gpa)
{
	static struct vtx_device dev = {
		.name = "testdev", .bus = VTX_BUS_MMIO, .len = 0x1000,
		.read = testdev_read, .write = testdev_write,
		.priv = &vtx_testdev,
	};

	(void)m;
	dev.base = gpa;
	return vtx_bus_register(&dev);
}
