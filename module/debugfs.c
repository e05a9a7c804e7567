// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/vtx/: module-wide counts, for people and for the leak
 * checks of the selftests, and one directory per VM (vm-<pid>-<n>/) with
 * one per vCPU (vcpu<id>/exits: its VM exits by reason, with their
 * cumulative handling cost); l1d_flush says when vCPUs flush L1D before
 * entry (L1TF).  Not a stable ABI (VTX_GET_STATUS and
 * VTX_GET_VCPU_STATS are).
 */
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "vtx.h"
#include "../vmx/vmx.h"

static struct dentry *vtx_debugfs_dir;
static atomic_t vtx_debugfs_nr_vms;

static int vtx_get_vms(void *data, u64 *val)
{
	*val = atomic_long_read(&vtx_counters.vms);
	return 0;
}

static int vtx_get_vcpus(void *data, u64 *val)
{
	*val = atomic_long_read(&vtx_counters.vcpus);
	return 0;
}

static int vtx_get_pinned_pages(void *data, u64 *val)
{
	*val = atomic_long_read(&vtx_counters.pinned_pages);
	return 0;
}

static int vtx_get_vmcs_pages(void *data, u64 *val)
{
	*val = vtx_vmx_nr_vmcs_pages();
	return 0;
}

static int vtx_get_vmxon_cpus(void *data, u64 *val)
{
	cpumask_var_t on, probed;

	if (!zalloc_cpumask_var(&on, GFP_KERNEL))
		return -ENOMEM;
	if (!zalloc_cpumask_var(&probed, GFP_KERNEL)) {
		free_cpumask_var(on);
		return -ENOMEM;
	}
	vtx_vmx_query_cpus(on, probed);
	*val = cpumask_weight(probed);
	free_cpumask_var(probed);
	free_cpumask_var(on);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(vtx_vms_fops, vtx_get_vms, NULL, "%llu\n");
DEFINE_DEBUGFS_ATTRIBUTE(vtx_vcpus_fops, vtx_get_vcpus, NULL, "%llu\n");
DEFINE_DEBUGFS_ATTRIBUTE(vtx_pinned_fops, vtx_get_pinned_pages, NULL, "%llu\n");
DEFINE_DEBUGFS_ATTRIBUTE(vtx_vmcs_fops, vtx_get_vmcs_pages, NULL, "%llu\n");
DEFINE_DEBUGFS_ATTRIBUTE(vtx_vmxon_fops, vtx_get_vmxon_cpus, NULL, "%llu\n");

/* l1d_flush: when vtx flushes L1D before entry (vmx/vcpu.c, L1TF). */
static int vtx_l1d_flush_show(struct seq_file *m, void *unused)
{
	bool by_command;
	const char *mode = vtx_l1d_flush_describe(&by_command);

	seq_printf(m, "%s%s\n", mode, !strcmp(mode, "never") ? "" :
		   by_command ? " (FLUSH_L1D command)" : " (software: 64 KiB read)");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vtx_l1d_flush);

void vtx_debugfs_init(void)
{
	vtx_debugfs_dir = debugfs_create_dir("vtx", NULL);
	debugfs_create_file_unsafe("vms", 0444, vtx_debugfs_dir, NULL,
				   &vtx_vms_fops);
	debugfs_create_file_unsafe("vcpus", 0444, vtx_debugfs_dir, NULL,
				   &vtx_vcpus_fops);
	debugfs_create_file_unsafe("pinned_pages", 0444, vtx_debugfs_dir, NULL,
				   &vtx_pinned_fops);
	debugfs_create_file_unsafe("vmcs_pages", 0444, vtx_debugfs_dir, NULL,
				   &vtx_vmcs_fops);
	debugfs_create_file_unsafe("vmxon_cpus", 0444, vtx_debugfs_dir, NULL,
				   &vtx_vmxon_fops);
	debugfs_create_file("l1d_flush", 0444, vtx_debugfs_dir, NULL,
			    &vtx_l1d_flush_fops);
}

/*
 * vcpu<id>/exits.  The counters are read while the vCPU may run: each is
 * a naturally aligned u64, so a line may lag but is never torn.  The file
 * is removed (debugfs waits for readers) before the vCPU is freed.
 */
static int vtx_vcpu_exits_show(struct seq_file *m, void *unused)
{
	const struct vtx_vmx_vcpu *v = &((struct vtx_vcpu *)m->private)->vmx;
	unsigned int i;

	seq_printf(m, "# nr count tsc name; %llu entries, %llu exits to user space, %llu L1D flushes\n",
		   READ_ONCE(v->nr_entries), READ_ONCE(v->nr_exits_to_user),
		   READ_ONCE(v->nr_l1d_flushes));
	for (i = 0; i < VTX_NR_EXIT_REASONS; i++) {
		u64 count = READ_ONCE(v->nr_exits[i]);

		if (count)
			seq_printf(m, "%u %llu %llu %s\n", i, count,
				   READ_ONCE(v->exit_tsc[i]),
				   vtx_exit_reason_name(i) ?: "?");
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vtx_vcpu_exits);

void vtx_debugfs_vm_add(struct vtx_vm *vm)
{
	char name[32];

	snprintf(name, sizeof(name), "vm-%d-%d", task_tgid_nr(current),
		 atomic_inc_return(&vtx_debugfs_nr_vms));
	vm->debugfs = debugfs_create_dir(name, vtx_debugfs_dir);
}

void vtx_debugfs_vm_remove(struct vtx_vm *vm)
{
	debugfs_remove_recursive(vm->debugfs);
}

void vtx_debugfs_vcpu_add(struct vtx_vcpu *vcpu)
{
	char name[16];

	snprintf(name, sizeof(name), "vcpu%u", vcpu->id);
	vcpu->debugfs = debugfs_create_dir(name, vcpu->vm->debugfs);
	debugfs_create_file("exits", 0444, vcpu->debugfs, vcpu,
			    &vtx_vcpu_exits_fops);
}

void vtx_debugfs_vcpu_remove(struct vtx_vcpu *vcpu)
{
	debugfs_remove_recursive(vcpu->debugfs);
}

void vtx_debugfs_exit(void)
{
	debugfs_remove_recursive(vtx_debugfs_dir);
}
