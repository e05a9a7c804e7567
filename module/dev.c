// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vtx: the system fd of the KVM API, plus vtx's own ioctls.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/kvm.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <uapi/vtx.h>
#include "vtx.h"
#include "lib/abi.h"
#include "../vmx/vmx.h"

/* Fill @st from the module's state; cpumasks are too big for the stack. */
static int vtx_fill_status(struct vtx_status *st)
{
	cpumask_var_t vmxon, probed;
	unsigned int cpu;

	if (!zalloc_cpumask_var(&vmxon, GFP_KERNEL))
		return -ENOMEM;
	if (!zalloc_cpumask_var(&probed, GFP_KERNEL)) {
		free_cpumask_var(vmxon);
		return -ENOMEM;
	}
	vtx_vmx_query_cpus(vmxon, probed);

	st->api_version = VTX_KVM_API_VERSION;
	st->nr_online_cpus = num_online_cpus();
	st->nr_vmxon_cpus = cpumask_weight(vmxon);
	st->nr_vmx_probed_cpus = cpumask_weight(probed);
	st->vmcs_revision_id = vtx_vmx_config()->revision_id;
	st->vmcs_size = vtx_vmx_config()->vmcs_size;
	for_each_cpu(cpu, vmxon)
		if (cpu < VTX_STATUS_MAX_CPUS)
			st->vmxon_mask[cpu / 64] |= 1ULL << (cpu % 64);
	for_each_cpu(cpu, probed)
		if (cpu < VTX_STATUS_MAX_CPUS)
			st->vmx_probed_mask[cpu / 64] |= 1ULL << (cpu % 64);
	st->nr_vms = atomic_long_read(&vtx_counters.vms);
	st->nr_vcpus = atomic_long_read(&vtx_counters.vcpus);
	st->pinned_pages = atomic_long_read(&vtx_counters.pinned_pages);
	st->vmcs_pages = vtx_vmx_nr_vmcs_pages();

	free_cpumask_var(probed);
	free_cpumask_var(vmxon);
	return 0;
}

/* VTX_GET_STATUS: sized by the caller, so old and new binaries both work. */
static long vtx_ioctl_get_status(struct vtx_status __user *ustatus)
{
	struct vtx_status st = { 0 };
	u32 user_size, copy;
	int r;

	if (get_user(user_size, &ustatus->size))
		return -EFAULT;
	r = vtx_status_copy_size(user_size, sizeof(st), &copy);
	if (r)
		return r;
	r = vtx_fill_status(&st);
	if (r)
		return r;
	st.size = copy;
	return copy_to_user(ustatus, &st, copy) ? -EFAULT : 0;
}

static long vtx_dev_ioctl(struct file *file, unsigned int ioctl,
			  unsigned long arg)
{
	switch (ioctl) {
	case KVM_GET_API_VERSION:
		/* KVM refuses an argument here; so does vtx. */
		return arg ? -EINVAL : VTX_KVM_API_VERSION;
	case KVM_CHECK_EXTENSION:
		return vtx_check_extension((long)arg, vtx_xsave_enabled());
	case KVM_GET_VCPU_MMAP_SIZE:
		return arg ? -EINVAL : VTX_VCPU_MMAP_PAGES * PAGE_SIZE;
	case KVM_CREATE_VM:
		return vtx_vm_create(arg);
	case KVM_GET_SUPPORTED_CPUID:
		return vtx_get_supported_cpuid((struct kvm_cpuid2 __user *)arg);
	case KVM_GET_MSR_INDEX_LIST:
		return vtx_get_msr_index_list((struct kvm_msr_list __user *)arg);
	case KVM_X86_GET_MCE_CAP_SUPPORTED:
		return vtx_get_mce_cap_supported((u64 __user *)arg);
	case VTX_GET_STATUS:
		return vtx_ioctl_get_status((struct vtx_status __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations vtx_dev_fops = {
	.owner		= THIS_MODULE,
	.open		= nonseekable_open,
	.unlocked_ioctl	= vtx_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice vtx_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= VTX_DEVICE_NAME,
	.fops	= &vtx_dev_fops,
};

int vtx_dev_register(void)
{
	int r = misc_register(&vtx_miscdev);

	if (r)
		pr_err("cannot register /dev/%s: %d\n", VTX_DEVICE_NAME, r);
	return r;
}

void vtx_dev_unregister(void)
{
	misc_deregister(&vtx_miscdev);
}
