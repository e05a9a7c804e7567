/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every VMCS field vtx knows, in one table: X(NAME, encoding, "SDM name").
 * The encoding carries the field's width and type (SDM 25.11.2, Appendix
 * B), so the table needs no more columns: see vtx_vmcs_field_width().
 * The same table makes the enum (VTX_GUEST_RIP, ...) and the names that
 * dumps print.  Pure definitions: built into the module and the tests.
 */
#ifndef _VTX_VMCS_FIELDS_H
#define _VTX_VMCS_FIELDS_H

#include <vtx/types.h>

#define VTX_VMCS_FIELDS(X)						\
	/* B.1.1 16-bit control fields */				\
	X(VIRTUAL_PROCESSOR_ID,		0x0000, "virtual-processor identifier") \
	X(POSTED_INTR_NOTIFY_VECTOR,	0x0002, "posted-interrupt notification vector") \
	X(EPTP_INDEX,			0x0004, "EPTP index")		\
	/* B.1.2 16-bit guest-state fields */				\
	X(GUEST_ES_SELECTOR,		0x0800, "guest ES selector")	\
	X(GUEST_CS_SELECTOR,		0x0802, "guest CS selector")	\
	X(GUEST_SS_SELECTOR,		0x0804, "guest SS selector")	\
	X(GUEST_DS_SELECTOR,		0x0806, "guest DS selector")	\
	X(GUEST_FS_SELECTOR,		0x0808, "guest FS selector")	\
	X(GUEST_GS_SELECTOR,		0x080a, "guest GS selector")	\
	X(GUEST_LDTR_SELECTOR,		0x080c, "guest LDTR selector")	\
	X(GUEST_TR_SELECTOR,		0x080e, "guest TR selector")	\
	X(GUEST_INTR_STATUS,		0x0810, "guest interrupt status") \
	X(GUEST_PML_INDEX,		0x0812, "PML index")		\
	/* B.1.3 16-bit host-state fields */				\
	X(HOST_ES_SELECTOR,		0x0c00, "host ES selector")	\
	X(HOST_CS_SELECTOR,		0x0c02, "host CS selector")	\
	X(HOST_SS_SELECTOR,		0x0c04, "host SS selector")	\
	X(HOST_DS_SELECTOR,		0x0c06, "host DS selector")	\
	X(HOST_FS_SELECTOR,		0x0c08, "host FS selector")	\
	X(HOST_GS_SELECTOR,		0x0c0a, "host GS selector")	\
	X(HOST_TR_SELECTOR,		0x0c0c, "host TR selector")	\
	/* B.2.1 64-bit control fields */				\
	X(IO_BITMAP_A,			0x2000, "address of I/O bitmap A") \
	X(IO_BITMAP_B,			0x2002, "address of I/O bitmap B") \
	X(MSR_BITMAP,			0x2004, "address of MSR bitmaps") \
	X(VM_EXIT_MSR_STORE_ADDR,	0x2006, "VM-exit MSR-store address") \
	X(VM_EXIT_MSR_LOAD_ADDR,	0x2008, "VM-exit MSR-load address") \
	X(VM_ENTRY_MSR_LOAD_ADDR,	0x200a, "VM-entry MSR-load address") \
	X(EXECUTIVE_VMCS_POINTER,	0x200c, "executive-VMCS pointer") \
	X(PML_ADDRESS,			0x200e, "PML address")		\
	X(TSC_OFFSET,			0x2010, "TSC offset")		\
	X(VIRTUAL_APIC_PAGE_ADDR,	0x2012, "virtual-APIC address")	\
	X(APIC_ACCESS_ADDR,		0x2014, "APIC-access address")	\
	X(POSTED_INTR_DESC_ADDR,	0x2016, "posted-interrupt descriptor address") \
	X(VM_FUNCTION_CONTROL,		0x2018, "VM-function controls")	\
	X(EPT_POINTER,			0x201a, "EPT pointer")		\
	X(EOI_EXIT_BITMAP0,		0x201c, "EOI-exit bitmap 0")	\
	X(EOI_EXIT_BITMAP1,		0x201e, "EOI-exit bitmap 1")	\
	X(EOI_EXIT_BITMAP2,		0x2020, "EOI-exit bitmap 2")	\
	X(EOI_EXIT_BITMAP3,		0x2022, "EOI-exit bitmap 3")	\
	X(EPTP_LIST_ADDRESS,		0x2024, "EPTP-list address")	\
	X(VMREAD_BITMAP,		0x2026, "VMREAD-bitmap address") \
	X(VMWRITE_BITMAP,		0x2028, "VMWRITE-bitmap address") \
	X(XSS_EXIT_BITMAP,		0x202c, "XSS-exiting bitmap")	\
	X(TSC_MULTIPLIER,		0x2032, "TSC multiplier")	\
	/* B.2.2 64-bit read-only data field */				\
	X(GUEST_PHYSICAL_ADDRESS,	0x2400, "guest-physical address") \
	/* B.2.3 64-bit guest-state fields */				\
	X(VMCS_LINK_POINTER,		0x2800, "VMCS link pointer")	\
	X(GUEST_IA32_DEBUGCTL,		0x2802, "guest IA32_DEBUGCTL")	\
	X(GUEST_IA32_PAT,		0x2804, "guest IA32_PAT")	\
	X(GUEST_IA32_EFER,		0x2806, "guest IA32_EFER")	\
	X(GUEST_IA32_PERF_GLOBAL_CTRL,	0x2808, "guest IA32_PERF_GLOBAL_CTRL") \
	X(GUEST_PDPTR0,			0x280a, "guest PDPTE0")		\
	X(GUEST_PDPTR1,			0x280c, "guest PDPTE1")		\
	X(GUEST_PDPTR2,			0x280e, "guest PDPTE2")		\
	X(GUEST_PDPTR3,			0x2810, "guest PDPTE3")		\
	X(GUEST_IA32_BNDCFGS,		0x2812, "guest IA32_BNDCFGS")	\
	/* B.2.4 64-bit host-state fields */				\
	X(HOST_IA32_PAT,		0x2c00, "host IA32_PAT")	\
	X(HOST_IA32_EFER,		0x2c02, "host IA32_EFER")	\
	X(HOST_IA32_PERF_GLOBAL_CTRL,	0x2c04, "host IA32_PERF_GLOBAL_CTRL") \
	/* B.3.1 32-bit control fields */				\
	X(PIN_BASED_VM_EXEC_CONTROL,	0x4000, "pin-based VM-execution controls") \
	X(CPU_BASED_VM_EXEC_CONTROL,	0x4002, "primary processor-based VM-execution controls") \
	X(EXCEPTION_BITMAP,		0x4004, "exception bitmap")	\
	X(PAGE_FAULT_ERROR_CODE_MASK,	0x4006, "page-fault error-code mask") \
	X(PAGE_FAULT_ERROR_CODE_MATCH,	0x4008, "page-fault error-code match") \
	X(CR3_TARGET_COUNT,		0x400a, "CR3-target count")	\
	X(VM_EXIT_CONTROLS,		0x400c, "primary VM-exit controls") \
	X(VM_EXIT_MSR_STORE_COUNT,	0x400e, "VM-exit MSR-store count") \
	X(VM_EXIT_MSR_LOAD_COUNT,	0x4010, "VM-exit MSR-load count") \
	X(VM_ENTRY_CONTROLS,		0x4012, "VM-entry controls")	\
	X(VM_ENTRY_MSR_LOAD_COUNT,	0x4014, "VM-entry MSR-load count") \
	X(VM_ENTRY_INTR_INFO,		0x4016, "VM-entry interruption-information field") \
	X(VM_ENTRY_EXCEPTION_ERROR_CODE, 0x4018, "VM-entry exception error code") \
	X(VM_ENTRY_INSTRUCTION_LEN,	0x401a, "VM-entry instruction length") \
	X(TPR_THRESHOLD,		0x401c, "TPR threshold")	\
	X(SECONDARY_VM_EXEC_CONTROL,	0x401e, "secondary processor-based VM-execution controls") \
	X(PLE_GAP,			0x4020, "PLE_Gap")		\
	X(PLE_WINDOW,			0x4022, "PLE_Window")		\
	/* B.3.2 32-bit read-only data fields */			\
	X(VM_INSTRUCTION_ERROR,		0x4400, "VM-instruction error")	\
	X(VM_EXIT_REASON,		0x4402, "exit reason")		\
	X(VM_EXIT_INTR_INFO,		0x4404, "VM-exit interruption information") \
	X(VM_EXIT_INTR_ERROR_CODE,	0x4406, "VM-exit interruption error code") \
	X(IDT_VECTORING_INFO,		0x4408, "IDT-vectoring information field") \
	X(IDT_VECTORING_ERROR_CODE,	0x440a, "IDT-vectoring error code") \
	X(VM_EXIT_INSTRUCTION_LEN,	0x440c, "VM-exit instruction length") \
	X(VMX_INSTRUCTION_INFO,		0x440e, "VM-exit instruction information") \
	/* B.3.3 32-bit guest-state fields */				\
	X(GUEST_ES_LIMIT,		0x4800, "guest ES limit")	\
	X(GUEST_CS_LIMIT,		0x4802, "guest CS limit")	\
	X(GUEST_SS_LIMIT,		0x4804, "guest SS limit")	\
	X(GUEST_DS_LIMIT,		0x4806, "guest DS limit")	\
	X(GUEST_FS_LIMIT,		0x4808, "guest FS limit")	\
	X(GUEST_GS_LIMIT,		0x480a, "guest GS limit")	\
	X(GUEST_LDTR_LIMIT,		0x480c, "guest LDTR limit")	\
	X(GUEST_TR_LIMIT,		0x480e, "guest TR limit")	\
	X(GUEST_GDTR_LIMIT,		0x4810, "guest GDTR limit")	\
	X(GUEST_IDTR_LIMIT,		0x4812, "guest IDTR limit")	\
	X(GUEST_ES_AR_BYTES,		0x4814, "guest ES access rights") \
	X(GUEST_CS_AR_BYTES,		0x4816, "guest CS access rights") \
	X(GUEST_SS_AR_BYTES,		0x4818, "guest SS access rights") \
	X(GUEST_DS_AR_BYTES,		0x481a, "guest DS access rights") \
	X(GUEST_FS_AR_BYTES,		0x481c, "guest FS access rights") \
	X(GUEST_GS_AR_BYTES,		0x481e, "guest GS access rights") \
	X(GUEST_LDTR_AR_BYTES,		0x4820, "guest LDTR access rights") \
	X(GUEST_TR_AR_BYTES,		0x4822, "guest TR access rights") \
	X(GUEST_INTERRUPTIBILITY_INFO,	0x4824, "guest interruptibility state") \
	X(GUEST_ACTIVITY_STATE,		0x4826, "guest activity state")	\
	X(GUEST_SMBASE,			0x4828, "guest SMBASE")		\
	X(GUEST_SYSENTER_CS,		0x482a, "guest IA32_SYSENTER_CS") \
	X(VMX_PREEMPTION_TIMER_VALUE,	0x482e, "VMX-preemption timer value") \
	/* B.3.4 32-bit host-state field */				\
	X(HOST_IA32_SYSENTER_CS,	0x4c00, "host IA32_SYSENTER_CS") \
	/* B.4.1 natural-width control fields */			\
	X(CR0_GUEST_HOST_MASK,		0x6000, "CR0 guest/host mask")	\
	X(CR4_GUEST_HOST_MASK,		0x6002, "CR4 guest/host mask")	\
	X(CR0_READ_SHADOW,		0x6004, "CR0 read shadow")	\
	X(CR4_READ_SHADOW,		0x6006, "CR4 read shadow")	\
	X(CR3_TARGET_VALUE0,		0x6008, "CR3-target value 0")	\
	X(CR3_TARGET_VALUE1,		0x600a, "CR3-target value 1")	\
	X(CR3_TARGET_VALUE2,		0x600c, "CR3-target value 2")	\
	X(CR3_TARGET_VALUE3,		0x600e, "CR3-target value 3")	\
	/* B.4.2 natural-width read-only data fields */			\
	X(EXIT_QUALIFICATION,		0x6400, "exit qualification")	\
	X(IO_RCX,			0x6402, "I/O RCX")		\
	X(IO_RSI,			0x6404, "I/O RSI")		\
	X(IO_RDI,			0x6406, "I/O RDI")		\
	X(IO_RIP,			0x6408, "I/O RIP")		\
	X(GUEST_LINEAR_ADDRESS,		0x640a, "guest-linear address")	\
	/* B.4.3 natural-width guest-state fields */			\
	X(GUEST_CR0,			0x6800, "guest CR0")		\
	X(GUEST_CR3,			0x6802, "guest CR3")		\
	X(GUEST_CR4,			0x6804, "guest CR4")		\
	X(GUEST_ES_BASE,		0x6806, "guest ES base")	\
	X(GUEST_CS_BASE,		0x6808, "guest CS base")	\
	X(GUEST_SS_BASE,		0x680a, "guest SS base")	\
	X(GUEST_DS_BASE,		0x680c, "guest DS base")	\
	X(GUEST_FS_BASE,		0x680e, "guest FS base")	\
	X(GUEST_GS_BASE,		0x6810, "guest GS base")	\
	X(GUEST_LDTR_BASE,		0x6812, "guest LDTR base")	\
	X(GUEST_TR_BASE,		0x6814, "guest TR base")	\
	X(GUEST_GDTR_BASE,		0x6816, "guest GDTR base")	\
	X(GUEST_IDTR_BASE,		0x6818, "guest IDTR base")	\
	X(GUEST_DR7,			0x681a, "guest DR7")		\
	X(GUEST_RSP,			0x681c, "guest RSP")		\
	X(GUEST_RIP,			0x681e, "guest RIP")		\
	X(GUEST_RFLAGS,			0x6820, "guest RFLAGS")		\
	X(GUEST_PENDING_DBG_EXCEPTIONS,	0x6822, "guest pending debug exceptions") \
	X(GUEST_SYSENTER_ESP,		0x6824, "guest IA32_SYSENTER_ESP") \
	X(GUEST_SYSENTER_EIP,		0x6826, "guest IA32_SYSENTER_EIP") \
	/* B.4.4 natural-width host-state fields */			\
	X(HOST_CR0,			0x6c00, "host CR0")		\
	X(HOST_CR3,			0x6c02, "host CR3")		\
	X(HOST_CR4,			0x6c04, "host CR4")		\
	X(HOST_FS_BASE,			0x6c06, "host FS base")		\
	X(HOST_GS_BASE,			0x6c08, "host GS base")		\
	X(HOST_TR_BASE,			0x6c0a, "host TR base")		\
	X(HOST_GDTR_BASE,		0x6c0c, "host GDTR base")	\
	X(HOST_IDTR_BASE,		0x6c0e, "host IDTR base")	\
	X(HOST_IA32_SYSENTER_ESP,	0x6c10, "host IA32_SYSENTER_ESP") \
	X(HOST_IA32_SYSENTER_EIP,	0x6c12, "host IA32_SYSENTER_EIP") \
	X(HOST_RSP,			0x6c14, "host RSP")		\
	X(HOST_RIP,			0x6c16, "host RIP")

#define VTX_DEFINE_FIELD(name, enc, text) VTX_##name = enc,
enum vtx_vmcs_encoding { VTX_VMCS_FIELDS(VTX_DEFINE_FIELD) };
#undef VTX_DEFINE_FIELD

/* SDM 25.11.2: bits 14:13 of an encoding give the width... */
enum vtx_vmcs_width {
	VTX_VMCS_WIDTH_16 = 0,
	VTX_VMCS_WIDTH_64 = 1,
	VTX_VMCS_WIDTH_32 = 2,
	VTX_VMCS_WIDTH_NATURAL = 3,
};

/* ...and bits 11:10 the type. */
enum vtx_vmcs_type {
	VTX_VMCS_TYPE_CONTROL = 0,
	VTX_VMCS_TYPE_EXIT_INFO = 1,	/* read-only data */
	VTX_VMCS_TYPE_GUEST = 2,
	VTX_VMCS_TYPE_HOST = 3,
};

static inline enum vtx_vmcs_width vtx_vmcs_field_width(u32 encoding)
{
	return (enum vtx_vmcs_width)((encoding >> 13) & 3);
}

static inline enum vtx_vmcs_type vtx_vmcs_field_type(u32 encoding)
{
	return (enum vtx_vmcs_type)((encoding >> 10) & 3);
}

/* Bit 0 set: the high 32 bits of a 64-bit field, accessed on its own. */
static inline bool vtx_vmcs_field_is_high(u32 encoding)
{
	return encoding & 1;
}

/* The SDM name of a field, or NULL when the table does not have it. */
const char *vtx_vmcs_field_name(u32 encoding);

/* Every field of the table, in table order, for dumps. */
extern const u32 vtx_vmcs_field_list[];
extern const unsigned int vtx_vmcs_nr_fields;

#endif /* _VTX_VMCS_FIELDS_H */
