// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the L1D flush policy (vmx/lib/l1tf.c): the mode follows
 * kvm-intel's vmx_setup_l1d_flush() at "auto", and "cond" flushes only
 * when the vCPU or the CPU ran host code since the last entry.
 */
#include "unit.h"
#include "vmx/lib/l1tf.h"

static void test_mode(void)
{
	CHECK_EQ(vtx_l1d_flush_mode(false, false, VTX_L1TF_POLICY_FULL),
		 VTX_L1D_FLUSH_NEVER, "CPU not affected: never, even l1tf=full");
	CHECK_EQ(vtx_l1d_flush_mode(true, true, VTX_L1TF_POLICY_FULL),
		 VTX_L1D_FLUSH_NEVER,
		 "ARCH_CAPABILITIES.SKIP_L1DFL_VMENTRY: never (the hypervisor below flushes)");
	CHECK_EQ(vtx_l1d_flush_mode(true, false, VTX_L1TF_POLICY_OFF),
		 VTX_L1D_FLUSH_NEVER, "l1tf=off: never");
	CHECK_EQ(vtx_l1d_flush_mode(true, false, VTX_L1TF_POLICY_FLUSH),
		 VTX_L1D_FLUSH_COND, "l1tf=flush (the default): cond");
	CHECK_EQ(vtx_l1d_flush_mode(true, false, VTX_L1TF_POLICY_FULL),
		 VTX_L1D_FLUSH_ALWAYS, "l1tf=full: always");
	CHECK_EQ(vtx_l1d_flush_mode(true, false, (enum vtx_l1tf_policy)7),
		 VTX_L1D_FLUSH_COND, "an unknown policy: cond, never less");
}

static void test_now(void)
{
	int v, c;

	for (v = 0; v < 2; v++)
		for (c = 0; c < 2; c++) {
			CHECK(!vtx_l1d_flush_now(VTX_L1D_FLUSH_NEVER, v, c),
			      "never: no flush (vCPU %d, CPU %d)", v, c);
			CHECK(vtx_l1d_flush_now(VTX_L1D_FLUSH_ALWAYS, v, c),
			      "always: flush (vCPU %d, CPU %d)", v, c);
			CHECK_EQ(vtx_l1d_flush_now(VTX_L1D_FLUSH_COND, v, c),
				 v || c, "cond: flush iff vCPU (%d) or CPU (%d) ran host code",
				 v, c);
		}
}

int main(void)
{
	test_mode();
	test_now();
	return unit_done();
}
