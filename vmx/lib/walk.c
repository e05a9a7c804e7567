// SPDX-License-Identifier: GPL-2.0
/*
 * Guest linear-to-physical translation (see walk.h).
 */
#include "walk.h"

#define CR0_PG		(1ULL << 31)
#define CR4_PSE		(1ULL << 4)
#define CR4_PAE		(1ULL << 5)
#define EFER_LMA	(1ULL << 10)
#define PTE_P		1ULL
#define PTE_PS		(1ULL << 7)
#define ADDR_52		0x000ffffffffff000ULL

static int vtx_read_entry(vtx_read_gpa_t read, void *ctx, u64 gpa,
			  unsigned int size, u64 *entry)
{
	*entry = 0;
	if (read(ctx, gpa, entry, size))
		return -EFAULT;
	return (*entry & PTE_P) ? 0 : -EFAULT;
}

int vtx_guest_translate(const struct vtx_paging *p, u64 la,
			vtx_read_gpa_t read, void *ctx, u64 *gpa)
{
	u64 e, table;
	int level;

	if (!(p->cr0 & CR0_PG)) {
		*gpa = (p->efer & EFER_LMA) ? la : (u32)la;
		return 0;
	}
	if (!(p->cr4 & CR4_PAE)) {
		/* SDM 4.3: 32-bit paging, 4-byte entries, 4 MiB with PSE. */
		la = (u32)la;
		if (vtx_read_entry(read, ctx, (p->cr3 & 0xfffff000) +
				   ((la >> 22) & 0x3ff) * 4, 4, &e))
			return -EFAULT;
		if ((e & PTE_PS) && (p->cr4 & CR4_PSE)) {
			/* PSE-36: bits 20:13 are physical-address bits 39:32. */
			*gpa = (e & 0xffc00000) | ((e & 0x1fe000) << 19) |
			       (la & 0x3fffff);
			return 0;
		}
		if (vtx_read_entry(read, ctx, (e & 0xfffff000) +
				   ((la >> 12) & 0x3ff) * 4, 4, &e))
			return -EFAULT;
		*gpa = (e & 0xfffff000) | (la & 0xfff);
		return 0;
	}
	if (!(p->efer & EFER_LMA)) {
		/* SDM 4.4: PAE paging, the PDPTE picked by bits 31:30. */
		la = (u32)la;
		if (vtx_read_entry(read, ctx, (p->cr3 & 0xffffffe0) +
				   ((la >> 30) & 3) * 8, 8, &e))
			return -EFAULT;
		level = 2;
	} else {
		/* SDM 4.5: 4-level paging from the PML4. */
		if (vtx_read_entry(read, ctx, (p->cr3 & ADDR_52) +
				   ((la >> 39) & 511) * 8, 8, &e))
			return -EFAULT;
		level = 3;
	}
	for (; level >= 1; level--) {
		unsigned int shift = 12 + 9 * (level - 1);

		table = e & ADDR_52;
		if (vtx_read_entry(read, ctx, table + ((la >> shift) & 511) * 8,
				   8, &e))
			return -EFAULT;
		if (level > 1 && (e & PTE_PS)) {
			u64 mask = (1ULL << (shift)) - 1;

			*gpa = (e & ADDR_52 & ~mask) | (la & mask);
			return 0;
		}
	}
	*gpa = (e & ADDR_52) | (la & 0xfff);
	return 0;
}
