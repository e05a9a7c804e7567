/* SPDX-License-Identifier: GPL-2.0 */
/*
 * EPT, as the SDM defines it: the EPT pointer (SDM 25.6.11) and the
 * entries of the 4-level tables (SDM 29.3.2), encoded, decoded and
 * checked against the rules whose breach is an EPT misconfiguration
 * (SDM 29.3.3.1).  Pure logic: built into the module and the unit tests.
 */
#ifndef _VTX_EPT_H
#define _VTX_EPT_H

#include <vtx/types.h>

/* Bits of every EPT paging-structure entry. */
#define VTX_EPT_READ		BIT_ULL(0)
#define VTX_EPT_WRITE		BIT_ULL(1)
#define VTX_EPT_EXEC		BIT_ULL(2)
#define VTX_EPT_RWX		(VTX_EPT_READ | VTX_EPT_WRITE | VTX_EPT_EXEC)
/* Leaf entries only: memory type, ignore-PAT, and "maps a page" above PT. */
#define VTX_EPT_MEMTYPE_SHIFT	3
#define VTX_EPT_MEMTYPE_MASK	(7ULL << VTX_EPT_MEMTYPE_SHIFT)
#define VTX_EPT_IGNORE_PAT	BIT_ULL(6)
#define VTX_EPT_LARGE		BIT_ULL(7)
/* Set by the CPU when the EPTP enables accessed and dirty flags. */
#define VTX_EPT_ACCESSED	BIT_ULL(8)
#define VTX_EPT_DIRTY		BIT_ULL(9)
/*
 * Bits 51:12: the next table or the page (vtx assumes 52-bit MAXPHYADDR
 * at most; callers pass real addresses, never guest-chosen bits).
 */
#define VTX_EPT_ADDR_MASK	0x000ffffffffff000ULL

/* EPTP bits (SDM 25.6.11). */
#define VTX_EPTP_WALK_4		(3ULL << 3)	/* page-walk length - 1 */
#define VTX_EPTP_AD		BIT_ULL(6)

/* EPT memory types (SDM 29.3.7): 0 UC, 1 WC, 4 WT, 5 WP, 6 WB. */
#define VTX_EPT_MT_UC		0
#define VTX_EPT_MT_WB		6

/* Levels as the SDM counts them: 4 is the PML4, 1 the page table. */
#define VTX_EPT_LEVELS		4

/* Bytes one entry covers at @level: 4 KiB, 2 MiB, 1 GiB, 512 GiB. */
static inline u64 vtx_ept_level_size(int level)
{
	return 1ULL << (12 + 9 * (level - 1));
}

/* The index of @gpa's entry in the table of @level (SDM 29.3.2). */
static inline unsigned int vtx_ept_index(u64 gpa, int level)
{
	return (gpa >> (12 + 9 * (level - 1))) & 511;
}

/* The EPTP for a 4-level tree at @root_pa in write-back memory. */
u64 vtx_eptp(u64 root_pa, bool accessed_dirty);

/*
 * A non-leaf entry pointing at the table at @table_pa, all access allowed
 * (permissions are decided at the leaves).
 */
u64 vtx_ept_table_entry(u64 table_pa);

/**
 * vtx_ept_leaf_entry() - an entry mapping a page
 * @pa:		host-physical address, aligned to the size of @level
 * @perms:	VTX_EPT_READ/WRITE/EXEC bits; write requires read
 * @level:	1 (4 KiB), 2 (2 MiB) or 3 (1 GiB)
 * @memtype:	VTX_EPT_MT_*
 * @entry:	out: the entry
 *
 * Return: 0, or -EINVAL for a misaligned @pa, a bad level, write without
 * read, or a reserved memory type: never an entry that would misconfigure.
 */
int vtx_ept_leaf_entry(u64 pa, u64 perms, int level, unsigned int memtype,
		       u64 *entry);

/* What an entry says, for walks and dumps. */
struct vtx_ept_decoded {
	bool present;		/* any of R/W/X */
	bool leaf;		/* maps a page (level 1, or LARGE above) */
	u64 addr;		/* next table, or the page */
	u64 perms;		/* R/W/X bits */
	unsigned int memtype;	/* leaves only */
	u64 size;		/* bytes the entry covers */
};

void vtx_ept_decode(u64 entry, int level, struct vtx_ept_decoded *d);

/**
 * vtx_ept_misconfig() - would this entry cause an EPT misconfiguration?
 * @entry, @level: the entry and where it sits
 * @caps:	IA32_VMX_EPT_VPID_CAP (execute-only, 2M and 1G page support)
 *
 * Return: NULL when the entry is fine, else the SDM 29.3.3.1 rule broken.
 */
const char *vtx_ept_misconfig(u64 entry, int level, u64 caps);

/**
 * vtx_ept_2m_chunk() - may one 2 MiB EPT page map the RAM around a page?
 * @slot_gpa:	the slot's first guest-physical address (4 KiB aligned)
 * @slot_uaddr:	the user address behind it (4 KiB aligned)
 * @npages:	the slot's 4 KiB pages
 * @index:	the page the guest touched, below @npages
 * @first:	out: the index of the 2 MiB chunk's first page
 *
 * Return: true when the 2 MiB-aligned guest-physical range around page
 * @index lies wholly inside the slot, and its user addresses are 2 MiB
 * aligned in step with it, so that one huge page of the process may back
 * all of it (SDM 29.3.2: a 2 MiB leaf maps a 2 MiB-aligned range).
 */
bool vtx_ept_2m_chunk(u64 slot_gpa, u64 slot_uaddr, u64 npages, u64 index,
		      u64 *first);

/**
 * vtx_ept_split_entry() - one 4 KiB piece of a 2 MiB leaf
 * @large:	a valid 2 MiB leaf entry (level 2, VTX_EPT_LARGE set)
 * @i:		which 4 KiB page of it, 0 to 511
 *
 * Return: the level-1 entry mapping page @i with the same permissions,
 * memory type and ignore-PAT bit: 512 of them in a page table map what
 * @large mapped (SDM 29.3.2), so that each page can be write-protected
 * on its own for dirty logging.
 */
u64 vtx_ept_split_entry(u64 large, unsigned int i);

/*
 * Runs of leaves, for the mappings dump: consecutive guest pages mapped
 * onto consecutive host pages with the same page size, permissions and
 * memory type read as one mapping.
 */
struct vtx_ept_run {
	u64 gpa, size;		/* size 0: no run yet */
	u64 hpa;
	u64 page_size;
	u64 perms;
	unsigned int memtype;
};

/* Begin @run with the leaf @d that maps @gpa. */
void vtx_ept_run_start(struct vtx_ept_run *run, u64 gpa,
		       const struct vtx_ept_decoded *d);

/* Extend @run by the leaf @d at @gpa; false (unchanged) if it does not continue it. */
bool vtx_ept_run_extend(struct vtx_ept_run *run, u64 gpa,
			const struct vtx_ept_decoded *d);

#endif /* _VTX_EPT_H */
