/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMX architecture, as the Intel SDM defines it: capability MSRs and the
 * bits of every VM-execution, VM-exit and VM-entry control word.
 *
 * Each control word is one X-macro table, X(NAME, BIT, "SDM name"); the
 * same table makes the bit constants (VTX_PIN_NMI_EXITING, ...) and the
 * names that error messages and dumps print.  Section numbers follow the
 * SDM Vol. 3C of 2022 and later (Chapter 25 was Chapter 24 before).
 *
 * Pure definitions: this file builds in the module and in userspace.
 */
#ifndef _VTX_VMX_ARCH_H
#define _VTX_VMX_ARCH_H

#include <vtx/types.h>

/* SDM Vol. 4, Table 2-2; SDM Appendix A: the VMX capability MSRs. */
#define VTX_MSR_FEATURE_CONTROL		0x0000003a
#define VTX_MSR_VMX_BASIC		0x00000480
#define VTX_MSR_VMX_PINBASED_CTLS	0x00000481
#define VTX_MSR_VMX_PROCBASED_CTLS	0x00000482
#define VTX_MSR_VMX_EXIT_CTLS		0x00000483
#define VTX_MSR_VMX_ENTRY_CTLS		0x00000484
#define VTX_MSR_VMX_MISC		0x00000485
#define VTX_MSR_VMX_CR0_FIXED0		0x00000486
#define VTX_MSR_VMX_CR0_FIXED1		0x00000487
#define VTX_MSR_VMX_CR4_FIXED0		0x00000488
#define VTX_MSR_VMX_CR4_FIXED1		0x00000489
#define VTX_MSR_VMX_VMCS_ENUM		0x0000048a
#define VTX_MSR_VMX_PROCBASED_CTLS2	0x0000048b
#define VTX_MSR_VMX_EPT_VPID_CAP	0x0000048c
#define VTX_MSR_VMX_TRUE_PINBASED_CTLS	0x0000048d
#define VTX_MSR_VMX_TRUE_PROCBASED_CTLS	0x0000048e
#define VTX_MSR_VMX_TRUE_EXIT_CTLS	0x0000048f
#define VTX_MSR_VMX_TRUE_ENTRY_CTLS	0x00000490

/* SDM 24.7 (Enabling and entering VMX operation): IA32_FEATURE_CONTROL. */
#define VTX_FEATURE_CONTROL_LOCKED		BIT_ULL(0)
#define VTX_FEATURE_CONTROL_VMX_INSIDE_SMX	BIT_ULL(1)
#define VTX_FEATURE_CONTROL_VMX_OUTSIDE_SMX	BIT_ULL(2)

/* SDM A.1: IA32_VMX_BASIC. */
#define VTX_BASIC_REVISION_MASK		0x7fffffffULL
#define VTX_BASIC_VMCS_SIZE_SHIFT	32
#define VTX_BASIC_VMCS_SIZE_MASK	0x1fffULL
#define VTX_BASIC_32BIT_PHYS_ADDR_ONLY	BIT_ULL(48)
#define VTX_BASIC_MEM_TYPE_SHIFT	50
#define VTX_BASIC_MEM_TYPE_MASK		0xfULL
#define VTX_BASIC_INOUT_INFO		BIT_ULL(54)
#define VTX_BASIC_TRUE_CONTROLS		BIT_ULL(55)

/* SDM 12.3 / Table 12-8 (Vol. 3A): memory types as VMX encodes them. */
#define VTX_MEMTYPE_UC			0
#define VTX_MEMTYPE_WB			6

/* Architectural control-register bits vtx checks against the fixed MSRs. */
#define VTX_CR0_PE			BIT_ULL(0)
#define VTX_CR0_NE			BIT_ULL(5)
#define VTX_CR0_PG			BIT_ULL(31)
#define VTX_CR4_VMXE			BIT_ULL(13)

/* SDM 25.6.1, Table 25-5: pin-based VM-execution controls. */
#define VTX_PIN_CONTROLS(X)						\
	X(PIN_EXT_INTR_EXITING,		 0, "external-interrupt exiting") \
	X(PIN_NMI_EXITING,		 3, "NMI exiting")		\
	X(PIN_VIRTUAL_NMIS,		 5, "virtual NMIs")		\
	X(PIN_PREEMPTION_TIMER,		 6, "activate VMX-preemption timer") \
	X(PIN_POSTED_INTERRUPTS,	 7, "process posted interrupts")

/* SDM 25.6.2, Table 25-6: primary processor-based VM-execution controls. */
#define VTX_PROC_CONTROLS(X)						\
	X(PROC_INTR_WINDOW_EXITING,	 2, "interrupt-window exiting")	\
	X(PROC_USE_TSC_OFFSETTING,	 3, "use TSC offsetting")	\
	X(PROC_HLT_EXITING,		 7, "HLT exiting")		\
	X(PROC_INVLPG_EXITING,		 9, "INVLPG exiting")		\
	X(PROC_MWAIT_EXITING,		10, "MWAIT exiting")		\
	X(PROC_RDPMC_EXITING,		11, "RDPMC exiting")		\
	X(PROC_RDTSC_EXITING,		12, "RDTSC exiting")		\
	X(PROC_CR3_LOAD_EXITING,	15, "CR3-load exiting")		\
	X(PROC_CR3_STORE_EXITING,	16, "CR3-store exiting")	\
	X(PROC_TERTIARY_CONTROLS,	17, "activate tertiary controls") \
	X(PROC_CR8_LOAD_EXITING,	19, "CR8-load exiting")		\
	X(PROC_CR8_STORE_EXITING,	20, "CR8-store exiting")	\
	X(PROC_USE_TPR_SHADOW,		21, "use TPR shadow")		\
	X(PROC_NMI_WINDOW_EXITING,	22, "NMI-window exiting")	\
	X(PROC_MOV_DR_EXITING,		23, "MOV-DR exiting")		\
	X(PROC_UNCOND_IO_EXITING,	24, "unconditional I/O exiting") \
	X(PROC_USE_IO_BITMAPS,		25, "use I/O bitmaps")		\
	X(PROC_MONITOR_TRAP_FLAG,	27, "monitor trap flag")	\
	X(PROC_USE_MSR_BITMAPS,		28, "use MSR bitmaps")		\
	X(PROC_MONITOR_EXITING,		29, "MONITOR exiting")		\
	X(PROC_PAUSE_EXITING,		30, "PAUSE exiting")		\
	X(PROC_SECONDARY_CONTROLS,	31, "activate secondary controls")

/* SDM 25.6.2, Table 25-7: secondary processor-based VM-execution controls. */
#define VTX_PROC2_CONTROLS(X)						\
	X(PROC2_VIRT_APIC_ACCESSES,	 0, "virtualize APIC accesses")	\
	X(PROC2_ENABLE_EPT,		 1, "enable EPT")		\
	X(PROC2_DESC_TABLE_EXITING,	 2, "descriptor-table exiting")	\
	X(PROC2_ENABLE_RDTSCP,		 3, "enable RDTSCP")		\
	X(PROC2_VIRT_X2APIC_MODE,	 4, "virtualize x2APIC mode")	\
	X(PROC2_ENABLE_VPID,		 5, "enable VPID")		\
	X(PROC2_WBINVD_EXITING,		 6, "WBINVD exiting")		\
	X(PROC2_UNRESTRICTED_GUEST,	 7, "unrestricted guest")	\
	X(PROC2_APIC_REGISTER_VIRT,	 8, "APIC-register virtualization") \
	X(PROC2_VIRT_INTR_DELIVERY,	 9, "virtual-interrupt delivery") \
	X(PROC2_PAUSE_LOOP_EXITING,	10, "PAUSE-loop exiting")	\
	X(PROC2_RDRAND_EXITING,		11, "RDRAND exiting")		\
	X(PROC2_ENABLE_INVPCID,		12, "enable INVPCID")		\
	X(PROC2_ENABLE_VMFUNC,		13, "enable VM functions")	\
	X(PROC2_VMCS_SHADOWING,		14, "VMCS shadowing")		\
	X(PROC2_ENCLS_EXITING,		15, "enable ENCLS exiting")	\
	X(PROC2_RDSEED_EXITING,		16, "RDSEED exiting")		\
	X(PROC2_ENABLE_PML,		17, "enable PML")		\
	X(PROC2_EPT_VIOLATION_VE,	18, "EPT-violation #VE")	\
	X(PROC2_PT_CONCEAL_VMX,		19, "conceal VMX from PT")	\
	X(PROC2_ENABLE_XSAVES,		20, "enable XSAVES/XRSTORS")	\
	X(PROC2_MODE_BASED_EPT_EXEC,	22, "mode-based execute control for EPT") \
	X(PROC2_TSC_SCALING,		25, "use TSC scaling")		\
	X(PROC2_USER_WAIT_PAUSE,	26, "enable user wait and pause")

/* SDM 25.7.1, Table 25-13: primary VM-exit controls. */
#define VTX_EXIT_CONTROLS(X)						\
	X(EXIT_SAVE_DEBUG_CONTROLS,	 2, "save debug controls")	\
	X(EXIT_HOST_ADDR_SPACE_SIZE,	 9, "host address-space size")	\
	X(EXIT_LOAD_PERF_GLOBAL_CTRL,	12, "load IA32_PERF_GLOBAL_CTRL") \
	X(EXIT_ACK_INTR_ON_EXIT,	15, "acknowledge interrupt on exit") \
	X(EXIT_SAVE_PAT,		18, "save IA32_PAT")		\
	X(EXIT_LOAD_PAT,		19, "load IA32_PAT")		\
	X(EXIT_SAVE_EFER,		20, "save IA32_EFER")		\
	X(EXIT_LOAD_EFER,		21, "load IA32_EFER")		\
	X(EXIT_SAVE_PREEMPTION_TIMER,	22, "save VMX-preemption timer value") \
	X(EXIT_CLEAR_BNDCFGS,		23, "clear IA32_BNDCFGS")	\
	X(EXIT_PT_CONCEAL_VMX,		24, "conceal VMX from PT")

/* SDM 25.8.1, Table 25-15: VM-entry controls. */
#define VTX_ENTRY_CONTROLS(X)						\
	X(ENTRY_LOAD_DEBUG_CONTROLS,	 2, "load debug controls")	\
	X(ENTRY_IA32E_MODE_GUEST,	 9, "IA-32e mode guest")	\
	X(ENTRY_ENTRY_TO_SMM,		10, "entry to SMM")		\
	X(ENTRY_DEACT_DUAL_MONITOR,	11, "deactivate dual-monitor treatment") \
	X(ENTRY_LOAD_PERF_GLOBAL_CTRL,	13, "load IA32_PERF_GLOBAL_CTRL") \
	X(ENTRY_LOAD_PAT,		14, "load IA32_PAT")		\
	X(ENTRY_LOAD_EFER,		15, "load IA32_EFER")		\
	X(ENTRY_LOAD_BNDCFGS,		16, "load IA32_BNDCFGS")	\
	X(ENTRY_PT_CONCEAL_VMX,		17, "conceal VMX from PT")

/* SDM A.10: IA32_VMX_EPT_VPID_CAP. */
#define VTX_EPT_VPID_CAPS(X)						\
	X(EPT_CAP_EXEC_ONLY,		 0, "EPT execute-only translations") \
	X(EPT_CAP_WALK_LENGTH_4,	 6, "EPT page-walk length 4")	\
	X(EPT_CAP_WALK_LENGTH_5,	 7, "EPT page-walk length 5")	\
	X(EPT_CAP_MEMTYPE_UC,		 8, "EPT uncacheable paging structures") \
	X(EPT_CAP_MEMTYPE_WB,		14, "EPT write-back paging structures") \
	X(EPT_CAP_PAGE_2M,		16, "EPT 2-MByte pages")	\
	X(EPT_CAP_PAGE_1G,		17, "EPT 1-GByte pages")	\
	X(EPT_CAP_INVEPT,		20, "INVEPT")			\
	X(EPT_CAP_ACCESSED_DIRTY,	21, "EPT accessed and dirty flags") \
	X(EPT_CAP_ADVANCED_VIOLATION,	22, "advanced EPT-violation information") \
	X(EPT_CAP_INVEPT_SINGLE,	25, "single-context INVEPT")	\
	X(EPT_CAP_INVEPT_ALL,		26, "all-context INVEPT")	\
	X(VPID_CAP_INVVPID,		32, "INVVPID")			\
	X(VPID_CAP_INVVPID_ADDR,	40, "individual-address INVVPID") \
	X(VPID_CAP_INVVPID_SINGLE,	41, "single-context INVVPID")	\
	X(VPID_CAP_INVVPID_ALL,		42, "all-context INVVPID")	\
	X(VPID_CAP_INVVPID_SINGLE_NG,	43, "single-context-retaining-globals INVVPID")

#define VTX_DEFINE_BIT(name, bit, text) VTX_##name = 1ULL << (bit),

/* One enum per word, so that a bit of one word cannot pose as another's. */
enum vtx_pin_control { VTX_PIN_CONTROLS(VTX_DEFINE_BIT) };
enum vtx_proc_control { VTX_PROC_CONTROLS(VTX_DEFINE_BIT) };
enum vtx_proc2_control { VTX_PROC2_CONTROLS(VTX_DEFINE_BIT) };
enum vtx_exit_control { VTX_EXIT_CONTROLS(VTX_DEFINE_BIT) };
enum vtx_entry_control { VTX_ENTRY_CONTROLS(VTX_DEFINE_BIT) };
enum vtx_ept_vpid_cap { VTX_EPT_VPID_CAPS(VTX_DEFINE_BIT) };

#endif /* _VTX_VMX_ARCH_H */
