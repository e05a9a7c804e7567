// SPDX-License-Identifier: GPL-2.0
/*
 * VM fds: KVM_CREATE_VM, memory slots over the caller's own memory, and
 * KVM_CREATE_VCPU.  A slot's memory is counted against RLIMIT_MEMLOCK
 * when the slot is added (as VFIO does), but pinned and mapped into the
 * VM's EPT only where the guest touches it, at its first EPT violation
 * there (as KVM maps it): a 2 MiB EPT page where a transparent huge page
 * backs the whole 2 MiB, 4 KiB pages elsewhere.  Pinned pages stay pinned
 * until the slot goes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/kvm.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "vtx.h"
#include "lib/abi.h"
#include "../ept/lib/dirty.h"
#include "../vmx/vmx.h"

static void vtx_slot_release(struct vtx_vm *vm, struct vtx_memslot *s)
{
	struct vtx_memslot old;
	struct page *page;
	unsigned long i;

	if (!s->used)
		return;
	/* Out of the exit handlers' sight first, then out of EPT. */
	raw_spin_lock(&vm->slots_lock);
	old = *s;
	memset(s, 0, sizeof(*s));
	raw_spin_unlock(&vm->slots_lock);
	vtx_ept_unmap(&vm->ept, old.gpa, old.npages << PAGE_SHIFT);
	vtx_ept_flush(&vm->ept);
	xa_for_each(old.pages, i, page)
		unpin_user_pages_dirty_lock(&page, 1, old.writable);
	xa_destroy(old.pages);
	kfree(old.pages);
	kvfree(old.dirty_bitmap);
	account_locked_vm(vm->mm, old.npages, false);
	atomic_long_sub(old.nr_pinned, &vtx_counters.pinned_pages);
}

/*
 * The slot's user memory must be mapped, and writable unless the slot is
 * read-only: checked now, so that a bad address is EFAULT at once.  A
 * read-only slot over writable memory is still pinned for writing, which
 * breaks copy-on-write: the pinned page is the one the process writes
 * later, not the shared zero page.  Sets *@writable.
 */
static int vtx_slot_check_mapping(struct vtx_vm *vm, u64 uaddr, u64 size,
				  bool readonly, bool *writable)
{
	unsigned long addr = uaddr, end = uaddr + size;
	struct vm_area_struct *vma;
	int r = 0;

	*writable = true;
	mmap_read_lock(vm->mm);
	while (addr < end) {
		vma = find_vma(vm->mm, addr);
		if (!vma || vma->vm_start > addr ||
		    (vma->vm_flags & (VM_IO | VM_PFNMAP)) ||
		    !(vma->vm_flags & VM_READ)) {
			r = -EFAULT;
			break;
		}
		if (!(vma->vm_flags & VM_WRITE))
			*writable = false;
		addr = vma->vm_end;
	}
	mmap_read_unlock(vm->mm);
	if (!r && !*writable && !readonly)
		r = -EFAULT;
	return r;
}

static int vtx_slot_create(struct vtx_vm *vm, struct vtx_memslot *s,
			   const struct kvm_userspace_memory_region *m)
{
	unsigned long npages = m->memory_size >> PAGE_SHIFT;
	u64 *dirty_bitmap = NULL;
	struct xarray *pages;
	bool writable;
	int r;

	r = vtx_slot_check_mapping(vm, m->userspace_addr, m->memory_size,
				   m->flags & KVM_MEM_READONLY, &writable);
	if (r)
		return r;
	r = account_locked_vm(vm->mm, npages, true);
	if (r)
		return r;	/* -ENOMEM: over RLIMIT_MEMLOCK */
	pages = kmalloc(sizeof(*pages), GFP_KERNEL_ACCOUNT);
	if (m->flags & KVM_MEM_LOG_DIRTY_PAGES)
		dirty_bitmap = vtx_dirty_log_alloc(vm, npages);
	if (!pages || (!dirty_bitmap && (m->flags & KVM_MEM_LOG_DIRTY_PAGES))) {
		kfree(pages);
		account_locked_vm(vm->mm, npages, false);
		return -ENOMEM;
	}
	xa_init(pages);
	raw_spin_lock(&vm->slots_lock);
	s->writable = writable;
	s->flags = m->flags;
	s->gpa = m->guest_phys_addr;
	s->uaddr = m->userspace_addr;
	s->npages = npages;
	s->nr_pinned = 0;
	s->pages = pages;
	s->dirty_bitmap = dirty_bitmap;
	s->used = true;
	raw_spin_unlock(&vm->slots_lock);
	return 0;
}

/*
 * Move @s to @gpa (KVM_MR_MOVE): same user memory, same size, a new
 * guest-physical address.  As a delete, then a create: out of the exit
 * handlers' sight under slots_lock first, then out of EPT (and the TLBs)
 * before its pages are unpinned; the pages are pinned again where the
 * guest touches the new range.  The memory stays counted, as it stays
 * the slot's.  The VM's lock held.
 */
static int vtx_slot_move(struct vtx_vm *vm, struct vtx_memslot *s, u64 gpa)
{
	struct xarray *pages, *old_pages;
	struct page *page;
	unsigned long i, nr_pinned;
	u64 old_gpa;

	pages = kmalloc(sizeof(*pages), GFP_KERNEL_ACCOUNT);
	if (!pages)
		return -ENOMEM;
	xa_init(pages);
	raw_spin_lock(&vm->slots_lock);
	old_gpa = s->gpa;
	old_pages = s->pages;
	nr_pinned = s->nr_pinned;
	s->gpa = gpa;
	s->pages = pages;
	s->nr_pinned = 0;
	raw_spin_unlock(&vm->slots_lock);
	vtx_ept_unmap(&vm->ept, old_gpa, s->npages << PAGE_SHIFT);
	vtx_ept_flush(&vm->ept);
	xa_for_each(old_pages, i, page)
		unpin_user_pages_dirty_lock(&page, 1, s->writable);
	xa_destroy(old_pages);
	kfree(old_pages);
	atomic_long_sub(nr_pinned, &vtx_counters.pinned_pages);
	return 0;
}

/* The slot that holds @gpa, or NULL; slots_lock or the VM's lock held. */
static struct vtx_memslot *vtx_slot_find(struct vtx_vm *vm, u64 gpa)
{
	int i;

	for (i = 0; i < VTX_MAX_SLOTS; i++) {
		struct vtx_memslot *s = &vm->slots[i];

		if (s->used && gpa >= s->gpa &&
		    gpa < s->gpa + (s->npages << PAGE_SHIFT))
			return s;
	}
	return NULL;
}

static u64 vtx_slot_perms(const struct vtx_memslot *s)
{
	u64 perms = VTX_EPT_READ | VTX_EPT_EXEC;

	if (!(s->flags & KVM_MEM_READONLY))
		perms |= VTX_EPT_WRITE;
	return perms;
}

/*
 * Take pages @i to @i + @n of @s back from the handlers' sight.  The
 * xarray has its own lock (a spinlock_t, so not under the raw
 * slots_lock); taking slots_lock afterwards waits out a handler that
 * found one of the pages before the erase and may still be copying:
 * the caller may unpin them on return.
 */
static void vtx_slot_unpublish(struct vtx_vm *vm, struct vtx_memslot *s,
			       unsigned long i, unsigned long n)
{
	unsigned long j;

	for (j = 0; j < n; j++)
		xa_erase(s->pages, i + j);
	raw_spin_lock(&vm->slots_lock);
	raw_spin_unlock(&vm->slots_lock);
}

/*
 * Make the pinned @pages page @i on of @s, for the exit handlers (which
 * look pages up without the VM's lock); the VM's lock held.  On -ENOMEM
 * none of them is there.
 */
static int vtx_slot_publish(struct vtx_vm *vm, struct vtx_memslot *s,
			    unsigned long i, struct page **pages,
			    unsigned long n)
{
	unsigned long j;

	for (j = 0; j < n; j++) {
		if (xa_err(xa_store(s->pages, i + j, pages[j],
				    GFP_KERNEL_ACCOUNT))) {
			vtx_slot_unpublish(vm, s, i, j);
			return -ENOMEM;
		}
	}
	s->nr_pinned += n;
	atomic_long_add(n, &vtx_counters.pinned_pages);
	return 0;
}

/* Undo vtx_slot_publish() of pages @i to @i + @n (the caller unpins). */
static void vtx_slot_retract(struct vtx_vm *vm, struct vtx_memslot *s,
			     unsigned long i, unsigned long n)
{
	vtx_slot_unpublish(vm, s, i, n);
	s->nr_pinned -= n;
	atomic_long_sub(n, &vtx_counters.pinned_pages);
}

/*
 * The 2 MiB around page @i of @s in one EPT page, when a transparent huge
 * page backs all of it and nothing of it is mapped yet (@page: page @i,
 * pinned).  Returns 0 if mapped so, 1 to map @page alone, or an error.
 */
static int vtx_slot_map_2m(struct vtx_vm *vm, struct vtx_memslot *s,
			   unsigned long i, struct page *page)
{
	struct page **chunk;
	u64 first, gpa, hpa;
	unsigned long j;
	int r;

	/* A logging slot is protected page by page: 4 KiB pages only. */
	if (!vm->ept_2m || s->dirty_bitmap ||
	    folio_order(page_folio(page)) < 9 ||
	    !vtx_ept_2m_chunk(s->gpa, s->uaddr, s->npages, i, &first))
		return 1;
	j = first;
	if (xa_find(s->pages, &j, first + 511, XA_PRESENT))
		return 1;	/* some of it is mapped in 4 KiB pages */
	gpa = s->gpa + (first << PAGE_SHIFT);
	chunk = kvmalloc_array(512, sizeof(*chunk), GFP_KERNEL);
	if (!chunk)
		return 1;
	r = pin_user_pages_fast(s->uaddr + (first << PAGE_SHIFT), 512,
				FOLL_LONGTERM | (s->writable ? FOLL_WRITE : 0),
				chunk);
	hpa = r > 0 ? page_to_phys(chunk[0]) : 1;
	for (j = 0; r == 512 && j < 512; j++)
		if (page_to_phys(chunk[j]) != hpa + j * PAGE_SIZE)
			break;
	if (r != 512 || j != 512 || (hpa & (SZ_2M - 1)) ||
	    vtx_slot_publish(vm, s, first, chunk, 512)) {
		if (r > 0)
			unpin_user_pages(chunk, r);
		kvfree(chunk);
		return 1;
	}
	if (vtx_ept_map(&vm->ept, gpa, hpa, SZ_2M, vtx_slot_perms(s))) {
		vtx_slot_retract(vm, s, first, 512);
		unpin_user_pages(chunk, 512);
		kvfree(chunk);
		return 1;
	}
	unpin_user_page(page);	/* it is in the chunk, pinned again */
	kvfree(chunk);
	return 0;
}

int vtx_vm_map_ram(struct vtx_vm *vm, u64 gpa)
{
	struct vtx_memslot *s;
	struct page *page;
	unsigned long i;
	int r = 0;

	mutex_lock(&vm->lock);
	s = vtx_slot_find(vm, gpa);
	if (!s)
		goto out;	/* the slot went: the guest sees MMIO now */
	i = (gpa - s->gpa) >> PAGE_SHIFT;
	/* Another vCPU was first, or dirty logging made the page read-only. */
	if (xa_load(s->pages, i)) {
		r = vtx_dirty_log_write_fault(vm, s, i);
		goto out;
	}
	r = pin_user_pages_fast(s->uaddr + ((u64)i << PAGE_SHIFT), 1,
				FOLL_LONGTERM | (s->writable ? FOLL_WRITE : 0),
				&page);
	if (r != 1) {
		/* Unmapped since the slot was set: KVM_RUN fails, as KVM's. */
		r = r < 0 ? r : -EFAULT;
		goto out;
	}
	r = vtx_slot_map_2m(vm, s, i, page);
	if (r <= 0)
		goto out;
	/* Visible to the handlers first: a page they see is pinned. */
	r = vtx_slot_publish(vm, s, i, &page, 1);
	if (r) {
		unpin_user_page(page);
		goto out;
	}
	/* A not-present entry is not cached (SDM 29.4.3.1): no INVEPT. */
	r = vtx_ept_map(&vm->ept, s->gpa + ((u64)i << PAGE_SHIFT),
			page_to_phys(page), PAGE_SIZE,
			vtx_slot_perms(s) & (vtx_dirty_log_may_write(vm, s, i) ?
					     ~0ULL : ~VTX_EPT_WRITE));
	if (r) {
		vtx_slot_retract(vm, s, i, 1);
		unpin_user_page(page);
	}
out:
	mutex_unlock(&vm->lock);
	return r;
}

bool vtx_vm_is_ram(struct vtx_vm *vm, u64 gpa, bool write)
{
	struct vtx_memslot *s;
	bool ram;

	raw_spin_lock(&vm->slots_lock);
	s = vtx_slot_find(vm, gpa);
	ram = s && (!write || !(s->flags & KVM_MEM_READONLY));
	raw_spin_unlock(&vm->slots_lock);
	return ram;
}

static int vtx_vm_set_memory(struct vtx_vm *vm,
			     const struct kvm_userspace_memory_region *m)
{
	u16 id = m->slot & 0xffff;
	struct vtx_memslot *s;
	int i, r;

	r = vtx_check_memory_region(m->slot, m->flags, m->guest_phys_addr,
				    m->memory_size, m->userspace_addr,
				    PAGE_SIZE, VTX_MAX_SLOTS);
	if (r)
		return r;
	if (m->memory_size &&
	    !access_ok((void __user *)(unsigned long)m->userspace_addr,
		       m->memory_size))
		return -EINVAL;

	mutex_lock(&vm->lock);
	s = &vm->slots[id];
	if (s->used) {
		/*
		 * KVM (kvm_set_memory_region()): a slot is deleted (size 0),
		 * has its logging switched (KVM_MR_FLAGS_ONLY), is moved (a
		 * new guest address, nothing else new), or left as it is;
		 * its user memory and size stay.
		 */
		if (!m->memory_size) {
			vtx_slot_release(vm, s);
			goto out;
		}
		if (m->guest_phys_addr == s->gpa &&
		    m->memory_size == s->npages << PAGE_SHIFT &&
		    m->userspace_addr == s->uaddr && m->flags != s->flags &&
		    !((m->flags ^ s->flags) & ~KVM_MEM_LOG_DIRTY_PAGES)) {
			r = vtx_dirty_log_set_flags(vm, s, m->flags);
			goto out;
		}
		if (m->memory_size != s->npages << PAGE_SHIFT ||
		    m->userspace_addr != s->uaddr || m->flags != s->flags) {
			r = -EINVAL;
			goto out;
		}
		if (m->guest_phys_addr == s->gpa)
			goto out;
	} else if (!m->memory_size) {
		/* Deleting a slot that does not exist: KVM says EINVAL. */
		r = -EINVAL;
		goto out;
	}
	for (i = 0; i < VTX_MAX_SLOTS; i++) {
		struct vtx_memslot *o = &vm->slots[i];

		if (o != s && o->used &&
		    m->guest_phys_addr < o->gpa + (o->npages << PAGE_SHIFT) &&
		    o->gpa < m->guest_phys_addr + m->memory_size) {
			r = -EEXIST;
			goto out;
		}
	}
	r = s->used ? vtx_slot_move(vm, s, m->guest_phys_addr) :
		      vtx_slot_create(vm, s, m);
out:
	mutex_unlock(&vm->lock);
	return r;
}

/* Copy between a buffer and guest memory, page by page, through the
 * pinned pages of the slots; writes only to writable slots.  Atomic.
 */
static int vtx_vm_access(struct vtx_vm *vm, u64 gpa, void *buf,
			 unsigned int len, bool write, u64 *unpinned)
{
	int r = -EFAULT;

	raw_spin_lock(&vm->slots_lock);
	while (len) {
		unsigned int off = gpa & (PAGE_SIZE - 1);
		unsigned int n = min_t(unsigned int, len, PAGE_SIZE - off);
		struct vtx_memslot *s = vtx_slot_find(vm, gpa);
		struct page *page;
		void *p;

		if (!s || (write && (s->flags & KVM_MEM_READONLY)))
			goto out;
		page = xa_load(s->pages, (gpa - s->gpa) >> PAGE_SHIFT);
		if (!page) {
			*unpinned = gpa;
			r = -EAGAIN;
			goto out;
		}
		/* vtx writes for the guest: logged like the guest's writes. */
		if (write && s->dirty_bitmap)
			vtx_dirty_mark(s->dirty_bitmap,
				       (gpa - s->gpa) >> PAGE_SHIFT);
		p = kmap_local_page(page);
		if (write)
			memcpy(p + off, buf, n);
		else
			memcpy(buf, p + off, n);
		kunmap_local(p);
		buf += n;
		gpa += n;
		len -= n;
	}
	r = 0;
out:
	raw_spin_unlock(&vm->slots_lock);
	return r;
}

int vtx_vm_read_guest(struct vtx_vm *vm, u64 gpa, void *buf, unsigned int len,
		      u64 *unpinned)
{
	return vtx_vm_access(vm, gpa, buf, len, false, unpinned);
}

int vtx_vm_write_guest(struct vtx_vm *vm, u64 gpa, const void *buf,
		       unsigned int len, u64 *unpinned)
{
	return vtx_vm_access(vm, gpa, (void *)buf, len, true, unpinned);
}

static void vtx_vm_free(struct kref *ref)
{
	struct vtx_vm *vm = container_of(ref, struct vtx_vm, ref);
	int i;

	vtx_debugfs_vm_remove(vm);
	for (i = 0; i < VTX_MAX_SLOTS; i++)
		vtx_slot_release(vm, &vm->slots[i]);
	vtx_ept_flush(&vm->ept);
	vtx_ept_destroy(&vm->ept);
	mmdrop(vm->mm);
	kfree(vm);
	atomic_long_dec(&vtx_counters.vms);
	module_put(THIS_MODULE);
}

void vtx_vm_put(struct vtx_vm *vm)
{
	kref_put(&vm->ref, vtx_vm_free);
}

static int vtx_vm_release(struct inode *inode, struct file *file)
{
	vtx_vm_put(file->private_data);
	return 0;
}

static long vtx_vm_ioctl(struct file *file, unsigned int ioctl,
			 unsigned long arg)
{
	struct vtx_vm *vm = file->private_data;
	void __user *argp = (void __user *)arg;

	/* A VM belongs to the process that made it, as in KVM. */
	if (vm->mm != current->mm)
		return -EIO;

	switch (ioctl) {
	case KVM_CREATE_VCPU:
		return vtx_vcpu_create(vm, arg);
	case KVM_SET_USER_MEMORY_REGION: {
		struct kvm_userspace_memory_region m;

		if (copy_from_user(&m, argp, sizeof(m)))
			return -EFAULT;
		return vtx_vm_set_memory(vm, &m);
	}
	case KVM_CHECK_EXTENSION:
		return vtx_check_extension((long)arg, vtx_xsave_enabled());
	/*
	 * Real mode runs natively (unrestricted guest): nothing to set up.
	 * KVM's range check all the same: its three pages below 4 GiB.
	 */
	case KVM_SET_TSS_ADDR:
		return arg > (unsigned int)(-3 * PAGE_SIZE) ? -EINVAL : 0;
	case KVM_SET_IDENTITY_MAP_ADDR: {
		u64 addr;

		return copy_from_user(&addr, argp, sizeof(addr)) ? -EFAULT : 0;
	}
	/* No in-kernel irqchip to route to: KVM's answer then (x86.c). */
	case KVM_SET_GSI_ROUTING:
		return -EINVAL;
	case KVM_GET_DIRTY_LOG:
		return vtx_vm_get_dirty_log(vm, argp);
	case KVM_CLEAR_DIRTY_LOG:
		return vtx_vm_clear_dirty_log(vm, argp);
	case KVM_ENABLE_CAP:
		return vtx_vm_enable_cap(vm, argp);
	case VTX_GET_EPT_MAPPINGS:
		return vtx_vm_get_ept_mappings(vm, argp);
	case VTX_GET_EPT_TREE:
		return vtx_vm_get_ept_tree(vm, argp);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations vtx_vm_fops = {
	.owner		= THIS_MODULE,
	.release	= vtx_vm_release,
	.unlocked_ioctl	= vtx_vm_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

int vtx_vm_create(unsigned long type)
{
	struct vtx_vm *vm;
	int fd, r;

	if (type)
		return -EINVAL;	/* KVM_VM_TYPE 0 only */
	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;
	mutex_init(&vm->lock);
	raw_spin_lock_init(&vm->slots_lock);
	raw_spin_lock_init(&vm->tsc_sync.lock);
	kref_init(&vm->ref);
	r = vtx_ept_init(&vm->ept, vtx_vmx_config()->ept_vpid_cap);
	if (r) {
		kfree(vm);
		return r;
	}
	vm->ept_2m = vtx_cfg_has_ept_2m(vtx_vmx_config());
	vm->mm = current->mm;
	mmgrab(vm->mm);
	__module_get(THIS_MODULE);
	atomic_long_inc(&vtx_counters.vms);
	vtx_debugfs_vm_add(vm);

	fd = anon_inode_getfd("vtx-vm", &vtx_vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		vtx_vm_put(vm);
	return fd;
}
