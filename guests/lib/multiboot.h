/* SPDX-License-Identifier: GPL-2.0 */
/* Multiboot 1 (Multiboot Specification 0.6.96), what the guests use of it. */
#ifndef GUESTS_MULTIBOOT_H
#define GUESTS_MULTIBOOT_H

#define MB_HEADER_MAGIC		0x1BADB002	/* in the kernel's header */
#define MB_BOOTLOADER_MAGIC	0x2BADB002	/* in EAX at entry */

/* Header flags (spec 3.1.2) */
#define MB_HDR_MEMINFO		(1 << 1)	/* want mem_* in the info */
#define MB_HDR_ADDRESS		(1 << 16)	/* the a.out-kludge fields are valid */

/* Info flags (spec 3.3) */
#define MB_INFO_MEMORY		(1 << 0)
#define MB_INFO_CMDLINE		(1 << 2)
#define MB_INFO_MMAP		(1 << 6)

#ifndef __ASSEMBLER__
#include "rt.h"

struct multiboot_info {
	u32 flags;
	u32 mem_lower;		/* KiB from 0 */
	u32 mem_upper;		/* KiB from 1 MiB */
	u32 boot_device;
	u32 cmdline;		/* physical address of a NUL-terminated string */
	u32 mods_count;
	u32 mods_addr;
	u32 syms[4];
	u32 mmap_length;	/* bytes */
	u32 mmap_addr;
} __attribute__((packed));

/* @size does not count itself: the next entry is at &size + 4 + size. */
struct multiboot_mmap_entry {
	u32 size;
	u64 addr;
	u64 len;
	u32 type;		/* 1: usable RAM */
} __attribute__((packed));

void multiboot_main(u32 magic, const struct multiboot_info *mbi);
#endif

#endif /* GUESTS_MULTIBOOT_H */
