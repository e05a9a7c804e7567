// SPDX-License-Identifier: GPL-2.0
/*
 * A Multiboot 1 kernel (head in lib/crt0-multiboot.S): checks the magic
 * and prints what the loader passed.  mmap ranges are [start-end), in hex:
 * 64-bit decimal in 32-bit code would need libgcc.
 */
#include "multiboot.h"

#define ADDR(pa) ((const void *)(unsigned long)(pa))

void multiboot_main(u32 magic, const struct multiboot_info *mbi)
{
	if (magic != MB_BOOTLOADER_MAGIC) {
		printf("multiboot: bad magic 0x%08x\n", magic);
		exit(1);
	}
	printf("multiboot: magic ok\n");

	if (mbi->flags & MB_INFO_MEMORY)
		printf("multiboot: mem_lower %u KiB, mem_upper %u KiB\n",
		       mbi->mem_lower, mbi->mem_upper);
	else
		printf("multiboot: no mem_lower/mem_upper\n");

	if (mbi->flags & MB_INFO_CMDLINE)
		printf("multiboot: cmdline '%s'\n",
		       (const char *)ADDR(mbi->cmdline));

	if (mbi->flags & MB_INFO_MMAP) {
		u32 off = 0;

		while (off + sizeof(struct multiboot_mmap_entry) <=
		       mbi->mmap_length) {
			const struct multiboot_mmap_entry *e =
				ADDR(mbi->mmap_addr + off);

			if (e->size < sizeof(*e) - sizeof(e->size)) {
				printf("multiboot: mmap entry of %u bytes\n",
				       e->size);
				break;
			}
			printf("multiboot: mmap 0x%llx-0x%llx type %u\n",
			       e->addr, e->addr + e->len, e->type);
			off += e->size + sizeof(e->size);
		}
	}
}
