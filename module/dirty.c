// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty-page logging: KVM_MEM_LOG_DIRTY_PAGES, KVM_GET_DIRTY_LOG,
 * KVM_CLEAR_DIRTY_LOG and KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, with KVM's
 * rules and errnos (Linux 6.1 virt/kvm/kvm_main.c).
 *
 * The mechanism is EPT write protection.  While a slot logs, a page's
 * EPT entry allows writes only if the page's bit in the log is set.  The
 * guest's first write to a protected page is an EPT violation; the run
 * loop's map_ram path (vtx_dirty_log_write_fault()) sets the bit, gives
 * the entry its write permission back and resumes the guest, so the
 * write is logged before it happens.  Clearing a bit (GET_DIRTY_LOG
 * without manual protection, or CLEAR_DIRTY_LOG) takes the write
 * permission away again and flushes the VM's EPT translations on every
 * CPU before the ioctl returns; 2 MiB EPT pages are split into 4 KiB
 * pages to be protected one by one.  Writes vtx does itself on the
 * guest's behalf (string I/O into RAM) set the bit where they copy
 * (vtx_vm_access()).
 *
 * Why not the CPU's help: EPT accessed/dirty flags need a walk of the
 * whole slot's tables per read of the log, and page-modification logging
 * needs a per-vCPU log page, its full-log exit and a kick of every vCPU
 * to drain the logs before each read; both also still need the
 * write-protect-and-flush step on re-arm.  Write protection is one rule
 * kept in one place, costs one exit per page per round (what the log
 * is for: pages that are written rarely), and is exact.
 *
 * Locks: the VM's lock serializes every change of a slot's EPT write
 * permissions (here and in map_ram); the bitmap is read and changed with
 * slots_lock held, because vtx_vm_access() sets bits in atomic context.
 */
#include <linux/kvm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vtx.h"
#include "lib/abi.h"
#include "../ept/lib/dirty.h"

u64 *vtx_dirty_log_alloc(struct vtx_vm *vm, unsigned long npages)
{
	u64 *bitmap = kvzalloc(vtx_dirty_bitmap_bytes(npages),
			       GFP_KERNEL_ACCOUNT);

	/* KVM_DIRTY_LOG_INITIALLY_SET: every page reads dirty, none is
	 * protected until user space clears it.
	 */
	if (bitmap && (vm->manual_dirty_log & KVM_DIRTY_LOG_INITIALLY_SET))
		vtx_dirty_set_all(bitmap, npages);
	return bitmap;
}

/*
 * Take write permission away from page @page of @s; the VM's lock held.
 * A page whose 2 MiB EPT page cannot be split for want of memory stays
 * writable: its bit is set again, so that it is reported once more
 * rather than a later write missed.  Return: whether an INVEPT is needed.
 */
static bool vtx_dirty_protect_page(struct vtx_vm *vm, struct vtx_memslot *s,
				   u64 page)
{
	int r = vtx_ept_set_writable(&vm->ept, s->gpa + (page << PAGE_SHIFT),
				     false);

	if (r < 0) {
		raw_spin_lock(&vm->slots_lock);
		vtx_dirty_mark(s->dirty_bitmap, page);
		raw_spin_unlock(&vm->slots_lock);
	}
	return r > 0;
}

/* Protect the pages whose bits are set in @mask, words @first on. */
static bool vtx_dirty_protect(struct vtx_vm *vm, struct vtx_memslot *s,
			      const u64 *mask, u64 first, u64 nwords)
{
	bool flush = false;
	u64 w;
	int b;

	for (w = 0; w < nwords; w++) {
		for (b = 0; mask[w] && b < 64; b++)
			if (mask[w] & (1ULL << b))
				flush |= vtx_dirty_protect_page(vm, s,
							(first + w) * 64 + b);
		/* An INITIALLY_SET log of a large slot is long to go through. */
		cond_resched();
	}
	return flush;
}

int vtx_dirty_log_set_flags(struct vtx_vm *vm, struct vtx_memslot *s,
			    u32 flags)
{
	u64 *bitmap = NULL, *old;
	struct page *page;
	bool flush = false;
	unsigned long i;

	if (flags & KVM_MEM_LOG_DIRTY_PAGES) {
		bitmap = vtx_dirty_log_alloc(vm, s->npages);
		if (!bitmap)
			return -ENOMEM;
	}
	raw_spin_lock(&vm->slots_lock);
	old = s->dirty_bitmap;
	s->dirty_bitmap = bitmap;
	s->flags = flags;
	raw_spin_unlock(&vm->slots_lock);
	kvfree(old);
	/*
	 * Logging off: pages stay mapped read-only until their next write
	 * fault gives the permission back (vtx_dirty_log_write_fault()).
	 * Logging on: protect what the guest may write now, as KVM does,
	 * unless INITIALLY_SET says that every page is dirty already.
	 */
	if (!bitmap || (flags & KVM_MEM_READONLY) ||
	    (vm->manual_dirty_log & KVM_DIRTY_LOG_INITIALLY_SET))
		return 0;
	xa_for_each(s->pages, i, page)
		flush |= vtx_dirty_protect_page(vm, s, i);
	if (flush)
		vtx_ept_flush(&vm->ept);
	return 0;
}

int vtx_dirty_log_write_fault(struct vtx_vm *vm, struct vtx_memslot *s,
			      unsigned long i)
{
	u64 gpa = s->gpa + ((u64)i << PAGE_SHIFT), e;
	int level, r;

	if (s->flags & KVM_MEM_READONLY)
		return 0;
	/* Writable already: another vCPU mapped it while this one faulted. */
	e = vtx_ept_lookup(&vm->ept, gpa, &level);
	if (!e || (e & VTX_EPT_WRITE))
		return 0;
	/* The bit first: the write it allows is then logged before it lands. */
	raw_spin_lock(&vm->slots_lock);
	if (s->dirty_bitmap)
		vtx_dirty_mark(s->dirty_bitmap, i);
	raw_spin_unlock(&vm->slots_lock);
	r = vtx_ept_set_writable(&vm->ept, gpa, true);
	return r < 0 ? r : 0;
}

bool vtx_dirty_log_may_write(struct vtx_vm *vm, struct vtx_memslot *s,
			     unsigned long i)
{
	bool w;

	if (s->flags & KVM_MEM_READONLY)
		return false;
	raw_spin_lock(&vm->slots_lock);
	w = !s->dirty_bitmap || vtx_dirty_test(s->dirty_bitmap, i);
	raw_spin_unlock(&vm->slots_lock);
	return w;
}

/* The slot of a dirty-log ioctl's @slot, if it logs; the VM's lock held. */
static struct vtx_memslot *vtx_dirty_log_slot(struct vtx_vm *vm, u32 slot)
{
	struct vtx_memslot *s = &vm->slots[slot & 0xffff];

	return s->used && s->dirty_bitmap ? s : NULL;
}

long vtx_vm_get_dirty_log(struct vtx_vm *vm, struct kvm_dirty_log __user *u)
{
	struct kvm_dirty_log log;
	struct vtx_memslot *s;
	bool manual, flush = false;
	u64 *buf = NULL, bytes = 0;
	long r;

	if (copy_from_user(&log, u, sizeof(log)))
		return -EFAULT;
	r = vtx_check_dirty_log_slot(log.slot, VTX_MAX_SLOTS);
	if (r)
		return r;
	mutex_lock(&vm->lock);
	s = vtx_dirty_log_slot(vm, log.slot);
	r = -ENOENT;
	if (!s)
		goto out;
	bytes = vtx_dirty_bitmap_bytes(s->npages);
	buf = kvmalloc(bytes, GFP_KERNEL_ACCOUNT);
	r = -ENOMEM;
	if (!buf)
		goto out;
	/* With manual protection the log is only read (KVM's rule). */
	manual = vm->manual_dirty_log & KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE;
	raw_spin_lock(&vm->slots_lock);
	memcpy(buf, s->dirty_bitmap, bytes);
	if (!manual)
		memset(s->dirty_bitmap, 0, bytes);
	raw_spin_unlock(&vm->slots_lock);
	if (!manual)
		flush = vtx_dirty_protect(vm, s, buf, 0, bytes / 8);
	/*
	 * Before the caller reads the pages: a CPU that still held a
	 * writable translation could write one unlogged (SDM 29.4.3.1:
	 * INVEPT; vtx_ept_flush() runs it on every CPU).
	 */
	if (flush)
		vtx_ept_flush(&vm->ept);
	r = 0;
out:
	mutex_unlock(&vm->lock);
	if (!r && copy_to_user(log.dirty_bitmap, buf, bytes))
		r = -EFAULT;
	kvfree(buf);
	return r;
}

long vtx_vm_clear_dirty_log(struct vtx_vm *vm,
			    struct kvm_clear_dirty_log __user *u)
{
	struct kvm_clear_dirty_log log;
	struct vtx_memslot *s;
	u64 *buf = NULL, w, nwords;
	bool flush;
	long r;

	if (copy_from_user(&log, u, sizeof(log)))
		return -EFAULT;
	/* KVM's order: the slot id, first_page's alignment, the slot. */
	r = vtx_check_dirty_log_slot(log.slot, VTX_MAX_SLOTS);
	if (r == -EINVAL || (log.first_page & 63))
		return -EINVAL;
	if (r)
		return r;
	mutex_lock(&vm->lock);
	s = vtx_dirty_log_slot(vm, log.slot);
	r = -ENOENT;
	if (!s)
		goto out;
	r = vtx_dirty_check_clear(s->npages, log.first_page, log.num_pages);
	if (r)
		goto out;
	nwords = DIV_ROUND_UP(log.num_pages, 64);
	r = 0;
	if (!nwords)
		goto out;
	buf = kvmalloc_array(nwords, sizeof(u64), GFP_KERNEL_ACCOUNT);
	r = -ENOMEM;
	if (!buf)
		goto out;
	r = -EFAULT;
	if (copy_from_user(buf, log.dirty_bitmap, nwords * sizeof(u64)))
		goto out;
	/* Only bits that were set are cleared, and only their pages protected. */
	raw_spin_lock(&vm->slots_lock);
	for (w = 0; w < nwords; w++)
		buf[w] = vtx_dirty_clear_word(s->dirty_bitmap,
					      log.first_page / 64 + w, buf[w]);
	raw_spin_unlock(&vm->slots_lock);
	flush = vtx_dirty_protect(vm, s, buf, log.first_page / 64, nwords);
	if (flush)
		vtx_ept_flush(&vm->ept);
	r = 0;
out:
	mutex_unlock(&vm->lock);
	kvfree(buf);
	return r;
}

long vtx_vm_enable_cap(struct vtx_vm *vm, struct kvm_enable_cap __user *u)
{
	struct kvm_enable_cap cap;
	long r;

	if (copy_from_user(&cap, u, sizeof(cap)))
		return -EFAULT;
	/* KVM's answer to a capability that cannot be enabled on a VM. */
	if (cap.cap != KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2)
		return -EINVAL;
	r = vtx_check_enable_manual_dirty_log(cap.flags, cap.args[0]);
	if (r)
		return r;
	mutex_lock(&vm->lock);
	vm->manual_dirty_log = cap.args[0];
	mutex_unlock(&vm->lock);
	return 0;
}
