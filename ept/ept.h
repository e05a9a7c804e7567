/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ept/: the EPT tables of one VM.  Built, edited, flushed and freed here
 * and nowhere else; the entry encoding is in lib/ept.h.
 */
#ifndef _VTX_EPT_KERNEL_H
#define _VTX_EPT_KERNEL_H

#include <linux/types.h>
#include <linux/mutex.h>
#include "lib/ept.h"

struct vtx_ept {
	u64 *root;		/* the PML4, one page */
	u64 eptp;		/* what the VMCS's EPT pointer holds */
	u64 caps;		/* IA32_VMX_EPT_VPID_CAP, for the checks */
	long nr_table_pages;	/* PML4 included */
};

int vtx_ept_init(struct vtx_ept *ept, u64 caps);
void vtx_ept_destroy(struct vtx_ept *ept);

/**
 * vtx_ept_map() - map one page of @size bytes (4 KiB or 2 MiB)
 * @gpa, @hpa:	aligned to @size
 * @perms:	VTX_EPT_READ/WRITE/EXEC
 *
 * Tables on the way are allocated as needed.  The caller flushes.
 * Return: 0, -ENOMEM, -EINVAL (bad alignment or permissions), or -EEXIST
 * when something is already mapped there.
 */
int vtx_ept_map(struct vtx_ept *ept, u64 gpa, u64 hpa, u64 size, u64 perms);

/* Unmap every leaf in [@gpa, @gpa + @size); tables stay for reuse. */
void vtx_ept_unmap(struct vtx_ept *ept, u64 gpa, u64 size);

/**
 * vtx_ept_set_writable() - allow or forbid guest writes to one 4 KiB page
 * @gpa:	the page, as the guest addresses it
 * @writable:	the write permission it gets (read and execute stay)
 *
 * Forbidding a write to part of a 2 MiB EPT page first splits it into
 * 4 KiB pages.  The caller flushes (INVEPT) after forbidding; allowing
 * needs none (SDM 29.4.3.1: an EPT violation drops the cached translations
 * of the address that caused it, and a stale read-only one only faults).
 * Return: 1 when the entry changed, 0 when it already was so or nothing
 * is mapped at @gpa, -ENOMEM when the split found no memory.
 */
int vtx_ept_set_writable(struct vtx_ept *ept, u64 gpa, bool writable);

/* Invalidate the CPU's EPT-derived translations of this tree (INVEPT). */
void vtx_ept_flush(struct vtx_ept *ept);

/* Look @gpa up: its leaf entry, or 0 if unmapped. */
u64 vtx_ept_lookup(struct vtx_ept *ept, u64 gpa, int *level);

/* One present entry, as vtx_ept_walk() meets it. */
struct vtx_ept_visit {
	int level;			/* 4 (PML4) .. 1 */
	unsigned int index;		/* in its table */
	u32 table;			/* 0: the PML4; then in walk order */
	s32 next_table;			/* the table it points at; -1: a leaf */
	u64 gpa;			/* the first address it covers */
	u64 entry;
	struct vtx_ept_decoded d;
};

typedef int (*vtx_ept_visit_t)(void *ctx, const struct vtx_ept_visit *e);

/*
 * Visit every present entry, depth first from the PML4, in address
 * order; a non-zero return of @fn stops the walk and is returned.  The
 * caller keeps the tree from changing (the VM's slot lock).
 */
int vtx_ept_walk(struct vtx_ept *ept, vtx_ept_visit_t fn, void *ctx);

#endif /* _VTX_EPT_KERNEL_H */
