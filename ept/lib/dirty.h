/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The dirty log of a memory slot, as KVM defines it (KVM_GET_DIRTY_LOG,
 * KVM_CLEAR_DIRTY_LOG in Documentation/virt/kvm/api.rst): one bit per
 * 4 KiB page of the slot, bit i of 64-bit word i / 64 for page i, the
 * bitmap rounded up to whole words.  Pure logic: the caller serializes
 * (the VM's slots_lock), so plain reads and writes suffice.
 */
#ifndef _VTX_EPT_DIRTY_H
#define _VTX_EPT_DIRTY_H

#include <vtx/types.h>

/* Bytes of the bitmap of a slot of @npages pages: KVM's rounding. */
static inline u64 vtx_dirty_bitmap_bytes(u64 npages)
{
	return ((npages + 63) / 64) * 8;
}

static inline void vtx_dirty_mark(u64 *bitmap, u64 page)
{
	bitmap[page / 64] |= 1ULL << (page % 64);
}

static inline bool vtx_dirty_test(const u64 *bitmap, u64 page)
{
	return bitmap[page / 64] & (1ULL << (page % 64));
}

/* Set the bit of every page of the slot and no other (INITIALLY_SET). */
void vtx_dirty_set_all(u64 *bitmap, u64 npages);

/**
 * vtx_dirty_check_clear() - KVM_CLEAR_DIRTY_LOG's range rules
 * @npages:	the slot's pages
 * @first:	first_page: a multiple of 64
 * @num:	num_pages: a multiple of 64 unless the range ends at the
 *		slot's end
 *
 * Return: 0, or -EINVAL as kvm_clear_dirty_log_protect() answers (Linux
 * 6.1 virt/kvm/kvm_main.c), checked in its order.
 */
int vtx_dirty_check_clear(u64 npages, u64 first, u64 num);

/**
 * vtx_dirty_clear_word() - clear bits of one word of the log
 * @bitmap:	the slot's log
 * @word:	the word's index
 * @mask:	the bits to clear
 *
 * Return: the bits that were set and are now clear: the pages to
 * write-protect again.
 */
u64 vtx_dirty_clear_word(u64 *bitmap, u64 word, u64 mask);

#endif /* _VTX_EPT_DIRTY_H */
