/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What module/ may ask of the VMX layer.
 */
#ifndef _VTX_VMX_H
#define _VTX_VMX_H

#include <linux/cpumask.h>
#include "lib/caps.h"

struct vtx_vmx_options {
	bool vpid;			/* use VPID when the CPU has it */
	bool lock_feature_control;	/* lock IA32_FEATURE_CONTROL if unlocked */
};

int vtx_vmx_init(const struct vtx_vmx_options *opt);
void vtx_vmx_exit(void);

/* The one snapshot of capabilities and controls, valid after init. */
const struct vtx_vmcs_config *vtx_vmx_config(void);

/* CPUs in vtx's VMX operation, by bookkeeping and by asking each CPU. */
void vtx_vmx_query_cpus(struct cpumask *vmxon, struct cpumask *probed);

/* VMXON regions and VMCS pages that vtx holds now. */
long vtx_vmx_nr_vmcs_pages(void);
void vtx_vmx_account_vmcs(long pages);

/* The host has XSAVE on: guests get XCR0, CPUID's XSAVE, KVM_CAP_XCRS. */
bool vtx_xsave_enabled(void);

#endif /* _VTX_VMX_H */
