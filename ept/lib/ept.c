// SPDX-License-Identifier: GPL-2.0
/*
 * EPT entries and pointer: the pure half of ept/ (see ept.h).
 */
#include "ept.h"
#include "../../vmx/lib/arch.h"

u64 vtx_eptp(u64 root_pa, bool accessed_dirty)
{
	return (root_pa & VTX_EPT_ADDR_MASK) | VTX_EPT_MT_WB | VTX_EPTP_WALK_4 |
	       (accessed_dirty ? VTX_EPTP_AD : 0);
}

u64 vtx_ept_table_entry(u64 table_pa)
{
	return (table_pa & VTX_EPT_ADDR_MASK) | VTX_EPT_RWX;
}

static bool vtx_ept_memtype_valid(unsigned int memtype)
{
	/* SDM 29.3.7: 2, 3 and 7 are reserved. */
	return memtype <= 6 && memtype != 2 && memtype != 3;
}

int vtx_ept_leaf_entry(u64 pa, u64 perms, int level, unsigned int memtype,
		       u64 *entry)
{
	if (level < 1 || level > 3)
		return -EINVAL;
	if (pa & (vtx_ept_level_size(level) - 1) & VTX_EPT_ADDR_MASK ||
	    pa & ~VTX_EPT_ADDR_MASK)
		return -EINVAL;
	if (perms & ~VTX_EPT_RWX || !vtx_ept_memtype_valid(memtype))
		return -EINVAL;
	/* Write-only and write-execute are misconfigurations. */
	if ((perms & VTX_EPT_WRITE) && !(perms & VTX_EPT_READ))
		return -EINVAL;
	*entry = pa | perms | ((u64)memtype << VTX_EPT_MEMTYPE_SHIFT) |
		 (level > 1 ? VTX_EPT_LARGE : 0);
	return 0;
}

void vtx_ept_decode(u64 entry, int level, struct vtx_ept_decoded *d)
{
	d->perms = entry & VTX_EPT_RWX;
	d->present = d->perms != 0;
	d->leaf = level == 1 || (level <= 3 && (entry & VTX_EPT_LARGE));
	d->size = vtx_ept_level_size(level);
	d->addr = entry & VTX_EPT_ADDR_MASK;
	if (d->leaf)
		d->addr &= ~(d->size - 1);
	d->memtype = d->leaf ? (entry & VTX_EPT_MEMTYPE_MASK) >>
			       VTX_EPT_MEMTYPE_SHIFT : 0;
}

const char *vtx_ept_misconfig(u64 entry, int level, u64 caps)
{
	u64 perms = entry & VTX_EPT_RWX;
	bool leaf;

	/* Not present: the CPU ignores every other bit. */
	if (!perms)
		return NULL;
	if ((perms & VTX_EPT_WRITE) && !(perms & VTX_EPT_READ))
		return "write access without read access";
	if (perms == VTX_EPT_EXEC && !(caps & VTX_EPT_CAP_EXEC_ONLY))
		return "execute-only without execute-only support";
	if (level == 4 && (entry & (VTX_EPT_LARGE | VTX_EPT_MEMTYPE_MASK |
				    VTX_EPT_IGNORE_PAT)))
		return "reserved bits 7:3 set in a PML4 entry";
	leaf = level == 1 || (entry & VTX_EPT_LARGE);
	if (level == 3 && leaf && !(caps & VTX_EPT_CAP_PAGE_1G))
		return "1-GByte page without 1-GByte page support";
	if (level == 2 && leaf && !(caps & VTX_EPT_CAP_PAGE_2M))
		return "2-MByte page without 2-MByte page support";
	if (!leaf && (entry & (VTX_EPT_MEMTYPE_MASK | VTX_EPT_IGNORE_PAT)))
		return "reserved bits 6:3 set in a non-leaf entry";
	if (leaf && !vtx_ept_memtype_valid((entry & VTX_EPT_MEMTYPE_MASK) >>
					   VTX_EPT_MEMTYPE_SHIFT))
		return "reserved memory type (2, 3 or 7)";
	if (leaf && level > 1 &&
	    (entry & VTX_EPT_ADDR_MASK & (vtx_ept_level_size(level) - 1)))
		return "reserved address bits set in a large-page entry";
	return NULL;
}

void vtx_ept_run_start(struct vtx_ept_run *run, u64 gpa,
		       const struct vtx_ept_decoded *d)
{
	run->gpa = gpa;
	run->size = d->size;
	run->hpa = d->addr;
	run->page_size = d->size;
	run->perms = d->perms;
	run->memtype = d->memtype;
}

bool vtx_ept_run_extend(struct vtx_ept_run *run, u64 gpa,
			const struct vtx_ept_decoded *d)
{
	if (!run->size || gpa != run->gpa + run->size ||
	    d->addr != run->hpa + run->size || d->size != run->page_size ||
	    d->perms != run->perms || d->memtype != run->memtype)
		return false;
	run->size += d->size;
	return true;
}

bool vtx_ept_2m_chunk(u64 slot_gpa, u64 slot_uaddr, u64 npages, u64 index,
		      u64 *first)
{
	u64 size = vtx_ept_level_size(2);
	u64 chunk = (slot_gpa + (index << 12)) & ~(size - 1);

	if (chunk < slot_gpa || ((slot_uaddr - slot_gpa) & (size - 1)))
		return false;
	*first = (chunk - slot_gpa) >> 12;
	return npages - *first >= size >> 12;
}

u64 vtx_ept_split_entry(u64 large, unsigned int i)
{
	/* A 2 MiB leaf's bits 20:12 are reserved, so these are its page's. */
	u64 pa = (large & VTX_EPT_ADDR_MASK) + ((u64)(i & 511) << 12);

	return (large & ~(VTX_EPT_ADDR_MASK | VTX_EPT_LARGE)) | pa;
}
