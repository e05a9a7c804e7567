/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Basic exit reasons (SDM Appendix C) and VM-instruction error numbers
 * (SDM 31.4), one table each: X(NAME, number, "SDM name").
 * Pure definitions: built into the module and the tests.
 */
#ifndef _VTX_EXIT_REASONS_H
#define _VTX_EXIT_REASONS_H

#include <vtx/types.h>

#define VTX_EXIT_REASONS(X)						\
	X(EXCEPTION_NMI,	 0, "exception or non-maskable interrupt") \
	X(EXTERNAL_INTERRUPT,	 1, "external interrupt")		\
	X(TRIPLE_FAULT,		 2, "triple fault")			\
	X(INIT_SIGNAL,		 3, "INIT signal")			\
	X(SIPI,			 4, "start-up IPI")			\
	X(IO_SMI,		 5, "I/O system-management interrupt")	\
	X(OTHER_SMI,		 6, "other SMI")			\
	X(INTERRUPT_WINDOW,	 7, "interrupt window")			\
	X(NMI_WINDOW,		 8, "NMI window")			\
	X(TASK_SWITCH,		 9, "task switch")			\
	X(CPUID,		10, "CPUID")				\
	X(GETSEC,		11, "GETSEC")				\
	X(HLT,			12, "HLT")				\
	X(INVD,			13, "INVD")				\
	X(INVLPG,		14, "INVLPG")				\
	X(RDPMC,		15, "RDPMC")				\
	X(RDTSC,		16, "RDTSC")				\
	X(RSM,			17, "RSM")				\
	X(VMCALL,		18, "VMCALL")				\
	X(VMCLEAR,		19, "VMCLEAR")				\
	X(VMLAUNCH,		20, "VMLAUNCH")				\
	X(VMPTRLD,		21, "VMPTRLD")				\
	X(VMPTRST,		22, "VMPTRST")				\
	X(VMREAD,		23, "VMREAD")				\
	X(VMRESUME,		24, "VMRESUME")				\
	X(VMWRITE,		25, "VMWRITE")				\
	X(VMXOFF,		26, "VMXOFF")				\
	X(VMXON,		27, "VMXON")				\
	X(CR_ACCESS,		28, "control-register accesses")	\
	X(DR_ACCESS,		29, "MOV DR")				\
	X(IO_INSTRUCTION,	30, "I/O instruction")			\
	X(MSR_READ,		31, "RDMSR")				\
	X(MSR_WRITE,		32, "WRMSR")				\
	X(INVALID_GUEST_STATE,	33, "VM-entry failure due to invalid guest state") \
	X(MSR_LOAD_FAIL,	34, "VM-entry failure due to MSR loading") \
	X(MWAIT,		36, "MWAIT")				\
	X(MONITOR_TRAP_FLAG,	37, "monitor trap flag")		\
	X(MONITOR,		39, "MONITOR")				\
	X(PAUSE,		40, "PAUSE")				\
	X(MCE_DURING_VMENTRY,	41, "VM-entry failure due to machine-check event") \
	X(TPR_BELOW_THRESHOLD,	43, "TPR below threshold")		\
	X(APIC_ACCESS,		44, "APIC access")			\
	X(VIRTUALIZED_EOI,	45, "virtualized EOI")			\
	X(GDTR_IDTR,		46, "access to GDTR or IDTR")		\
	X(LDTR_TR,		47, "access to LDTR or TR")		\
	X(EPT_VIOLATION,	48, "EPT violation")			\
	X(EPT_MISCONFIG,	49, "EPT misconfiguration")		\
	X(INVEPT,		50, "INVEPT")				\
	X(RDTSCP,		51, "RDTSCP")				\
	X(PREEMPTION_TIMER,	52, "VMX-preemption timer expired")	\
	X(INVVPID,		53, "INVVPID")				\
	X(WBINVD,		54, "WBINVD or WBNOINVD")		\
	X(XSETBV,		55, "XSETBV")				\
	X(APIC_WRITE,		56, "APIC write")			\
	X(RDRAND,		57, "RDRAND")				\
	X(INVPCID,		58, "INVPCID")				\
	X(VMFUNC,		59, "VMFUNC")				\
	X(ENCLS,		60, "ENCLS")				\
	X(RDSEED,		61, "RDSEED")				\
	X(PML_FULL,		62, "page-modification log full")	\
	X(XSAVES,		63, "XSAVES")				\
	X(XRSTORS,		64, "XRSTORS")				\
	X(SPP_EVENT,		66, "SPP-related event")		\
	X(UMWAIT,		67, "UMWAIT")				\
	X(TPAUSE,		68, "TPAUSE")				\
	X(LOADIWKEY,		69, "LOADIWKEY")

#define VTX_DEFINE_EXIT(name, nr, text) VTX_EXIT_##name = nr,
enum vtx_exit_reason { VTX_EXIT_REASONS(VTX_DEFINE_EXIT) VTX_NR_EXIT_REASONS };
#undef VTX_DEFINE_EXIT

/*
 * SDM 25.9.1: bits 15:0 of the exit-reason field are the basic reason;
 * bit 31 says the exit is a failed VM entry.
 */
#define VTX_EXIT_REASON_BASIC_MASK	0xffffu
#define VTX_EXIT_REASON_ENTRY_FAILURE	BIT(31)

#define VTX_VM_INSTRUCTION_ERRORS(X)					\
	X(VMCALL_IN_ROOT,		 1, "VMCALL executed in VMX root operation") \
	X(VMCLEAR_BAD_ADDR,		 2, "VMCLEAR with invalid physical address") \
	X(VMCLEAR_VMXON_PTR,		 3, "VMCLEAR with VMXON pointer") \
	X(VMLAUNCH_NOT_CLEAR,		 4, "VMLAUNCH with non-clear VMCS") \
	X(VMRESUME_NOT_LAUNCHED,	 5, "VMRESUME with non-launched VMCS") \
	X(VMRESUME_AFTER_VMXOFF,	 6, "VMRESUME after VMXOFF")	\
	X(ENTRY_BAD_CONTROLS,		 7, "VM entry with invalid control field(s)") \
	X(ENTRY_BAD_HOST_STATE,		 8, "VM entry with invalid host-state field(s)") \
	X(VMPTRLD_BAD_ADDR,		 9, "VMPTRLD with invalid physical address") \
	X(VMPTRLD_VMXON_PTR,		10, "VMPTRLD with VMXON pointer") \
	X(VMPTRLD_BAD_REVISION,		11, "VMPTRLD with incorrect VMCS revision identifier") \
	X(UNSUPPORTED_FIELD,		12, "VMREAD/VMWRITE from/to unsupported VMCS component") \
	X(VMWRITE_READ_ONLY,		13, "VMWRITE to read-only VMCS component") \
	X(VMXON_IN_ROOT,		15, "VMXON executed in VMX root operation") \
	X(ENTRY_BAD_EXECUTIVE_PTR,	16, "VM entry with invalid executive-VMCS pointer") \
	X(ENTRY_EXECUTIVE_NOT_LAUNCHED,	17, "VM entry with non-launched executive VMCS") \
	X(ENTRY_EXECUTIVE_NOT_VMXON,	18, "VM entry with executive-VMCS pointer not VMXON pointer") \
	X(VMCALL_NOT_CLEAR,		19, "VMCALL with non-clear VMCS") \
	X(VMCALL_BAD_EXIT_CONTROLS,	20, "VMCALL with invalid VM-exit control fields") \
	X(VMCALL_BAD_MSEG_REVISION,	22, "VMCALL with incorrect MSEG revision identifier") \
	X(VMXOFF_DUAL_MONITOR,		23, "VMXOFF under dual-monitor treatment of SMIs and SMM") \
	X(VMCALL_BAD_SMM_FEATURES,	24, "VMCALL with invalid SMM-monitor features") \
	X(ENTRY_BAD_EXECUTIVE_CONTROLS,	25, "VM entry with invalid VM-execution control fields in executive VMCS") \
	X(ENTRY_MOV_SS_BLOCKING,	26, "VM entry with events blocked by MOV SS") \
	X(INVEPT_INVVPID_BAD_OPERAND,	28, "invalid operand to INVEPT/INVVPID")

#define VTX_DEFINE_VMERR(name, nr, text) VTX_VMERR_##name = nr,
enum vtx_vm_instruction_error { VTX_VM_INSTRUCTION_ERRORS(VTX_DEFINE_VMERR) };
#undef VTX_DEFINE_VMERR

/* The SDM names, or NULL for a number the tables do not have. */
const char *vtx_exit_reason_name(u32 basic_reason);
const char *vtx_vm_instruction_error_name(u32 error);

#endif /* _VTX_EXIT_REASONS_H */
