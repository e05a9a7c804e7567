// SPDX-License-Identifier: GPL-2.0
/*
 * The EPT tables of one VM: a 4-level tree of pages, walked with the
 * helpers of lib/ept.c (SDM 29.3.2).  Callers serialize edits (the VM's
 * slot lock); the CPU reads the tree concurrently, so every entry is
 * written whole with WRITE_ONCE, and a removed mapping is flushed with
 * INVEPT before its page may be reused.
 */
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/smp.h>
#include <asm/asm.h>

#include "ept.h"
#include "../vmx/vmx_ops.h"
#include "../vmx/lib/arch.h"

static u64 *vtx_ept_alloc_table(struct vtx_ept *ept)
{
	struct page *page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);

	if (!page)
		return NULL;
	ept->nr_table_pages++;
	return page_address(page);
}

int vtx_ept_init(struct vtx_ept *ept, u64 caps)
{
	ept->nr_table_pages = 0;
	ept->caps = caps;
	ept->root = vtx_ept_alloc_table(ept);
	if (!ept->root)
		return -ENOMEM;
	ept->eptp = vtx_eptp(virt_to_phys(ept->root), false);
	return 0;
}

static void vtx_ept_free_table(struct vtx_ept *ept, u64 *table, int level)
{
	struct vtx_ept_decoded d;
	int i;

	for (i = 0; level > 1 && i < 512; i++) {
		vtx_ept_decode(table[i], level, &d);
		if (d.present && !d.leaf)
			vtx_ept_free_table(ept, phys_to_virt(d.addr), level - 1);
	}
	free_page((unsigned long)table);
	ept->nr_table_pages--;
}

void vtx_ept_destroy(struct vtx_ept *ept)
{
	if (ept->root)
		vtx_ept_free_table(ept, ept->root, VTX_EPT_LEVELS);
	ept->root = NULL;
}

/* The table at @level - 1 under @entry, created if @create. */
static u64 *vtx_ept_next(struct vtx_ept *ept, u64 *entry, int level,
			 bool create)
{
	struct vtx_ept_decoded d;
	u64 *next;

	vtx_ept_decode(READ_ONCE(*entry), level, &d);
	if (d.present)
		return d.leaf ? NULL : phys_to_virt(d.addr);
	if (!create)
		return NULL;
	next = vtx_ept_alloc_table(ept);
	if (next)
		WRITE_ONCE(*entry, vtx_ept_table_entry(virt_to_phys(next)));
	return next;
}

int vtx_ept_map(struct vtx_ept *ept, u64 gpa, u64 hpa, u64 size, u64 perms)
{
	int leaf_level = size == vtx_ept_level_size(2) ? 2 : 1;
	u64 *table = ept->root, entry;
	int level, r;

	if (size != vtx_ept_level_size(leaf_level) || gpa & (size - 1))
		return -EINVAL;
	/* Guest RAM is write-back and ignores the guest's PAT (SDM 29.3.7). */
	r = vtx_ept_leaf_entry(hpa, perms, leaf_level, VTX_EPT_MT_WB, &entry);
	if (r)
		return r;
	entry |= VTX_EPT_IGNORE_PAT;
	if (vtx_ept_misconfig(entry, leaf_level, ept->caps))
		return -EINVAL;

	for (level = VTX_EPT_LEVELS; level > leaf_level; level--) {
		table = vtx_ept_next(ept, &table[vtx_ept_index(gpa, level)],
				     level, true);
		if (!table)
			return -ENOMEM;
	}
	if (READ_ONCE(table[vtx_ept_index(gpa, leaf_level)]) & VTX_EPT_RWX)
		return -EEXIST;
	WRITE_ONCE(table[vtx_ept_index(gpa, leaf_level)], entry);
	return 0;
}

u64 vtx_ept_lookup(struct vtx_ept *ept, u64 gpa, int *level)
{
	u64 *table = ept->root;
	struct vtx_ept_decoded d;
	int l;

	for (l = VTX_EPT_LEVELS; l >= 1; l--) {
		u64 e = READ_ONCE(table[vtx_ept_index(gpa, l)]);

		vtx_ept_decode(e, l, &d);
		if (!d.present)
			return 0;
		if (d.leaf) {
			*level = l;
			return e;
		}
		table = phys_to_virt(d.addr);
	}
	return 0;
}

void vtx_ept_unmap(struct vtx_ept *ept, u64 gpa, u64 size)
{
	u64 end = gpa + size;

	while (gpa < end) {
		u64 *table = ept->root;
		int level;

		for (level = VTX_EPT_LEVELS; level >= 1; level--) {
			u64 *entry = &table[vtx_ept_index(gpa, level)];
			struct vtx_ept_decoded d;

			vtx_ept_decode(READ_ONCE(*entry), level, &d);
			if (!d.present) {
				/* Nothing below: skip this entry's span. */
				gpa = (gpa | (vtx_ept_level_size(level) - 1)) + 1;
				break;
			}
			if (d.leaf) {
				WRITE_ONCE(*entry, 0);
				gpa = (gpa | (d.size - 1)) + 1;
				break;
			}
			table = phys_to_virt(d.addr);
		}
	}
}

/*
 * Replace the 2 MiB leaf at *@entry by a page table of 512 4 KiB leaves
 * that map the same pages alike.  Until the caller's INVEPT the CPU may
 * use the old translation or the new ones: both lead to the same memory.
 */
static int vtx_ept_split(struct vtx_ept *ept, u64 *entry)
{
	u64 large = READ_ONCE(*entry), *table;
	unsigned int i;

	table = vtx_ept_alloc_table(ept);
	if (!table)
		return -ENOMEM;
	for (i = 0; i < 512; i++)
		table[i] = vtx_ept_split_entry(large, i);
	WRITE_ONCE(*entry, vtx_ept_table_entry(virt_to_phys(table)));
	return 0;
}

int vtx_ept_set_writable(struct vtx_ept *ept, u64 gpa, bool writable)
{
	u64 *table = ept->root, *entry, e;
	struct vtx_ept_decoded d;
	int level, r;

	for (level = VTX_EPT_LEVELS; level >= 1; level--) {
		entry = &table[vtx_ept_index(gpa, level)];
		vtx_ept_decode(READ_ONCE(*entry), level, &d);
		if (!d.present)
			return 0;
		if (d.leaf && (level == 1 || writable))
			break;
		if (d.leaf) {
			/* Only a whole 4 KiB page can be protected alone;
			 * vtx maps no 1 GiB pages to split.
			 */
			if (level != 2)
				return -EINVAL;
			r = vtx_ept_split(ept, entry);
			if (r)
				return r;
			vtx_ept_decode(READ_ONCE(*entry), level, &d);
		}
		table = phys_to_virt(d.addr);
	}
	e = READ_ONCE(*entry);
	if (!!(e & VTX_EPT_WRITE) == writable)
		return 0;
	WRITE_ONCE(*entry, writable ? e | VTX_EPT_WRITE : e & ~VTX_EPT_WRITE);
	return 1;
}

static void vtx_ept_flush_ipi(void *data)
{
	struct vtx_ept *ept = data;

	if (ept->caps & VTX_EPT_CAP_INVEPT_SINGLE)
		vtx_invept(VTX_INVEPT_SINGLE, ept->eptp);
	else
		vtx_invept(VTX_INVEPT_ALL, 0);
}

void vtx_ept_flush(struct vtx_ept *ept)
{
	/*
	 * Translations derived from EPT are cached per CPU and tagged with
	 * the EPTP (SDM 29.4): every CPU that ran the VM may hold some.
	 */
	on_each_cpu(vtx_ept_flush_ipi, ept, 1);
}

struct vtx_ept_walk_state {
	vtx_ept_visit_t fn;
	void *ctx;
	u32 nr_tables;
};

static int vtx_ept_walk_table(struct vtx_ept_walk_state *w, u64 *table,
			      u32 table_id, int level, u64 base)
{
	struct vtx_ept_visit e;
	unsigned int i;
	int r;

	for (i = 0; i < 512; i++) {
		e.entry = READ_ONCE(table[i]);
		vtx_ept_decode(e.entry, level, &e.d);
		if (!e.d.present)
			continue;
		e.level = level;
		e.index = i;
		e.table = table_id;
		e.gpa = base + i * vtx_ept_level_size(level);
		e.next_table = -1;
		if (!e.d.leaf)
			e.next_table = ++w->nr_tables;
		r = w->fn(w->ctx, &e);
		if (r)
			return r;
		if (!e.d.leaf) {
			r = vtx_ept_walk_table(w, phys_to_virt(e.d.addr),
					       e.next_table, level - 1, e.gpa);
			if (r)
				return r;
		}
	}
	return 0;
}

int vtx_ept_walk(struct vtx_ept *ept, vtx_ept_visit_t fn, void *ctx)
{
	struct vtx_ept_walk_state w = { .fn = fn, .ctx = ctx };

	return vtx_ept_walk_table(&w, ept->root, 0, VTX_EPT_LEVELS, 0);
}
