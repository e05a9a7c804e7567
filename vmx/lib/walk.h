/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's own address translation, linear to guest-physical, for the
 * few times vtx must read guest memory by linear address (fetching the
 * instruction behind an MMIO exit).  SDM Vol. 3A chapter 4: no paging,
 * 32-bit paging, PAE paging and 4-level paging.  Access rights are not
 * checked: the CPU already fetched these bytes once.
 * Pure logic: built into the module and the unit tests.
 */
#ifndef _VTX_WALK_H
#define _VTX_WALK_H

#include <vtx/types.h>

/* Reads @len bytes of guest-physical memory; 0 or -EFAULT. */
typedef int (*vtx_read_gpa_t)(void *ctx, u64 gpa, void *buf, unsigned int len);

struct vtx_paging {
	u64 cr0, cr3, cr4, efer;
};

/* Return: 0 with *@gpa set, or -EFAULT (not present, or unreadable). */
int vtx_guest_translate(const struct vtx_paging *p, u64 linear,
			vtx_read_gpa_t read, void *ctx, u64 *gpa);

#endif /* _VTX_WALK_H */
