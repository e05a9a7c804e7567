// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of vmx/lib/caps.c: control adjustment from the capability
 * MSRs, the CR0/CR4 fixed bits, IA32_FEATURE_CONTROL, and the one
 * snapshot vtx decides at load.
 */
#include <string.h>
#include "unit.h"
#include "vmx/lib/caps.h"

/* The capability MSRs of Bochs 2.7's corei7_skylake_x, read in the PC. */
static const struct vtx_vmx_msrs bochs_skylake_x = {
	.basic		= 0x00d810000000002bULL,
	.pinbased	= 0x0000007f00000016ULL,
	.procbased	= 0xf7f9fffe0401e172ULL,
	.exit		= 0x007fffff00036dffULL,
	.entry		= 0x0000ffff000011ffULL,
	.misc		= 0x00000000600401e0ULL,
	.cr0_fixed0	= 0x0000000080000021ULL,
	.cr0_fixed1	= 0x00000000ffffffffULL,
	.cr4_fixed0	= 0x0000000000002000ULL,
	.cr4_fixed1	= 0x00000000003727ffULL,
	.procbased2	= 0x02177fff00000000ULL,
	.ept_vpid_cap	= 0x00000f0106334141ULL,
	.true_pinbased	= 0x0000007f00000016ULL,
	.true_procbased	= 0xf7f9fffe04006172ULL,
	.true_exit	= 0x007fffff00036dfbULL,
	.true_entry	= 0x0000ffff000011fbULL,
};

static const struct vtx_vmx_wishes with_vpid = { .vpid = true };

static void test_adjust_controls(void)
{
	u32 out = 0xdeadbeef;

	/* must-be-one bits come in even when not wanted */
	CHECK_EQ(vtx_adjust_controls(0x000000ff00000016ULL, 0, 0, &out), 0,
		 "adjust: nothing wanted succeeds");
	CHECK_EQ(out, 0x16, "adjust: allowed-0 (must-be-one) bits are set");

	/* optional bits the CPU does not allow are dropped silently */
	CHECK_EQ(vtx_adjust_controls(0x0000000f00000000ULL, 0x1, 0x30, &out),
		 0, "adjust: disallowed optional bits do not fail");
	CHECK_EQ(out, 0x1, "adjust: disallowed optional bits are dropped");

	/* a required bit the CPU does not allow fails, naming that bit */
	out = 0x1234;
	CHECK_EQ(vtx_adjust_controls(0x0000000f00000000ULL, 0x11, 0, &out),
		 0x10, "adjust: missing required bits are returned");
	CHECK_EQ(out, 0x1234, "adjust: output untouched on failure");

	/* a bit forced to 1 and forbidden at once is unsatisfiable */
	CHECK_EQ(vtx_adjust_controls(0x0000000100000003ULL, 0, 0, &out), 0x2,
		 "adjust: contradictory MSR bits are reported");

	/* bit 31 works (activate secondary controls lives there) */
	CHECK_EQ(vtx_adjust_controls(0x8000000000000000ULL, 0x80000000u, 0,
				     &out), 0, "adjust: bit 31 allowed");
	CHECK_EQ(out, 0x80000000u, "adjust: bit 31 set");
}

static void test_fixed_bits(void)
{
	const struct vtx_vmx_msrs *m = &bochs_skylake_x;

	/* A typical Linux CR0: PE|MP|ET|NE|WP|AM|PG. */
	CHECK_EQ(vtx_cr_fixed_violations(0x80050033, m->cr0_fixed0,
					 m->cr0_fixed1), 0,
		 "fixed: Linux's CR0 fits");
	CHECK_EQ(vtx_cr_fixed_violations(0x80050013, m->cr0_fixed0,
					 m->cr0_fixed1), VTX_CR0_NE,
		 "fixed: CR0 without NE names NE");
	CHECK_EQ(vtx_cr_fixed_violations(0x003506f0, m->cr4_fixed0,
					 m->cr4_fixed1), VTX_CR4_VMXE,
		 "fixed: CR4 without VMXE names VMXE");
	CHECK_EQ(vtx_cr_fixed_violations(0x003526f0, m->cr4_fixed0,
					 m->cr4_fixed1), 0,
		 "fixed: CR4 with VMXE fits");
	CHECK_EQ(vtx_cr_fixed_violations(0x013526f0, m->cr4_fixed0,
					 m->cr4_fixed1), 0x01000000,
		 "fixed: a CR4 bit outside fixed1 is named");
	CHECK_EQ(vtx_cr_apply_fixed(0, m->cr0_fixed0, m->cr0_fixed1),
		 0x80000021, "fixed: apply sets PE, NE, PG");
	CHECK_EQ(vtx_cr_apply_fixed(0x01000000, m->cr4_fixed0, m->cr4_fixed1),
		 0x2000, "fixed: apply clears disallowed, sets VMXE");
}

static void test_feature_control(void)
{
	u64 w = 1;

	CHECK_EQ(vtx_feature_control_plan(0x5, true, &w), 0,
		 "feature control: locked and enabled is fine");
	CHECK_EQ(w, 0, "feature control: locked means no write");
	CHECK_EQ(vtx_feature_control_plan(0x1, true, &w), -EOPNOTSUPP,
		 "feature control: locked without VMX is refused");
	CHECK_EQ(vtx_feature_control_plan(0x3, true, &w), -EOPNOTSUPP,
		 "feature control: VMX inside SMX only is refused");
	CHECK_EQ(vtx_feature_control_plan(0x0, true, &w), 0,
		 "feature control: unlocked may be locked");
	CHECK_EQ(w, 0x5, "feature control: writes lock + VMX outside SMX");
	CHECK_EQ(vtx_feature_control_plan(0x2, true, &w), 0,
		 "feature control: unlocked keeps other bits");
	CHECK_EQ(w, 0x7, "feature control: inside-SMX bit preserved");
	CHECK_EQ(vtx_feature_control_plan(0x0, false, &w), -EPERM,
		 "feature control: unlocked and not allowed to lock");
}

static void test_config_bochs(void)
{
	struct vtx_vmcs_config cfg;
	const char *missing = NULL;
	int r;

	r = vtx_vmcs_config_setup(&cfg, &bochs_skylake_x, &with_vpid, &missing);
	CHECK_EQ(r, 0, "config: Bochs skylake_x qualifies (%s)",
		 missing ? missing : "nothing missing");
	CHECK_EQ(cfg.revision_id, 0x2b, "config: revision id from BASIC");
	CHECK_EQ(cfg.vmcs_size, 4096, "config: VMCS size from BASIC");
	CHECK(cfg.true_controls, "config: TRUE controls are used");
	CHECK_EQ(cfg.ctl[VTX_WORD_PIN], 0x16 | VTX_PIN_EXT_INTR_EXITING |
		 VTX_PIN_NMI_EXITING | VTX_PIN_VIRTUAL_NMIS |
		 VTX_PIN_PREEMPTION_TIMER,
		 "config: pin-based controls");
	CHECK_EQ(cfg.preemption_timer_rate, 0, "config: preemption timer rate from MISC[4:0]");
	CHECK_EQ(cfg.ctl[VTX_WORD_PROC], 0x04006172 | VTX_PROC_HLT_EXITING |
		 VTX_PROC_USE_IO_BITMAPS | VTX_PROC_USE_MSR_BITMAPS |
		 VTX_PROC_SECONDARY_CONTROLS | VTX_PROC_CR8_LOAD_EXITING |
		 VTX_PROC_CR8_STORE_EXITING | VTX_PROC_MOV_DR_EXITING |
		 VTX_PROC_RDPMC_EXITING | VTX_PROC_MWAIT_EXITING |
		 VTX_PROC_MONITOR_EXITING | VTX_PROC_USE_TSC_OFFSETTING,
		 "config: primary controls from the TRUE MSR");
	CHECK(cfg.nmi_window && !(cfg.ctl[VTX_WORD_PROC] & VTX_PROC_NMI_WINDOW_EXITING),
	      "config: NMI-window exiting available (virtual NMIs), starts clear");
	CHECK(!(cfg.ctl[VTX_WORD_PROC] & VTX_PROC_CR3_LOAD_EXITING),
	      "config: TRUE controls let CR3-load exiting be 0");
	CHECK(!(cfg.ctl[VTX_WORD_PROC] & VTX_PROC_INTR_WINDOW_EXITING),
	      "config: toggled interrupt-window exiting starts clear");
	CHECK_EQ(cfg.ctl[VTX_WORD_PROC2], VTX_PROC2_ENABLE_EPT |
		 VTX_PROC2_UNRESTRICTED_GUEST | VTX_PROC2_ENABLE_VPID |
		 VTX_PROC2_WBINVD_EXITING | VTX_PROC2_ENABLE_RDTSCP |
		 VTX_PROC2_PAUSE_LOOP_EXITING,
		 "config: secondary controls: EPT, unrestricted, VPID, WBINVD, RDTSCP");
	CHECK(!(cfg.ctl[VTX_WORD_ENTRY] & VTX_ENTRY_IA32E_MODE_GUEST),
	      "config: IA-32e mode guest starts clear");
	CHECK(cfg.ctl[VTX_WORD_ENTRY] & VTX_ENTRY_LOAD_EFER,
	      "config: entry loads EFER");
	CHECK_EQ(cfg.ctl[VTX_WORD_EXIT] & (VTX_EXIT_HOST_ADDR_SPACE_SIZE |
		 VTX_EXIT_SAVE_EFER | VTX_EXIT_LOAD_EFER |
		 VTX_EXIT_ACK_INTR_ON_EXIT),
		 VTX_EXIT_HOST_ADDR_SPACE_SIZE | VTX_EXIT_SAVE_EFER |
		 VTX_EXIT_LOAD_EFER,
		 "config: exit controls: 64-bit host, EFER, no interrupt ack");
	CHECK(vtx_cfg_has_vpid(&cfg), "config: has VPID");
	CHECK(vtx_cfg_has_ept_2m(&cfg), "config: has 2M EPT pages");
	CHECK(vtx_cfg_has_invept_single(&cfg), "config: has single INVEPT");
}

/* Take one capability away and check the refusal names it. */
static void expect_missing(const char *what, struct vtx_vmx_msrs m,
			   const char *name)
{
	struct vtx_vmcs_config cfg;
	const char *missing = NULL;
	int r = vtx_vmcs_config_setup(&cfg, &m, &with_vpid, &missing);

	CHECK(r == -EOPNOTSUPP && missing && strstr(missing, name),
	      "config without %s is refused naming \"%s\" (got %d, \"%s\")",
	      what, name, r, missing ? missing : "");
}

static void test_config_missing(void)
{
	struct vtx_vmx_msrs m;

	m = bochs_skylake_x;
	m.procbased2 &= ~((u64)VTX_PROC2_UNRESTRICTED_GUEST << 32);
	expect_missing("unrestricted guest", m, "unrestricted guest");

	m = bochs_skylake_x;
	m.procbased2 &= ~((u64)VTX_PROC2_ENABLE_EPT << 32);
	expect_missing("EPT", m, "enable EPT");

	m = bochs_skylake_x;
	m.true_procbased &= ~((u64)VTX_PROC_SECONDARY_CONTROLS << 32);
	expect_missing("secondary controls", m, "activate secondary controls");

	m = bochs_skylake_x;
	m.true_pinbased &= ~((u64)VTX_PIN_NMI_EXITING << 32);
	expect_missing("NMI exiting", m, "NMI exiting");

	m = bochs_skylake_x;
	m.true_exit &= ~((u64)VTX_EXIT_LOAD_EFER << 32);
	expect_missing("load IA32_EFER on exit", m, "load IA32_EFER");

	m = bochs_skylake_x;
	m.true_entry &= ~((u64)VTX_ENTRY_IA32E_MODE_GUEST << 32);
	expect_missing("IA-32e mode guest", m, "IA-32e mode guest");

	m = bochs_skylake_x;
	m.ept_vpid_cap &= ~VTX_EPT_CAP_WALK_LENGTH_4;
	expect_missing("4-level EPT", m, "page-walk length 4");

	m = bochs_skylake_x;
	m.ept_vpid_cap &= ~VTX_EPT_CAP_MEMTYPE_WB;
	expect_missing("write-back EPT", m, "write-back");

	m = bochs_skylake_x;
	m.ept_vpid_cap &= ~(VTX_EPT_CAP_INVEPT_SINGLE | VTX_EPT_CAP_INVEPT_ALL);
	expect_missing("INVEPT types", m, "INVEPT");

	m = bochs_skylake_x;
	m.basic = (m.basic & ~(0x1fffULL << 32)) | (8192ULL << 32);
	expect_missing("a small VMCS", m, "4096 bytes");

	m = bochs_skylake_x;
	m.basic &= ~(0xfULL << 50);
	expect_missing("a write-back VMCS", m, "write-back VMCS");

	m = bochs_skylake_x;
	m.basic |= VTX_BASIC_32BIT_PHYS_ADDR_ONLY;
	expect_missing("64-bit VMX addresses", m, "above 4 GiB");
}

static void test_config_choices(void)
{
	struct vtx_vmx_wishes no_vpid = { .vpid = false };
	struct vtx_vmcs_config cfg, cfg2;
	struct vtx_vmx_msrs m;
	const char *missing;

	CHECK_EQ(vtx_vmcs_config_setup(&cfg, &bochs_skylake_x, &no_vpid,
				       &missing), 0, "choices: vpid=0 loads");
	CHECK(!vtx_cfg_has_vpid(&cfg), "choices: vpid=0 leaves VPID off");

	m = bochs_skylake_x;
	m.ept_vpid_cap &= ~VTX_VPID_CAP_INVVPID;
	CHECK_EQ(vtx_vmcs_config_setup(&cfg, &m, &with_vpid, &missing), 0,
		 "choices: no INVVPID still loads");
	CHECK(!vtx_cfg_has_vpid(&cfg), "choices: no INVVPID means no VPID");

	/* Without TRUE controls, the default-1 bits of the old MSRs stay. */
	m = bochs_skylake_x;
	m.basic &= ~VTX_BASIC_TRUE_CONTROLS;
	m.true_pinbased = m.true_procbased = m.true_exit = m.true_entry = 0;
	CHECK_EQ(vtx_vmcs_config_setup(&cfg, &m, &with_vpid, &missing), 0,
		 "choices: no TRUE controls loads");
	CHECK(cfg.ctl[VTX_WORD_PROC] & VTX_PROC_CR3_LOAD_EXITING,
	      "choices: without TRUE controls CR3-load exiting is forced on");

	CHECK_EQ(vtx_vmcs_config_setup(&cfg, &bochs_skylake_x, &with_vpid,
				       &missing), 0, "choices: same twice");
	CHECK_EQ(vtx_vmcs_config_setup(&cfg2, &bochs_skylake_x, &with_vpid,
				       &missing), 0, "choices: same twice (2)");
	CHECK(vtx_vmcs_config_same(&cfg, &cfg2),
	      "choices: equal MSRs give equal snapshots");
	cfg2.ctl[VTX_WORD_EXIT] ^= VTX_EXIT_LOAD_PAT;
	CHECK(!vtx_vmcs_config_same(&cfg, &cfg2),
	      "choices: a differing control word is noticed");
}

static u64 rng_state = 0x9e3779b97f4a7c15ULL;

static u64 rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/*
 * Property: for any MSR values, a snapshot that setup accepts obeys every
 * allowed-0 and allowed-1 setting and holds every required bit.
 */
static void test_config_random(void)
{
	static const enum vtx_control_word words[] = {
		VTX_WORD_PIN, VTX_WORD_PROC, VTX_WORD_PROC2, VTX_WORD_EXIT,
		VTX_WORD_ENTRY,
	};
	unsigned int i, w, accepted = 0, violations = 0;

	for (i = 0; i < 200000; i++) {
		struct vtx_vmx_msrs m = bochs_skylake_x;
		struct vtx_vmcs_config cfg;
		const char *missing = NULL;
		u64 caps[5];

		/* Flip a few random bits of a few random MSRs. */
		m.true_pinbased ^= rng() & rng() & rng() & rng();
		m.true_procbased ^= rng() & rng() & rng() & rng();
		m.procbased2 ^= rng() & rng() & rng() & rng();
		m.true_exit ^= rng() & rng() & rng() & rng();
		m.true_entry ^= rng() & rng() & rng() & rng();
		m.ept_vpid_cap ^= rng() & rng() & rng() & rng() & rng();
		m.basic ^= (rng() & rng() & rng() & rng()) << 32;
		if (vtx_vmcs_config_setup(&cfg, &m, &with_vpid, &missing)) {
			if (!missing)
				violations++;
			continue;
		}
		accepted++;
		caps[0] = cfg.true_controls ? m.true_pinbased : m.pinbased;
		caps[1] = cfg.true_controls ? m.true_procbased : m.procbased;
		caps[2] = m.procbased2;
		caps[3] = cfg.true_controls ? m.true_exit : m.exit;
		caps[4] = cfg.true_controls ? m.true_entry : m.entry;
		for (w = 0; w < 5; w++) {
			u32 ctl = cfg.ctl[words[w]];

			if ((ctl & (u32)caps[w]) != (u32)caps[w] ||
			    (ctl & ~(u32)(caps[w] >> 32)))
				violations++;
		}
		if (!(cfg.ctl[VTX_WORD_PROC2] & VTX_PROC2_UNRESTRICTED_GUEST) ||
		    !(cfg.ept_vpid_cap & VTX_EPT_CAP_WALK_LENGTH_4))
			violations++;
	}
	CHECK(accepted > 1000, "random: %u of 200000 mutated CPUs accepted",
	      accepted);
	CHECK_EQ(violations, 0, "random: accepted snapshots obey every MSR");
}

static void test_names(void)
{
	CHECK(!strcmp(vtx_control_bit_name(VTX_WORD_PROC2, 7),
		      "unrestricted guest"), "names: secondary bit 7");
	CHECK(!strcmp(vtx_control_bit_name(VTX_WORD_PROC, 31),
		      "activate secondary controls"), "names: primary bit 31");
	CHECK(!strcmp(vtx_control_bit_name(VTX_WORD_EXIT, 9),
		      "host address-space size"), "names: exit bit 9");
	CHECK(vtx_control_bit_name(VTX_WORD_PIN, 1) == NULL,
	      "names: a reserved bit has no name");
	CHECK(vtx_control_bit_name(VTX_NR_WORDS, 0) == NULL,
	      "names: an out-of-range word has no name");
	CHECK(!strcmp(vtx_control_word_name(VTX_WORD_ENTRY),
		      "VM-entry controls"), "names: word name");
}

int main(void)
{
	printf("TAP version 13\n");
	test_adjust_controls();
	test_fixed_bits();
	test_feature_control();
	test_config_bochs();
	test_config_missing();
	test_config_choices();
	test_config_random();
	test_names();
	return unit_done();
}
