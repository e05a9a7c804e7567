// SPDX-License-Identifier: GPL-2.0
/*
 * The study dumps (include/uapi/vtx.h): a vCPU's VMCS field by field, and a
 * VM's EPT as mappings and as the raw tree.  The array calls follow
 * KVM_GET_SUPPORTED_CPUID: the caller says how many entries it has room
 * for; too few is E2BIG with the number needed written back.  Host
 * addresses are for CAP_SYS_ADMIN only: they locate kernel memory.
 */
#include <linux/bitmap.h>
#include <linux/capability.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vtx.h"
#include "../vmx/lib/dump.h"

/* How many entries the caller made room for, or -E2BIG telling @need. */
static long vtx_dump_room(__u32 __user *unr, u32 need)
{
	u32 nr;

	if (get_user(nr, unr))
		return -EFAULT;
	if (nr < need)
		return put_user(need, unr) ? -EFAULT : -E2BIG;
	return 0;
}

/* One field as the dump shows it: SDM name, width, bits of control words. */
static void vtx_dump_field(struct vtx_vmcs_field *f, u32 enc, u64 value,
			   bool failed, bool show_host)
{
	int word = vtx_vmcs_field_control_word(enc);

	f->encoding = enc;
	f->width = vtx_vmcs_field_bits(enc);
	strscpy(f->name, vtx_vmcs_field_name(enc) ?: "", sizeof(f->name));
	if (failed) {
		f->flags = VTX_DUMP_UNSUPPORTED;
		return;
	}
	if (!show_host && vtx_vmcs_field_is_host_address(enc)) {
		f->flags = VTX_DUMP_HIDDEN;
		return;
	}
	f->value = value;
	if (word >= 0)
		vtx_control_bits_string(word, value, f->bits, sizeof(f->bits));
}

long vtx_vcpu_get_vmcs(struct vtx_vcpu *vcpu, struct vtx_vmcs_dump __user *u)
{
	bool show_host = capable(CAP_SYS_ADMIN);
	u32 n = vtx_vmcs_nr_fields, i;
	struct vtx_vmcs_field *f;
	unsigned long *failed;
	u64 *values;
	long r;

	r = vtx_dump_room(&u->nr, n);
	if (r)
		return r;
	f = kvcalloc(n, sizeof(*f), GFP_KERNEL_ACCOUNT);
	values = kvcalloc(n, sizeof(*values), GFP_KERNEL_ACCOUNT);
	failed = bitmap_zalloc(n, GFP_KERNEL_ACCOUNT);
	r = -ENOMEM;
	if (!f || !values || !failed)
		goto out;
	r = vtx_vmx_read_vmcs(&vcpu->vmx, values, failed);
	if (r)
		goto out;
	for (i = 0; i < n; i++)
		vtx_dump_field(&f[i], vtx_vmcs_field_list[i], values[i],
			       test_bit(i, failed), show_host);
	r = 0;
	if (copy_to_user(u->fields, f, array_size(n, sizeof(*f))) ||
	    put_user(n, &u->nr))
		r = -EFAULT;
out:
	bitmap_free(failed);
	kvfree(values);
	kvfree(f);
	return r;
}

/* --- EPT: one walk to count, one to fill, under the slot lock ------------ */

struct vtx_ept_dump {
	bool show_hpa;
	u32 nr, max;			/* entries made, room (0: count only) */
	struct vtx_ept_mapping *maps;
	struct vtx_ept_entry *entries;
	struct vtx_ept_run run;
};

static void vtx_dump_put_run(struct vtx_ept_dump *dd)
{
	struct vtx_ept_mapping *m;

	if (!dd->run.size)
		return;
	if (dd->nr < dd->max) {
		m = &dd->maps[dd->nr];
		m->gpa = dd->run.gpa;
		m->size = dd->run.size;
		m->hpa = dd->show_hpa ? dd->run.hpa : 0;
		m->flags = dd->show_hpa ? 0 : VTX_DUMP_HIDDEN;
		m->page_size = dd->run.page_size;
		m->perms = dd->run.perms;	/* R/W/X: bits 0-2 both ways */
		m->memtype = dd->run.memtype;
	}
	dd->nr++;
}

static int vtx_dump_mapping(void *ctx, const struct vtx_ept_visit *e)
{
	struct vtx_ept_dump *dd = ctx;

	if (!e->d.leaf || vtx_ept_run_extend(&dd->run, e->gpa, &e->d))
		return 0;
	vtx_dump_put_run(dd);
	vtx_ept_run_start(&dd->run, e->gpa, &e->d);
	return 0;
}

static int vtx_dump_entry(void *ctx, const struct vtx_ept_visit *e)
{
	struct vtx_ept_dump *dd = ctx;
	struct vtx_ept_entry *out;

	if (dd->nr < dd->max) {
		out = &dd->entries[dd->nr];
		out->level = e->level;
		out->index = e->index;
		out->table = e->table;
		out->next_table = e->next_table;
		out->gpa = e->gpa;
		out->value = e->entry;
		if (!dd->show_hpa) {
			out->value &= ~VTX_EPT_ADDR_MASK;
			out->flags = VTX_DUMP_HIDDEN;
		}
	}
	dd->nr++;
	return 0;
}

/* Walk @vm's EPT with @fn twice: count, then fill an array of @size each. */
static long vtx_ept_dump(struct vtx_vm *vm, __u32 __user *unr,
			 void __user *uarray, size_t size,
			 vtx_ept_visit_t fn, bool runs)
{
	struct vtx_ept_dump dd = { .show_hpa = capable(CAP_SYS_ADMIN) };
	void *buf;
	long r;

	mutex_lock(&vm->lock);
	vtx_ept_walk(&vm->ept, fn, &dd);
	if (runs)
		vtx_dump_put_run(&dd);
	r = vtx_dump_room(unr, dd.nr);
	if (r)
		goto out;
	buf = kvcalloc(dd.nr ?: 1, size, GFP_KERNEL_ACCOUNT);
	r = -ENOMEM;
	if (!buf)
		goto out;
	dd.max = dd.nr;
	dd.nr = 0;
	dd.run.size = 0;
	dd.maps = buf;
	dd.entries = buf;
	vtx_ept_walk(&vm->ept, fn, &dd);
	if (runs)
		vtx_dump_put_run(&dd);
	/* Copy out without the slot lock: the user buffer may fault. */
	mutex_unlock(&vm->lock);
	r = 0;
	if (copy_to_user(uarray, buf, array_size(dd.nr, size)) ||
	    put_user(dd.nr, unr))
		r = -EFAULT;
	kvfree(buf);
	return r;
out:
	mutex_unlock(&vm->lock);
	return r;
}

long vtx_vm_get_ept_mappings(struct vtx_vm *vm,
			     struct vtx_ept_mappings __user *u)
{
	return vtx_ept_dump(vm, &u->nr, u->mappings,
			    sizeof(struct vtx_ept_mapping), vtx_dump_mapping,
			    true);
}

long vtx_vm_get_ept_tree(struct vtx_vm *vm, struct vtx_ept_tree __user *u)
{
	return vtx_ept_dump(vm, &u->nr, u->entries,
			    sizeof(struct vtx_ept_entry), vtx_dump_entry, false);
}
