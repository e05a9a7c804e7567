/* SPDX-License-Identifier: GPL-2.0 */
/*
 * module/: the device and the ABI.  Calls into vmx/ and ept/, never the
 * other way round.
 */
#ifndef _VTX_MODULE_H
#define _VTX_MODULE_H

#include <linux/atomic.h>

/* Module-wide counts of what user space holds, for VTX_GET_STATUS. */
struct vtx_counters {
	atomic_long_t vms;
	atomic_long_t vcpus;
	atomic_long_t pinned_pages;
};

extern struct vtx_counters vtx_counters;

int vtx_dev_register(void);
void vtx_dev_unregister(void);

#endif /* _VTX_MODULE_H */
