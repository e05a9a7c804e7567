// SPDX-License-Identifier: GPL-2.0
/*
 * vtx: a small hypervisor module on Intel VT-x that speaks the KVM API.
 *
 * Load order: check and enter VMX on every CPU (vmx/), then open
 * /dev/vtx (module/dev.c).  Unload is the reverse; the device holds a
 * module reference while any fd is open, so VMX never goes away under one.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "vtx.h"
#include "../vmx/vmx.h"

static bool vpid = true;
module_param(vpid, bool, 0444);
MODULE_PARM_DESC(vpid,
		 "Tag guest TLB entries with a VPID when the CPU supports it (default: on)");

static bool lock_feature_control = true;
module_param(lock_feature_control, bool, 0444);
MODULE_PARM_DESC(lock_feature_control,
		 "Enable VMX in IA32_FEATURE_CONTROL and lock it on a CPU whose firmware left it unlocked (default: on)");

struct vtx_counters vtx_counters;

static int __init vtx_init(void)
{
	struct vtx_vmx_options opt = {
		.vpid = vpid,
		.lock_feature_control = lock_feature_control,
	};
	int r;

	r = vtx_vmx_init(&opt);
	if (r)
		return r;
	vtx_debugfs_init();
	r = vtx_dev_register();
	if (r) {
		vtx_debugfs_exit();
		vtx_vmx_exit();
		return r;
	}
	return 0;
}

static void __exit vtx_exit(void)
{
	vtx_dev_unregister();
	vtx_debugfs_exit();
	vtx_vmx_exit();
}

module_init(vtx_init);
module_exit(vtx_exit);

MODULE_DESCRIPTION("vtx: a small Intel VT-x hypervisor serving a subset of the KVM API");
MODULE_AUTHOR("The vtx developers");
MODULE_LICENSE("GPL");
