// SPDX-License-Identifier: GPL-2.0
/*
 * VMX operation on every CPU: capability checks, VMXON and VMXOFF, CPU
 * hotplug, suspend, reboot and panic.
 *
 * Policy: vtx enters VMX operation on every online CPU when the module
 * loads and leaves it when the module unloads, as KVM does since Linux 6.12
 * (kvm.enable_virt_at_load).  That keeps VM creation free of IPIs and of
 * races with hotplug, and makes ownership plain: while vtx is loaded it
 * owns VMX; another hypervisor gets it back with "rmmod vtx".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/namei.h>
#include <linux/notifier.h>
#include <linux/panic_notifier.h>
#include <linux/percpu.h>
#include <linux/reboot.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/syscore_ops.h>
#include <asm/msr.h>
#include <asm/perf_event.h>
#include <asm/processor.h>
#include <asm/reboot.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "vmx.h"
#include "vmx_ops.h"
#include "vcpu.h"

/* Per-CPU state, so that teardown is safe from any point of bring-up. */
enum vtx_cpu_state {
	VTX_CPU_OFF,		/* not in VMX operation (by vtx) */
	VTX_CPU_VMXON,		/* in VMX root operation, owned by vtx */
};

struct vtx_cpu {
	enum vtx_cpu_state state;
	struct page *vmxon_region;	/* SDM 25.11.5: one per CPU */
};

static DEFINE_PER_CPU(struct vtx_cpu, vtx_cpu);
static struct vtx_vmcs_config vtx_cfg __ro_after_init;
static struct vtx_vmx_options vtx_opt;
static int vtx_cpuhp_state = -1;
static atomic_long_t vtx_vmcs_pages = ATOMIC_LONG_INIT(0);
/* Set once the machine is going down: no CPU enters VMX operation again. */
static bool vtx_vmx_going_down;

const struct vtx_vmcs_config *vtx_vmx_config(void)
{
	return &vtx_cfg;
}

long vtx_vmx_nr_vmcs_pages(void)
{
	return atomic_long_read(&vtx_vmcs_pages);
}

void vtx_vmx_account_vmcs(long pages)
{
	atomic_long_add(pages, &vtx_vmcs_pages);
}

/* SDM Appendix A: read the capability MSRs that exist on this CPU. */
static int vtx_read_vmx_msrs(struct vtx_vmx_msrs *m)
{
	int err = 0;

	memset(m, 0, sizeof(*m));
	err |= rdmsrl_safe(VTX_MSR_VMX_BASIC, &m->basic);
	err |= rdmsrl_safe(VTX_MSR_VMX_PINBASED_CTLS, &m->pinbased);
	err |= rdmsrl_safe(VTX_MSR_VMX_PROCBASED_CTLS, &m->procbased);
	err |= rdmsrl_safe(VTX_MSR_VMX_EXIT_CTLS, &m->exit);
	err |= rdmsrl_safe(VTX_MSR_VMX_ENTRY_CTLS, &m->entry);
	err |= rdmsrl_safe(VTX_MSR_VMX_MISC, &m->misc);
	err |= rdmsrl_safe(VTX_MSR_VMX_CR0_FIXED0, &m->cr0_fixed0);
	err |= rdmsrl_safe(VTX_MSR_VMX_CR0_FIXED1, &m->cr0_fixed1);
	err |= rdmsrl_safe(VTX_MSR_VMX_CR4_FIXED0, &m->cr4_fixed0);
	err |= rdmsrl_safe(VTX_MSR_VMX_CR4_FIXED1, &m->cr4_fixed1);
	if (err)
		return -EIO;

	if (m->basic & VTX_BASIC_TRUE_CONTROLS) {
		err |= rdmsrl_safe(VTX_MSR_VMX_TRUE_PINBASED_CTLS,
				   &m->true_pinbased);
		err |= rdmsrl_safe(VTX_MSR_VMX_TRUE_PROCBASED_CTLS,
				   &m->true_procbased);
		err |= rdmsrl_safe(VTX_MSR_VMX_TRUE_EXIT_CTLS, &m->true_exit);
		err |= rdmsrl_safe(VTX_MSR_VMX_TRUE_ENTRY_CTLS,
				   &m->true_entry);
	}
	if ((m->procbased >> 32) & VTX_PROC_SECONDARY_CONTROLS)
		err |= rdmsrl_safe(VTX_MSR_VMX_PROCBASED_CTLS2,
				   &m->procbased2);
	if ((m->procbased2 >> 32) &
	    (VTX_PROC2_ENABLE_EPT | VTX_PROC2_ENABLE_VPID))
		err |= rdmsrl_safe(VTX_MSR_VMX_EPT_VPID_CAP, &m->ept_vpid_cap);
	return err ? -EIO : 0;
}

/* The snapshot this CPU's capabilities give, for the symmetry check. */
static int vtx_this_cpu_config(struct vtx_vmcs_config *cfg,
			       const char **missing)
{
	struct vtx_vmx_wishes wishes = { .vpid = vtx_opt.vpid };
	struct vtx_vmx_msrs msrs;

	if (vtx_read_vmx_msrs(&msrs)) {
		*missing = "readable VMX capability MSRs (IA32_VMX_BASIC ...)";
		return -EOPNOTSUPP;
	}
	return vtx_vmcs_config_setup(cfg, &msrs, &wishes, missing);
}

/*
 * SDM 24.7: VMXON needs IA32_FEATURE_CONTROL locked with "VMX outside
 * SMX" set.  Firmware normally does this (and Linux on boot, when built
 * with KVM); a CPU that comes up unlocked is set and locked here.
 */
static int vtx_cpu_check_feature_control(unsigned int cpu)
{
	u64 msr, write;
	int r;

	if (rdmsrl_safe(VTX_MSR_FEATURE_CONTROL, &msr)) {
		pr_err("CPU%u: IA32_FEATURE_CONTROL is not readable\n", cpu);
		return -EOPNOTSUPP;
	}
	r = vtx_feature_control_plan(msr, vtx_opt.lock_feature_control,
				     &write);
	if (r == -EOPNOTSUPP) {
		pr_err("CPU%u: VMX is disabled by the firmware (IA32_FEATURE_CONTROL 0x%llx locked without VMX outside SMX): enable VT-x in the firmware setup\n",
		       cpu, msr);
		return r;
	}
	if (r == -EPERM) {
		pr_err("CPU%u: IA32_FEATURE_CONTROL is unlocked (0x%llx) and lock_feature_control=0 forbids vtx to lock it\n",
		       cpu, msr);
		return -EOPNOTSUPP;
	}
	if (write) {
		if (wrmsrl_safe(VTX_MSR_FEATURE_CONTROL, write)) {
			pr_err("CPU%u: writing IA32_FEATURE_CONTROL 0x%llx failed\n",
			       cpu, write);
			return -EIO;
		}
		pr_info("CPU%u: IA32_FEATURE_CONTROL was unlocked: enabled VMX outside SMX and locked it (0x%llx)\n",
			cpu, write);
	}
	return 0;
}

/* SDM 24.8, A.7, A.8: CR0 and CR4 (with VMXE) must fit the fixed bits. */
static int vtx_cpu_check_fixed_bits(unsigned int cpu)
{
	u64 cr0 = read_cr0();
	u64 cr4 = cr4_read_shadow() | X86_CR4_VMXE;
	u64 bad;

	bad = vtx_cr_fixed_violations(cr0, vtx_cfg.cr0_fixed0,
				      vtx_cfg.cr0_fixed1);
	if (bad) {
		pr_err("CPU%u: CR0 0x%llx breaks the VMX fixed bits 0x%llx\n",
		       cpu, cr0, bad);
		return -EOPNOTSUPP;
	}
	bad = vtx_cr_fixed_violations(cr4, vtx_cfg.cr4_fixed0,
				      vtx_cfg.cr4_fixed1);
	if (bad) {
		pr_err("CPU%u: CR4 0x%llx breaks the VMX fixed bits 0x%llx\n",
		       cpu, cr4, bad);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* CR4.VMXE, then VMXON, on this CPU; undone on failure. */
static int vtx_cpu_vmxon(struct vtx_cpu *vc)
{
	unsigned long flags;
	int r;

	local_irq_save(flags);
	cr4_set_bits(X86_CR4_VMXE);
	/* VMXON #GPs while Intel PT traces, unless PT is VMX-aware. */
	intel_pt_handle_vmx(1);
	r = vtx_vmxon(page_to_phys(vc->vmxon_region));
	if (r) {
		intel_pt_handle_vmx(0);
		cr4_clear_bits(X86_CR4_VMXE);
	} else {
		WRITE_ONCE(vc->state, VTX_CPU_VMXON);
	}
	local_irq_restore(flags);
	return r;
}

/* VMXOFF and CR4.VMXE off on this CPU, if vtx put it in VMX operation. */
static void vtx_cpu_vmxoff(struct vtx_cpu *vc)
{
	unsigned long flags;

	local_irq_save(flags);
	if (vc->state == VTX_CPU_VMXON) {
		/* SDM 24.11: VMCLEAR every active VMCS before VMXOFF. */
		vtx_vmx_clear_cpu_vmcss();
		vtx_vmxoff();
		intel_pt_handle_vmx(0);
		cr4_clear_bits(X86_CR4_VMXE);
		WRITE_ONCE(vc->state, VTX_CPU_OFF);
	}
	local_irq_restore(flags);
}

/* Everything a CPU needs before VMXON; shared by hotplug and resume. */
static int vtx_cpu_enter_vmx(unsigned int cpu, struct vtx_cpu *vc)
{
	int r;

	/* Someone else (kvm_intel, VirtualBox, ...) owns VMX here. */
	if (cr4_read_shadow() & X86_CR4_VMXE) {
		pr_err("CPU%u: CR4.VMXE is already set: another hypervisor (kvm_intel?) is using VMX; unload it before loading vtx\n",
		       cpu);
		return -EBUSY;
	}
	r = vtx_cpu_check_feature_control(cpu);
	if (!r)
		r = vtx_cpu_check_fixed_bits(cpu);
	if (r)
		return r;

	r = vtx_cpu_vmxon(vc);
	if (r)
		pr_err("CPU%u: VMXON %s\n", cpu, r == -EIO ?
		       "failed (VMfail: bad VMXON region or VMX already on)" :
		       "faulted");
	return r ? -EIO : 0;
}

/* CPUHP_AP_ONLINE_DYN startup: runs on @cpu itself, in process context. */
static int vtx_cpu_online(unsigned int cpu)
{
	struct vtx_cpu *vc = per_cpu_ptr(&vtx_cpu, cpu);
	struct vtx_vmcs_config cfg;
	const char *missing;
	struct page *region;
	int r;

	if (READ_ONCE(vtx_vmx_going_down))
		return 0;

	/* vtx programs one set of controls everywhere: CPUs must agree. */
	if (vtx_this_cpu_config(&cfg, &missing) ||
	    !vtx_vmcs_config_same(&cfg, &vtx_cfg)) {
		pr_err("CPU%u: VMX capabilities differ from the boot CPU's\n",
		       cpu);
		return -EIO;
	}

	region = alloc_pages_node(cpu_to_node(cpu), GFP_KERNEL | __GFP_ZERO, 0);
	if (!region)
		return -ENOMEM;
	/* SDM 25.11.5: the VMXON region starts with the revision id. */
	*(u32 *)page_address(region) = vtx_cfg.revision_id;
	vc->vmxon_region = region;
	atomic_long_inc(&vtx_vmcs_pages);

	r = vtx_cpu_enter_vmx(cpu, vc);
	if (r) {
		vc->vmxon_region = NULL;
		__free_page(region);
		atomic_long_dec(&vtx_vmcs_pages);
	}
	return r;
}

/* CPUHP_AP_ONLINE_DYN teardown: @cpu goes offline, or vtx unloads. */
static int vtx_cpu_offline(unsigned int cpu)
{
	struct vtx_cpu *vc = per_cpu_ptr(&vtx_cpu, cpu);

	vtx_cpu_vmxoff(vc);
	if (vc->vmxon_region) {
		__free_page(vc->vmxon_region);
		vc->vmxon_region = NULL;
		atomic_long_dec(&vtx_vmcs_pages);
	}
	return 0;
}

static void vtx_cpu_vmxoff_ipi(void *unused)
{
	vtx_cpu_vmxoff(this_cpu_ptr(&vtx_cpu));
}

/*
 * A CPU in VMX operation blocks INIT (SDM 24.8): left so, it could not be
 * reset into firmware or a kexec'd kernel.  Leave VMX everywhere first.
 */
static int vtx_reboot_notify(struct notifier_block *nb, unsigned long code,
			     void *unused)
{
	WRITE_ONCE(vtx_vmx_going_down, true);
	on_each_cpu(vtx_cpu_vmxoff_ipi, NULL, 1);
	pr_info("left VMX operation on every CPU: the machine goes down\n");
	return NOTIFY_OK;
}

static struct notifier_block vtx_reboot_nb = {
	.notifier_call = vtx_reboot_notify,
};

#ifdef VTX_HAS_EMERGENCY_VIRT_CB
/*
 * The kernel's emergency hook: kdump's crash path and an emergency
 * restart (panic with panic=N, sysrq-b) call it on every CPU, the others
 * from an NMI (arch/x86/kernel/reboot.c: crash_nmi_callback(),
 * cpu_emergency_disable_virtualization()).  A CPU left in VMX operation
 * blocks INIT (SDM 24.8): the crash kernel could not start it.  Any
 * context, NMI included: VMCLEAR vtx's VMCSs without touching their
 * list (the NMI may have interrupted a change of it), VMXOFF, CR4.VMXE
 * off, as KVM's vmx_emergency_disable() does.  Every VMX instruction vtx
 * may still run on this CPU afterwards has an exception-table fixup.
 */
static void vtx_emergency_disable(void)
{
	struct vtx_cpu *vc = this_cpu_ptr(&vtx_cpu);

	WRITE_ONCE(vtx_vmx_going_down, true);
	if (READ_ONCE(vc->state) != VTX_CPU_VMXON ||
	    !(__read_cr4() & X86_CR4_VMXE))
		return;
	vtx_vmx_emergency_vmclear();
	vtx_vmxoff();
	cr4_clear_bits(X86_CR4_VMXE);
	WRITE_ONCE(vc->state, VTX_CPU_OFF);
}

/*
 * The hook holds one callback (a second registration WARNs), and
 * kvm_intel registers its own: at load on 6.1 (vmx_init()), when it
 * enables VMX on 6.12 (kvm_arch_enable_virtualization()).  KVM's does
 * VMXOFF on every CPU whose CR4.VMXE is set, whoever set it
 * (__cpu_emergency_vmxoff() on 6.1, vmx_emergency_disable_virtualization_cpu()
 * on 6.12): it covers vtx's CPUs as well.  So vtx holds the hook only
 * while kvm_intel is not loaded: it gives it up as kvm_intel comes (a
 * module notifier runs before the module's init) and takes it back once
 * kvm_intel has gone.
 */
static DEFINE_MUTEX(vtx_emergency_lock);
static bool vtx_emergency_registered;

static void vtx_emergency_hold(bool hold)
{
	mutex_lock(&vtx_emergency_lock);
	if (hold && !vtx_emergency_registered)
		cpu_emergency_register_virt_callback(vtx_emergency_disable);
	else if (!hold && vtx_emergency_registered)
		cpu_emergency_unregister_virt_callback(vtx_emergency_disable);
	vtx_emergency_registered = hold;
	mutex_unlock(&vtx_emergency_lock);
}

/* Is kvm_intel loaded?  Its sysfs directory says (no exported lookup). */
static bool vtx_kvm_intel_loaded(void)
{
	struct path path;

	if (kern_path("/sys/module/kvm_intel", 0, &path))
		return false;
	path_put(&path);
	return true;
}

static int vtx_module_notify(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	struct module *mod = data;

	if (strcmp(mod->name, "kvm_intel"))
		return NOTIFY_DONE;
	if (action == MODULE_STATE_COMING)
		vtx_emergency_hold(false);
	else if (action == MODULE_STATE_GOING)
		vtx_emergency_hold(true);
	return NOTIFY_DONE;
}

static struct notifier_block vtx_module_nb = {
	.notifier_call = vtx_module_notify,
};

static void vtx_emergency_init(void)
{
	register_module_notifier(&vtx_module_nb);
	if (vtx_kvm_intel_loaded())
		pr_info("kvm_intel is loaded: its emergency hook leaves VMX on a crash, for vtx too\n");
	else
		vtx_emergency_hold(true);
}

static void vtx_emergency_exit(void)
{
	unregister_module_notifier(&vtx_module_nb);
	vtx_emergency_hold(false);
}
#else
static void vtx_emergency_init(void) { }
static void vtx_emergency_exit(void) { }
#endif

/* Once the machine goes down, VMX instructions may fault: say nothing. */
bool vtx_vmx_is_going_down(void)
{
	return READ_ONCE(vtx_vmx_going_down);
}

/*
 * A panic that neither reboots at once nor starts a crash kernel: the
 * panicking CPU leaves VMX (the others were stopped by then; a crash
 * kernel or an emergency restart goes through vtx_emergency_disable()).
 */
static int vtx_panic_notify(struct notifier_block *nb, unsigned long code,
			    void *unused)
{
	vtx_cpu_vmxoff(this_cpu_ptr(&vtx_cpu));
	return NOTIFY_DONE;
}

static struct notifier_block vtx_panic_nb = {
	.notifier_call = vtx_panic_notify,
};

/*
 * Suspend runs on the last online CPU with interrupts off; others are
 * offline by then and went through vtx_cpu_offline().
 */
static int vtx_suspend_cpu(void)
{
	vtx_cpu_vmxoff(this_cpu_ptr(&vtx_cpu));
	return 0;
}

static void vtx_resume_cpu(void)
{
	unsigned int cpu = smp_processor_id();
	struct vtx_cpu *vc = this_cpu_ptr(&vtx_cpu);

	if (vc->vmxon_region && vtx_cpu_enter_vmx(cpu, vc))
		pr_err("CPU%u: could not re-enter VMX operation after resume\n",
		       cpu);
}

#ifdef VTX_SYSCORE_HAS_DATA	/* the syscore API of Linux 6.18 and backports */
static int vtx_syscore_suspend(void *data) { return vtx_suspend_cpu(); }
static void vtx_syscore_resume(void *data) { vtx_resume_cpu(); }
static const struct syscore_ops vtx_syscore_ops = {
	.suspend = vtx_syscore_suspend,
	.resume = vtx_syscore_resume,
};
static struct syscore vtx_syscore = { .ops = &vtx_syscore_ops };
#define vtx_register_syscore()		register_syscore(&vtx_syscore)
#define vtx_unregister_syscore()	unregister_syscore(&vtx_syscore)
#else
static struct syscore_ops vtx_syscore_ops = {
	.suspend = vtx_suspend_cpu,
	.resume = vtx_resume_cpu,
};
#define vtx_register_syscore()		register_syscore_ops(&vtx_syscore_ops)
#define vtx_unregister_syscore()	unregister_syscore_ops(&vtx_syscore_ops)
#endif

static void vtx_vmx_probe_ipi(void *probed)
{
	if (vtx_in_vmx_root())
		cpumask_set_cpu(smp_processor_id(), probed);
}

void vtx_vmx_query_cpus(struct cpumask *vmxon, struct cpumask *probed)
{
	unsigned int cpu;

	cpumask_clear(vmxon);
	cpumask_clear(probed);
	cpus_read_lock();
	for_each_online_cpu(cpu)
		if (READ_ONCE(per_cpu(vtx_cpu, cpu).state) == VTX_CPU_VMXON)
			cpumask_set_cpu(cpu, vmxon);
	on_each_cpu(vtx_vmx_probe_ipi, probed, 1);
	cpus_read_unlock();
}

int vtx_vmx_init(const struct vtx_vmx_options *opt)
{
	const char *missing = NULL;
	int r;

	vtx_opt = *opt;
	/* SDM 24.6: CPUID.1:ECX.VMX[bit 5] says the CPU has VMX at all. */
	if (!(cpuid_ecx(1) & BIT(5))) {
		pr_err("this CPU has no VT-x (CPUID.1:ECX.VMX is 0; under a hypervisor, enable nested VMX)\n");
		return -ENODEV;
	}
	r = vtx_this_cpu_config(&vtx_cfg, &missing);
	if (r) {
		pr_err("this CPU lacks a VMX feature vtx requires: %s\n",
		       missing);
		return r;
	}

	r = vtx_vmx_vcpu_init_global();
	if (r)
		return r;
	register_reboot_notifier(&vtx_reboot_nb);
	atomic_notifier_chain_register(&panic_notifier_list, &vtx_panic_nb);
	vtx_register_syscore();
	vtx_emergency_init();

	/* Runs vtx_cpu_online() on every online CPU, unwinding on failure. */
	r = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "vtx:online",
			      vtx_cpu_online, vtx_cpu_offline);
	if (r < 0) {
		vtx_emergency_exit();
		vtx_unregister_syscore();
		atomic_notifier_chain_unregister(&panic_notifier_list,
						 &vtx_panic_nb);
		unregister_reboot_notifier(&vtx_reboot_nb);
		vtx_vmx_vcpu_exit_global();
		return r;
	}
	vtx_cpuhp_state = r;
	pr_info("VMX on %u CPUs: VMCS revision %u, %u bytes; EPT%s, VPID %s\n",
		num_online_cpus(), vtx_cfg.revision_id, vtx_cfg.vmcs_size,
		vtx_cfg_has_ept_2m(&vtx_cfg) ? " with 2M pages" : "",
		vtx_cfg_has_vpid(&vtx_cfg) ? "on" : "off");
	return 0;
}

void vtx_vmx_exit(void)
{
	/* Runs vtx_cpu_offline() on every online CPU. */
	cpuhp_remove_state(vtx_cpuhp_state);
	vtx_emergency_exit();
	vtx_unregister_syscore();
	atomic_notifier_chain_unregister(&panic_notifier_list, &vtx_panic_nb);
	unregister_reboot_notifier(&vtx_reboot_nb);
	vtx_vmx_vcpu_exit_global();
}
