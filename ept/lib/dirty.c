// SPDX-License-Identifier: GPL-2.0
/*
 * The dirty log's bitmap (see dirty.h).
 */
#include "dirty.h"

void vtx_dirty_set_all(u64 *bitmap, u64 npages)
{
	u64 i;

	for (i = 0; i < npages / 64; i++)
		bitmap[i] = ~0ULL;
	/* The bits past the slot's end stay clear: KVM never reports them. */
	if (npages % 64)
		bitmap[i] = (1ULL << (npages % 64)) - 1;
}

int vtx_dirty_check_clear(u64 npages, u64 first, u64 num)
{
	if (first & 63)
		return -EINVAL;
	if (first > npages || num > npages - first)
		return -EINVAL;
	/* A partial word is allowed only where the slot itself ends. */
	if (num < npages - first && (num & 63))
		return -EINVAL;
	return 0;
}

u64 vtx_dirty_clear_word(u64 *bitmap, u64 word, u64 mask)
{
	u64 cleared = bitmap[word] & mask;

	bitmap[word] &= ~mask;
	return cleared;
}
