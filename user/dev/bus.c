// SPDX-License-Identifier: GPL-2.0
/*
 * Port-I/O and MMIO dispatch.  Devices are few, so a flat table searched
 * in order is all it takes.  One lock serializes every device access: the
 * vCPU threads and the UART's input thread share the devices' state.
 */
#include <pthread.h>
#include <stdio.h>
#include "bus.h"

#define VTX_MAX_DEVICES		16
#define VTX_MAX_REPORTED	64

static struct vtx_device *vtx_devices[VTX_MAX_DEVICES];
static unsigned int vtx_nr_devices;
static pthread_mutex_t vtx_bus_lock = PTHREAD_MUTEX_INITIALIZER;

/* Addresses already reported as unhandled: each is reported once. */
static struct {
	enum vtx_bus bus;
	uint64_t addr;
} vtx_reported[VTX_MAX_REPORTED];
static unsigned int vtx_nr_reported;

static bool vtx_overlaps(const struct vtx_device *a, const struct vtx_device *b)
{
	return a->bus == b->bus && a->base < b->base + b->len &&
	       b->base < a->base + a->len;
}

int vtx_bus_register(struct vtx_device *d)
{
	unsigned int i;

	if (vtx_nr_devices == VTX_MAX_DEVICES || !d->len)
		return -1;
	for (i = 0; i < vtx_nr_devices; i++)
		if (vtx_overlaps(d, vtx_devices[i]))
			return -1;
	vtx_devices[vtx_nr_devices++] = d;
	return 0;
}

static struct vtx_device *vtx_bus_find(enum vtx_bus bus, uint64_t addr,
				       unsigned int size)
{
	unsigned int i;

	for (i = 0; i < vtx_nr_devices; i++) {
		struct vtx_device *d = vtx_devices[i];

		if (d->bus == bus && addr >= d->base &&
		    addr - d->base + size <= d->len)
			return d;
	}
	return NULL;
}

/* Called with the lock held. */
static void vtx_unhandled(struct vtx_machine *m, enum vtx_bus bus,
			  uint64_t addr, unsigned int size, bool write,
			  uint64_t val)
{
	const char *what = bus == VTX_BUS_PIO ? "port" : "MMIO address";
	unsigned int i;

	if (m->strict_io) {
		fprintf(stderr, "vtx-run: the guest %s %u byte(s) %s %s 0x%llx, "
			"where no device is (--strict-io: stopping)\n",
			write ? "wrote" : "read", size, write ? "to" : "from",
			what, (unsigned long long)addr);
		m->stop = true;
		m->exit_status = 126;
		m->stop_why = "an access where no device is (--strict-io)";
		return;
	}
	for (i = 0; i < vtx_nr_reported; i++)
		if (vtx_reported[i].bus == bus && vtx_reported[i].addr == addr)
			return;
	if (vtx_nr_reported < VTX_MAX_REPORTED) {
		vtx_reported[vtx_nr_reported].bus = bus;
		vtx_reported[vtx_nr_reported++].addr = addr;
	}
	fprintf(stderr, "vtx-run: no device at %s 0x%llx (%s of %u byte(s)%s): "
		"ignored%s\n", what, (unsigned long long)addr,
		write ? "write" : "read", size,
		write ? "" : ", reads as all ones",
		vtx_nr_reported == VTX_MAX_REPORTED ?
		"; further unhandled addresses are not reported" :
		" (reported once; --strict-io makes it fatal)");
	if (write)
		(void)val;
}

int vtx_bus_read(struct vtx_machine *m, enum vtx_bus bus, uint64_t addr,
		 unsigned int size, uint64_t *val)
{
	struct vtx_device *d;
	int r = 0;

	pthread_mutex_lock(&vtx_bus_lock);
	d = vtx_bus_find(bus, addr, size);
	if (d && d->read) {
		*val = d->read(d, addr - d->base, size);
	} else if (d) {
		*val = ~0ULL;	/* a write-only device */
	} else {
		*val = ~0ULL;
		vtx_unhandled(m, bus, addr, size, false, 0);
		r = -1;
	}
	pthread_mutex_unlock(&vtx_bus_lock);
	return r;
}

int vtx_bus_write(struct vtx_machine *m, enum vtx_bus bus, uint64_t addr,
		  unsigned int size, uint64_t val)
{
	struct vtx_device *d;
	int r = 0;

	pthread_mutex_lock(&vtx_bus_lock);
	d = vtx_bus_find(bus, addr, size);
	if (d && d->write) {
		d->write(d, addr - d->base, size, val);
	} else if (!d) {
		vtx_unhandled(m, bus, addr, size, true, val);
		r = -1;
	}
	pthread_mutex_unlock(&vtx_bus_lock);
	return r;
}

/* Lock the bus from outside a device callback (the UART's input thread). */
void vtx_bus_lock_acquire(void)
{
	pthread_mutex_lock(&vtx_bus_lock);
}

void vtx_bus_lock_release(void)
{
	pthread_mutex_unlock(&vtx_bus_lock);
}

int vtx_devices_init(struct vtx_machine *m)
{
	if (vtx_uart_init(m, VTX_UART_PORT) ||
	    vtx_debug_exit_init(m, VTX_DEBUG_EXIT_PORT) ||
	    vtx_debugcon_init(m, VTX_DEBUGCON_PORT) ||
	    vtx_testdev_init(m, VTX_TESTDEV_GPA) ||
	    vtx_pic_init(m) || vtx_pit_init(m))
		return -1;
	return 0;
}
