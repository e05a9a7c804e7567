// SPDX-License-Identifier: GPL-2.0
/*
 * The L1D flush mode before VM entry (see l1tf.h): kvm-intel's
 * vmx_setup_l1d_flush() with its module parameter at "auto", the default.
 */
#include "l1tf.h"

enum vtx_l1d_flush vtx_l1d_flush_mode(bool affected, bool skip_vmentry_flush,
				      enum vtx_l1tf_policy policy)
{
	if (!affected || skip_vmentry_flush)
		return VTX_L1D_FLUSH_NEVER;
	switch (policy) {
	case VTX_L1TF_POLICY_OFF:
		return VTX_L1D_FLUSH_NEVER;
	case VTX_L1TF_POLICY_FULL:
		return VTX_L1D_FLUSH_ALWAYS;
	case VTX_L1TF_POLICY_FLUSH:
	default:
		return VTX_L1D_FLUSH_COND;
	}
}
