// SPDX-License-Identifier: GPL-2.0
/*
 * VM fds: KVM_CREATE_VM, memory slots over the caller's own memory, and
 * KVM_CREATE_VCPU.  Guest memory is pinned for as long as its slot lives
 * (and counted against RLIMIT_MEMLOCK, as VFIO does), and mapped into the
 * VM's EPT up front, in 2 MiB pages where the backing is contiguous.
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
#include "../vmx/vmx.h"

static void vtx_slot_release(struct vtx_vm *vm, struct vtx_memslot *s)
{
	if (!s->used)
		return;
	vtx_ept_unmap(&vm->ept, s->gpa, s->npages << PAGE_SHIFT);
	vtx_ept_flush(&vm->ept);
	unpin_user_pages_dirty_lock(s->pages, s->npages, s->writable);
	account_locked_vm(vm->mm, s->npages, false);
	atomic_long_sub(s->npages, &vtx_counters.pinned_pages);
	kvfree(s->pages);
	memset(s, 0, sizeof(*s));
}

/* Map a pinned slot: 2 MiB EPT pages where 512 pages are contiguous and
 * aligned on both sides, 4 KiB pages elsewhere.
 */
static int vtx_slot_map(struct vtx_vm *vm, struct vtx_memslot *s)
{
	u64 perms = VTX_EPT_READ | VTX_EPT_EXEC;
	unsigned long i = 0;
	int r;

	if (!(s->flags & KVM_MEM_READONLY))
		perms |= VTX_EPT_WRITE;
	while (i < s->npages) {
		u64 gpa = s->gpa + ((u64)i << PAGE_SHIFT);
		u64 hpa = page_to_phys(s->pages[i]);
		unsigned long n = 1, j;

		if (vm->ept_2m && !(gpa & (SZ_2M - 1)) && !(hpa & (SZ_2M - 1)) &&
		    s->npages - i >= 512) {
			for (j = 1; j < 512; j++)
				if (page_to_phys(s->pages[i + j]) != hpa + j * PAGE_SIZE)
					break;
			if (j == 512)
				n = 512;
		}
		r = vtx_ept_map(&vm->ept, gpa, hpa, n << PAGE_SHIFT, perms);
		if (r)
			return r;
		i += n;
	}
	return 0;
}

static int vtx_slot_create(struct vtx_vm *vm, struct vtx_memslot *s,
			   const struct kvm_userspace_memory_region *m)
{
	unsigned long npages = m->memory_size >> PAGE_SHIFT, done = 0;
	/*
	 * Pin for writing even a read-only slot when the mapping allows it:
	 * that breaks copy-on-write now, so the pinned page is the one the
	 * process writes later, not the shared zero page.
	 */
	unsigned int gup = FOLL_LONGTERM | FOLL_WRITE;
	int r;

	r = account_locked_vm(vm->mm, npages, true);
	if (r)
		return r;	/* -ENOMEM: over RLIMIT_MEMLOCK */
	s->pages = kvmalloc_array(npages, sizeof(*s->pages), GFP_KERNEL_ACCOUNT);
	if (!s->pages) {
		account_locked_vm(vm->mm, npages, false);
		return -ENOMEM;
	}
	while (done < npages) {
		r = pin_user_pages_fast(m->userspace_addr + (done << PAGE_SHIFT),
					min(npages - done, 512UL), gup,
					s->pages + done);
		/* A read-only slot over a read-only mapping: pin it as such. */
		if (r <= 0 && (gup & FOLL_WRITE) && done == 0 &&
		    (m->flags & KVM_MEM_READONLY)) {
			gup &= ~FOLL_WRITE;
			continue;
		}
		if (r <= 0)
			break;
		done += r;
	}
	s->used = true;
	s->writable = gup & FOLL_WRITE;
	s->flags = m->flags;
	s->gpa = m->guest_phys_addr;
	s->uaddr = m->userspace_addr;
	s->npages = done;
	atomic_long_add(done, &vtx_counters.pinned_pages);
	account_locked_vm(vm->mm, npages - done, false);
	if (done < npages) {
		vtx_slot_release(vm, s);
		return -EFAULT;		/* not mapped, or not writable */
	}
	r = vtx_slot_map(vm, s);
	if (r)
		vtx_slot_release(vm, s);
	return r;
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
		/* KVM: a slot is deleted (size 0) or left as it is. */
		if (!m->memory_size)
			vtx_slot_release(vm, s);
		else if (m->guest_phys_addr != s->gpa ||
			 m->memory_size != s->npages << PAGE_SHIFT ||
			 m->userspace_addr != s->uaddr || m->flags != s->flags)
			r = -EINVAL;
		goto out;
	}
	/* Deleting a slot that does not exist: KVM says EINVAL. */
	if (!m->memory_size) {
		r = -EINVAL;
		goto out;
	}
	for (i = 0; i < VTX_MAX_SLOTS; i++) {
		struct vtx_memslot *o = &vm->slots[i];

		if (o->used && m->guest_phys_addr < o->gpa + (o->npages << PAGE_SHIFT) &&
		    o->gpa < m->guest_phys_addr + m->memory_size) {
			r = -EEXIST;
			goto out;
		}
	}
	r = vtx_slot_create(vm, s, m);
out:
	mutex_unlock(&vm->lock);
	return r;
}

/* Copy between a buffer and guest memory, page by page, through the
 * pinned pages of the slots; writes only to writable slots.
 */
static int vtx_vm_access(struct vtx_vm *vm, u64 gpa, void *buf,
			 unsigned int len, bool write)
{
	int i, r = -EFAULT;

	mutex_lock(&vm->lock);
	while (len) {
		unsigned int off = gpa & (PAGE_SIZE - 1);
		unsigned int n = min_t(unsigned int, len, PAGE_SIZE - off);
		struct page *page = NULL;
		void *p;

		for (i = 0; i < VTX_MAX_SLOTS; i++) {
			struct vtx_memslot *s = &vm->slots[i];

			if (s->used && gpa >= s->gpa &&
			    gpa < s->gpa + (s->npages << PAGE_SHIFT) &&
			    (!write || !(s->flags & KVM_MEM_READONLY))) {
				page = s->pages[(gpa - s->gpa) >> PAGE_SHIFT];
				break;
			}
		}
		if (!page)
			goto out;
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
	mutex_unlock(&vm->lock);
	return r;
}

int vtx_vm_read_guest(struct vtx_vm *vm, u64 gpa, void *buf, unsigned int len)
{
	return vtx_vm_access(vm, gpa, buf, len, false);
}

int vtx_vm_write_guest(struct vtx_vm *vm, u64 gpa, const void *buf,
		       unsigned int len)
{
	return vtx_vm_access(vm, gpa, (void *)buf, len, true);
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
		return vtx_check_extension((long)arg);
	/* Real mode runs natively (unrestricted guest): nothing to set up. */
	case KVM_SET_TSS_ADDR:
		return 0;
	case KVM_SET_IDENTITY_MAP_ADDR: {
		u64 addr;

		return copy_from_user(&addr, argp, sizeof(addr)) ? -EFAULT : 0;
	}
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
