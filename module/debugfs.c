// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/vtx/: module-wide counts, for people and for the leak
 * checks of the selftests.  Not a stable ABI (VTX_GET_STATUS is).
 */
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/slab.h>

#include "vtx.h"
#include "../vmx/vmx.h"

static struct dentry *vtx_debugfs_dir;

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
}

void vtx_debugfs_exit(void)
{
	debugfs_remove_recursive(vtx_debugfs_dir);
}
