/* SPDX-License-Identifier: GPL-2.0 */
/*
 * module/: the device and the ABI.  Calls into vmx/ and ept/, never the
 * other way round.
 */
#ifndef _VTX_MODULE_H
#define _VTX_MODULE_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>
#include <uapi/vtx.h>
#include "../ept/ept.h"
#include "../vmx/vcpu.h"

/* Module-wide counts of what user space holds, for VTX_GET_STATUS. */
struct vtx_counters {
	atomic_long_t vms;
	atomic_long_t vcpus;
	atomic_long_t pinned_pages;
};

extern struct vtx_counters vtx_counters;

struct vtx_memslot {
	bool used;
	bool writable;			/* pinned for writing */
	u32 flags;
	u64 gpa, uaddr;
	unsigned long npages;
	unsigned long nr_pinned;
	/* Page index -> the pinned page, for the pages the guest touched:
	 * sparse, so that a slot may be far larger than what it uses.
	 */
	struct xarray *pages;
	/* KVM_MEM_LOG_DIRTY_PAGES: the log (ept/lib/dirty.h), else NULL.
	 * Changed with slots_lock held.  While it logs, a page's EPT entry
	 * allows writes only if its bit is set: the first write after the
	 * bit is cleared faults, and the fault sets it.
	 */
	u64 *dirty_bitmap;
};

struct vtx_vcpu;

struct vtx_vm {
	struct kref ref;		/* the VM fd and each vCPU */
	struct mutex lock;		/* slots and vCPU creation */
	/* Also held, briefly, to change the slots and their pages[]: exit
	 * handlers look them up with it, in atomic context (preemption off
	 * for the guest's FPU state).  Raw: under PREEMPT_RT a spinlock_t
	 * sleeps, which that context forbids.  Nothing that may sleep, or
	 * that takes a spinlock_t (xa_store(), xa_erase()), runs under it.
	 */
	raw_spinlock_t slots_lock;
	struct vtx_memslot slots[VTX_MAX_SLOTS];
	struct vtx_ept ept;
	bool ept_2m;
	/* KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2's args[0]; the VM's lock. */
	u64 manual_dirty_log;
	struct vtx_vcpu *vcpus[VTX_MAX_VCPUS];
	struct mm_struct *mm;
	struct dentry *debugfs;		/* vm-<pid>-<n>/ */
	struct vtx_tsc_sync tsc_sync;	/* one TSC for all its vCPUs */
};

struct vtx_vcpu {
	struct vtx_vm *vm;
	unsigned int id;
	struct mutex mutex;		/* one ioctl at a time */
	/* What mmap of the vCPU fd shows: kvm_run, then the I/O data page. */
	struct page *pages[VTX_VCPU_MMAP_PAGES];
	struct kvm_cpuid_entry2 *cpuid;
	struct dentry *debugfs;		/* vcpu<id>/ in the VM's */
	struct vtx_vmx_vcpu vmx;
};

int vtx_vm_create(unsigned long type);
void vtx_vm_put(struct vtx_vm *vm);
/*
 * Guest memory for exit handlers (atomic context): copy through the
 * pinned pages; -EAGAIN with *@unpinned set where guest RAM is not pinned
 * yet, -EFAULT where there is none (or a write to a read-only slot).
 */
int vtx_vm_read_guest(struct vtx_vm *vm, u64 gpa, void *buf, unsigned int len,
		      u64 *unpinned);
/* Is @gpa guest RAM that the access may use (a write: a writable slot)? */
bool vtx_vm_is_ram(struct vtx_vm *vm, u64 gpa, bool write);
/* Pin and map the RAM page at @gpa, if it is RAM and not mapped; sleeps. */
int vtx_vm_map_ram(struct vtx_vm *vm, u64 gpa);
int vtx_vm_write_guest(struct vtx_vm *vm, u64 gpa, const void *buf,
		       unsigned int len, u64 *unpinned);
int vtx_vcpu_create(struct vtx_vm *vm, unsigned long id);

/* Dirty-page logging (module/dirty.c); the VM's lock held unless said. */
u64 *vtx_dirty_log_alloc(struct vtx_vm *vm, unsigned long npages);
/* KVM_MR_FLAGS_ONLY: KVM_MEM_LOG_DIRTY_PAGES set or cleared on @s. */
int vtx_dirty_log_set_flags(struct vtx_vm *vm, struct vtx_memslot *s,
			    u32 flags);
/* Another fault on mapped page @i of @s: a write that logging stopped. */
int vtx_dirty_log_write_fault(struct vtx_vm *vm, struct vtx_memslot *s,
			      unsigned long i);
/* May page @i of @s be mapped writable now? */
bool vtx_dirty_log_may_write(struct vtx_vm *vm, struct vtx_memslot *s,
			     unsigned long i);
/* The ioctls; they take the VM's lock. */
long vtx_vm_get_dirty_log(struct vtx_vm *vm, struct kvm_dirty_log __user *u);
long vtx_vm_clear_dirty_log(struct vtx_vm *vm,
			    struct kvm_clear_dirty_log __user *u);
long vtx_vm_enable_cap(struct vtx_vm *vm, struct kvm_enable_cap __user *u);
long vtx_get_supported_cpuid(struct kvm_cpuid2 __user *uc);
long vtx_get_msr_index_list(struct kvm_msr_list __user *ul);
long vtx_get_mce_cap_supported(u64 __user *ucap);

/* The study dumps (module/dump.c). */
long vtx_vcpu_get_vmcs(struct vtx_vcpu *vcpu, struct vtx_vmcs_dump __user *u);
long vtx_vm_get_ept_mappings(struct vtx_vm *vm,
			     struct vtx_ept_mappings __user *u);
long vtx_vm_get_ept_tree(struct vtx_vm *vm, struct vtx_ept_tree __user *u);

void vtx_debugfs_init(void);
void vtx_debugfs_exit(void);
void vtx_debugfs_vm_add(struct vtx_vm *vm);
void vtx_debugfs_vm_remove(struct vtx_vm *vm);
void vtx_debugfs_vcpu_add(struct vtx_vcpu *vcpu);
void vtx_debugfs_vcpu_remove(struct vtx_vcpu *vcpu);

int vtx_dev_register(void);
void vtx_dev_unregister(void);

#endif /* _VTX_MODULE_H */
