// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU fds: KVM_RUN, the registers, CPUID, and the mmap of struct kvm_run
 * (page 0) and the port-I/O data page (page 1).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/kvm.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/processor.h>
#include <asm/tsc.h>

#include "vtx.h"
#include "lib/abi.h"

/* As many CPUID entries as KVM takes (its KVM_MAX_CPUID_ENTRIES). */
#define VTX_MAX_CPUID_ENTRIES	256
/* KVM's MAX_IO_MSRS. */
#define VTX_MAX_MSR_ENTRIES	256

/*
 * Guest memory for vmx/'s exit handlers.  RAM the guest has not touched
 * yet is not pinned: the handler learns so from v->ram_fault, and has the
 * run loop map it (sleeping, outside the handler) and retry the exit.
 */
static int vtx_vcpu_read_guest(struct vtx_vmx_vcpu *v, u64 gpa, void *buf,
			       unsigned int len)
{
	struct vtx_vcpu *vcpu = container_of(v, struct vtx_vcpu, vmx);
	int r = vtx_vm_read_guest(vcpu->vm, gpa, buf, len, &v->ram_fault_gpa);

	if (r == -EAGAIN)
		v->ram_fault = true;
	return r;
}

static int vtx_vcpu_write_guest(struct vtx_vmx_vcpu *v, u64 gpa,
				const void *buf, unsigned int len)
{
	struct vtx_vcpu *vcpu = container_of(v, struct vtx_vcpu, vmx);
	int r = vtx_vm_write_guest(vcpu->vm, gpa, buf, len, &v->ram_fault_gpa);

	if (r == -EAGAIN)
		v->ram_fault = true;
	return r;
}

static bool vtx_vcpu_is_ram(struct vtx_vmx_vcpu *v, u64 gpa, bool write)
{
	return vtx_vm_is_ram(container_of(v, struct vtx_vcpu, vmx)->vm, gpa,
			     write);
}

static int vtx_vcpu_map_ram(struct vtx_vmx_vcpu *v, u64 gpa)
{
	return vtx_vm_map_ram(container_of(v, struct vtx_vcpu, vmx)->vm, gpa);
}

/* KVM_SET_CPUID2: the table the guest's CPUID answers from. */
static long vtx_vcpu_set_cpuid(struct vtx_vcpu *vcpu,
			       struct kvm_cpuid2 __user *uc)
{
	struct kvm_cpuid_entry2 *e;
	struct kvm_cpuid2 c;

	if (copy_from_user(&c, uc, sizeof(c)))
		return -EFAULT;
	if (c.nent > VTX_MAX_CPUID_ENTRIES)
		return -E2BIG;
	e = vmemdup_user(uc->entries, array_size(c.nent, sizeof(*e)));
	if (IS_ERR(e))
		return PTR_ERR(e);
	kvfree(vcpu->cpuid);
	vcpu->cpuid = e;
	vcpu->vmx.cpuid = e;
	vcpu->vmx.cpuid_nent = c.nent;
	return 0;
}

/*
 * KVM_GET_CPUID2: the table KVM_SET_CPUID2 set (none: no entries).  As
 * kvm-intel since Linux 6.5 (arch/x86/kvm/cpuid.c): E2BIG when it does
 * not fit, nent left as it was; else nent becomes the table's size.
 * (6.1 left nent as it was on success too.)
 */
static long vtx_vcpu_get_cpuid(struct vtx_vcpu *vcpu,
			       struct kvm_cpuid2 __user *uc)
{
	struct kvm_cpuid2 c;

	if (copy_from_user(&c, uc, sizeof(c)))
		return -EFAULT;
	if (c.nent < vcpu->vmx.cpuid_nent)
		return -E2BIG;
	c.nent = vcpu->vmx.cpuid_nent;
	if (copy_to_user(uc->entries, vcpu->cpuid,
			 array_size(c.nent, sizeof(*vcpu->cpuid))) ||
	    copy_to_user(uc, &c, sizeof(c)))
		return -EFAULT;
	return 0;
}

/*
 * KVM_GET_MSRS / KVM_SET_MSRS: as in KVM, the return value is how many
 * entries were done; the first MSR vtx does not virtualize stops it.
 */
static long vtx_vcpu_msrs(struct vtx_vcpu *vcpu, struct kvm_msrs __user *um,
			  bool set)
{
	struct kvm_msr_entry e;
	struct kvm_msrs m;
	u32 i;

	if (copy_from_user(&m, um, sizeof(m)))
		return -EFAULT;
	if (m.nmsrs >= VTX_MAX_MSR_ENTRIES)
		return -E2BIG;
	for (i = 0; i < m.nmsrs; i++) {
		if (copy_from_user(&e, &um->entries[i], sizeof(e)))
			return -EFAULT;
		if (set ? vtx_vmx_set_msr(&vcpu->vmx, e.index, e.data) :
			  vtx_vmx_get_msr(&vcpu->vmx, e.index, &e.data))
			break;
		if (!set && copy_to_user(&um->entries[i].data, &e.data,
					 sizeof(e.data)))
			return -EFAULT;
	}
	return i;
}

/*
 * VTX_GET_VCPU_STATS: exits by reason, with their names from the one table
 * of exit reasons, so that user space needs no VMX knowledge to print them.
 * Sized by the caller, as VTX_GET_STATUS.
 */
static long vtx_vcpu_get_stats(struct vtx_vcpu *vcpu,
			       struct vtx_vcpu_stats __user *ustats)
{
	const struct vtx_vmx_vcpu *v = &vcpu->vmx;
	struct vtx_vcpu_stats *st;
	u32 user_size, copy, i;
	const char *name;
	long r;

	if (get_user(user_size, &ustats->size))
		return -EFAULT;
	r = vtx_status_copy_size(user_size, sizeof(*st), &copy);
	if (r)
		return r;
	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	st->size = copy;
	st->nr_reasons = min_t(u32, VTX_NR_EXIT_REASONS, VTX_STATS_MAX_REASONS);
	st->entries = v->nr_entries;
	st->exits_to_user = v->nr_exits_to_user;
	st->l1d_flushes = v->nr_l1d_flushes;
	for (i = 0; i < st->nr_reasons; i++) {
		st->reason[i].count = v->nr_exits[i];
		st->reason[i].tsc = v->exit_tsc[i];
		name = vtx_exit_reason_name(i);
		if (name)
			strscpy(st->reason[i].name, name, VTX_EXIT_NAME_LEN);
	}
	r = copy_to_user(ustats, st, copy) ? -EFAULT : 0;
	kfree(st);
	return r;
}

/* KVM_GET_XSAVE / KVM_SET_XSAVE: 4 KiB, too large for the stack. */
static long vtx_vcpu_xsave(struct vtx_vcpu *vcpu, void __user *argp, bool set)
{
	struct kvm_xsave *x = kzalloc(sizeof(*x), GFP_KERNEL);
	long r;

	if (!x)
		return -ENOMEM;
	if (set) {
		r = copy_from_user(x, argp, sizeof(*x)) ? -EFAULT :
		    vtx_vmx_set_xsave(&vcpu->vmx, x);
	} else {
		vtx_vmx_get_xsave(&vcpu->vmx, x);
		r = copy_to_user(argp, x, sizeof(*x)) ? -EFAULT : 0;
	}
	kfree(x);
	return r;
}

static long vtx_vcpu_ioctl(struct file *file, unsigned int ioctl,
			   unsigned long arg)
{
	struct vtx_vcpu *vcpu = file->private_data;
	void __user *argp = (void __user *)arg;
	long r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;

	switch (ioctl) {
	case KVM_RUN:
		r = arg ? -EINVAL : vtx_vmx_vcpu_run(&vcpu->vmx);
		break;
	case KVM_GET_REGS: {
		struct kvm_regs regs;

		vtx_vmx_get_regs(&vcpu->vmx, &regs);
		r = copy_to_user(argp, &regs, sizeof(regs)) ? -EFAULT : 0;
		break;
	}
	case KVM_SET_REGS: {
		struct kvm_regs regs;

		r = copy_from_user(&regs, argp, sizeof(regs)) ? -EFAULT :
		    vtx_vmx_set_regs(&vcpu->vmx, &regs);
		break;
	}
	case KVM_GET_SREGS: {
		struct kvm_sregs sregs;

		vtx_vmx_get_sregs(&vcpu->vmx, &sregs);
		r = copy_to_user(argp, &sregs, sizeof(sregs)) ? -EFAULT : 0;
		break;
	}
	case KVM_SET_SREGS: {
		struct kvm_sregs sregs;

		r = copy_from_user(&sregs, argp, sizeof(sregs)) ? -EFAULT :
		    vtx_vmx_set_sregs(&vcpu->vmx, &sregs);
		break;
	}
	case KVM_SET_CPUID2:
		r = vtx_vcpu_set_cpuid(vcpu, argp);
		break;
	case KVM_GET_CPUID2:
		r = vtx_vcpu_get_cpuid(vcpu, argp);
		break;
	case KVM_GET_FPU: {
		struct kvm_fpu fpu;

		vtx_vmx_get_fpu(&vcpu->vmx, &fpu);
		r = copy_to_user(argp, &fpu, sizeof(fpu)) ? -EFAULT : 0;
		break;
	}
	case KVM_SET_FPU: {
		struct kvm_fpu fpu;

		r = copy_from_user(&fpu, argp, sizeof(fpu)) ? -EFAULT :
		    vtx_vmx_set_fpu(&vcpu->vmx, &fpu);
		break;
	}
	case KVM_GET_MSRS:
		r = vtx_vcpu_msrs(vcpu, argp, false);
		break;
	case KVM_SET_MSRS:
		r = vtx_vcpu_msrs(vcpu, argp, true);
		break;
	case KVM_INTERRUPT: {
		struct kvm_interrupt irq;

		r = copy_from_user(&irq, argp, sizeof(irq)) ? -EFAULT :
		    vtx_vmx_queue_interrupt(&vcpu->vmx, irq.irq);
		break;
	}
	case KVM_NMI:
		r = vtx_vmx_queue_nmi(&vcpu->vmx);
		break;
	case KVM_GET_VCPU_EVENTS: {
		struct kvm_vcpu_events ev;

		vtx_vmx_get_vcpu_events(&vcpu->vmx, &ev);
		r = copy_to_user(argp, &ev, sizeof(ev)) ? -EFAULT : 0;
		break;
	}
	case KVM_SET_VCPU_EVENTS: {
		struct kvm_vcpu_events ev;

		r = copy_from_user(&ev, argp, sizeof(ev)) ? -EFAULT :
		    vtx_vmx_set_vcpu_events(&vcpu->vmx, &ev);
		break;
	}
	/*
	 * With a userspace irqchip the VMM runs INIT and SIPI itself (it
	 * writes the registers): a vCPU is always runnable, the only state
	 * KVM then takes too.
	 */
	case KVM_GET_MP_STATE: {
		struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };

		r = copy_to_user(argp, &mp, sizeof(mp)) ? -EFAULT : 0;
		break;
	}
	case KVM_SET_MP_STATE: {
		struct kvm_mp_state mp;

		r = copy_from_user(&mp, argp, sizeof(mp)) ? -EFAULT :
		    mp.mp_state == KVM_MP_STATE_RUNNABLE ? 0 : -EINVAL;
		break;
	}
	case KVM_GET_XSAVE:
	case KVM_SET_XSAVE:
		r = vtx_vcpu_xsave(vcpu, argp, ioctl == KVM_SET_XSAVE);
		break;
	case KVM_GET_XCRS: {
		struct kvm_xcrs x;

		vtx_vmx_get_xcrs(&vcpu->vmx, &x);
		r = copy_to_user(argp, &x, sizeof(x)) ? -EFAULT : 0;
		break;
	}
	case KVM_SET_XCRS: {
		struct kvm_xcrs x;

		r = copy_from_user(&x, argp, sizeof(x)) ? -EFAULT :
		    vtx_vmx_set_xcrs(&vcpu->vmx, &x);
		break;
	}
	case KVM_GET_DEBUGREGS: {
		struct kvm_debugregs d;

		vtx_vmx_get_debugregs(&vcpu->vmx, &d);
		r = copy_to_user(argp, &d, sizeof(d)) ? -EFAULT : 0;
		break;
	}
	case KVM_SET_DEBUGREGS: {
		struct kvm_debugregs d;

		r = copy_from_user(&d, argp, sizeof(d)) ? -EFAULT :
		    vtx_vmx_set_debugregs(&vcpu->vmx, &d);
		break;
	}
	/* The guest's TSC ticks at the host's rate: no TSC scaling. */
	case KVM_GET_TSC_KHZ:
		r = arg ? -EINVAL : tsc_khz;
		break;
	case KVM_X86_SETUP_MCE: {
		u64 mcg_cap;

		r = copy_from_user(&mcg_cap, argp, sizeof(mcg_cap)) ? -EFAULT :
		    vtx_vmx_setup_mce(&vcpu->vmx, mcg_cap);
		break;
	}
	case VTX_GET_VCPU_STATS:
		r = vtx_vcpu_get_stats(vcpu, argp);
		break;
	case VTX_GET_VMCS:
		r = vtx_vcpu_get_vmcs(vcpu, argp);
		break;
	default:
		r = -ENOTTY;
	}
	mutex_unlock(&vcpu->mutex);
	return r;
}

static vm_fault_t vtx_vcpu_fault(struct vm_fault *vmf)
{
	struct vtx_vcpu *vcpu = vmf->vma->vm_file->private_data;

	if (vmf->pgoff >= VTX_VCPU_MMAP_PAGES)
		return VM_FAULT_SIGBUS;
	vmf->page = vcpu->pages[vmf->pgoff];
	get_page(vmf->page);
	return 0;
}

static const struct vm_operations_struct vtx_vcpu_vm_ops = {
	.fault = vtx_vcpu_fault,
};

static int vtx_vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	vma->vm_ops = &vtx_vcpu_vm_ops;
	return 0;
}

static void vtx_vcpu_free(struct vtx_vcpu *vcpu)
{
	int i;

	for (i = 0; i < VTX_VCPU_MMAP_PAGES; i++)
		if (vcpu->pages[i])
			__free_page(vcpu->pages[i]);
	kvfree(vcpu->cpuid);
	kfree(vcpu);
}

static int vtx_vcpu_release(struct inode *inode, struct file *file)
{
	struct vtx_vcpu *vcpu = file->private_data;
	struct vtx_vm *vm = vcpu->vm;

	/* Under the lock: creation adds the directory after the fd exists. */
	mutex_lock(&vm->lock);
	vtx_debugfs_vcpu_remove(vcpu);
	vm->vcpus[vcpu->id] = NULL;
	mutex_unlock(&vm->lock);
	vtx_vmx_vcpu_destroy(&vcpu->vmx);
	vtx_vcpu_free(vcpu);
	atomic_long_dec(&vtx_counters.vcpus);
	vtx_vm_put(vm);
	return 0;
}

static const struct file_operations vtx_vcpu_fops = {
	.owner		= THIS_MODULE,
	.release	= vtx_vcpu_release,
	.unlocked_ioctl	= vtx_vcpu_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= vtx_vcpu_mmap,
	.llseek		= noop_llseek,
};

int vtx_vcpu_create(struct vtx_vm *vm, unsigned long id)
{
	struct vtx_vcpu *vcpu;
	int fd, r, i;

	if (id >= VTX_MAX_VCPUS)
		return -EINVAL;
	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return -ENOMEM;
	vcpu->vm = vm;
	vcpu->id = id;
	mutex_init(&vcpu->mutex);
	for (i = 0; i < VTX_VCPU_MMAP_PAGES; i++) {
		vcpu->pages[i] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		if (!vcpu->pages[i]) {
			vtx_vcpu_free(vcpu);
			return -ENOMEM;
		}
	}
	vcpu->vmx.run = page_address(vcpu->pages[0]);
	vcpu->vmx.pio_data = page_address(vcpu->pages[1]);
	vcpu->vmx.read_guest = vtx_vcpu_read_guest;
	vcpu->vmx.write_guest = vtx_vcpu_write_guest;
	vcpu->vmx.is_ram = vtx_vcpu_is_ram;
	vcpu->vmx.map_ram = vtx_vcpu_map_ram;
	vcpu->vmx.tsc_sync = &vm->tsc_sync;

	mutex_lock(&vm->lock);
	if (vm->vcpus[id]) {
		r = -EEXIST;
		goto fail;
	}
	vcpu->vmx.id = id;
	r = vtx_vmx_vcpu_create(&vcpu->vmx, vm->ept.eptp);
	if (r)
		goto fail;
	kref_get(&vm->ref);
	atomic_long_inc(&vtx_counters.vcpus);
	fd = anon_inode_getfd("vtx-vcpu", &vtx_vcpu_fops, vcpu,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		mutex_unlock(&vm->lock);
		/* The release path is not taken without a file: undo here. */
		vtx_vmx_vcpu_destroy(&vcpu->vmx);
		atomic_long_dec(&vtx_counters.vcpus);
		vtx_vcpu_free(vcpu);
		vtx_vm_put(vm);
		return fd;
	}
	vm->vcpus[id] = vcpu;
	vtx_debugfs_vcpu_add(vcpu);
	mutex_unlock(&vm->lock);
	return fd;
fail:
	mutex_unlock(&vm->lock);
	vtx_vcpu_free(vcpu);
	return r;
}

/*
 * KVM_GET_SUPPORTED_CPUID: the host's leaves that vtx passes through,
 * filtered as a guest without a table sees them (vmx/lib/cpuid.c).
 */
long vtx_get_supported_cpuid(struct kvm_cpuid2 __user *uc)
{
	static const u32 leaves[][2] = {
		{ 0, 0 }, { 1, 0 }, { 7, 0 }, { 0xd, 0 }, { 0xd, 1 },
		{ 0x80000000, 0 }, { 0x80000001, 0 }, { 0x80000008, 0 },
	};
	struct kvm_cpuid_entry2 e[ARRAY_SIZE(leaves)];
	struct kvm_cpuid2 c;
	unsigned int i;
	u32 r[4];

	if (copy_from_user(&c, uc, sizeof(c)))
		return -EFAULT;
	if (c.nent < ARRAY_SIZE(leaves))
		return -E2BIG;
	memset(e, 0, sizeof(e));
	for (i = 0; i < ARRAY_SIZE(leaves); i++) {
		e[i].function = leaves[i][0];
		e[i].index = leaves[i][1];
		if (e[i].function == 7 || e[i].function == 0xd)
			e[i].flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
		vtx_cpuid_host(e[i].function, e[i].index, r);
		e[i].eax = r[0];
		e[i].ebx = r[1];
		e[i].ecx = r[2];
		e[i].edx = r[3];
	}
	c.nent = ARRAY_SIZE(leaves);
	if (copy_to_user(uc, &c, sizeof(c)) ||
	    copy_to_user(uc->entries, e, sizeof(e)))
		return -EFAULT;
	return 0;
}

/* KVM_GET_MSR_INDEX_LIST: the MSRs KVM_GET_MSRS can read. */
long vtx_get_msr_index_list(struct kvm_msr_list __user *ul)
{
	unsigned int total = vtx_msr_index_list(NULL, 0);
	struct kvm_msr_list l;
	u32 *list;
	long r;
	u32 n;

	if (copy_from_user(&l, ul, sizeof(l)))
		return -EFAULT;
	n = l.nmsrs;
	l.nmsrs = total;
	if (copy_to_user(ul, &l, sizeof(l)))
		return -EFAULT;
	if (n < total)
		return -E2BIG;
	list = kcalloc(total, sizeof(*list), GFP_KERNEL);
	if (!list)
		return -ENOMEM;
	vtx_msr_index_list(list, total);
	r = copy_to_user(ul->indices, list, total * sizeof(*list)) ? -EFAULT : 0;
	kfree(list);
	return r;
}

/* KVM_X86_GET_MCE_CAP_SUPPORTED: the MCG_CAP bits KVM_X86_SETUP_MCE takes. */
long vtx_get_mce_cap_supported(u64 __user *ucap)
{
	u64 cap = VTX_MCE_CAP_SUPPORTED;

	return copy_to_user(ucap, &cap, sizeof(cap)) ? -EFAULT : 0;
}
