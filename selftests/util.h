/* SPDX-License-Identifier: GPL-2.0 */
/*
 * util.h - what several vtx selftests need: the online CPUs as sysfs sees
 * them, VTX_GET_STATUS, and the "vtx is healthy" verdict on its answer.
 * Include after tap.h.
 */
#ifndef _VTX_SELFTEST_UTIL_H
#define _VTX_SELFTEST_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vtx.h"

#define CPU_ONLINE_PATH	"/sys/devices/system/cpu/online"
#define MASK_WORDS	(VTX_STATUS_MAX_CPUS / 64)

struct cpu_set_bits {
	__u64 mask[MASK_WORDS];	/* the CPUs below VTX_STATUS_MAX_CPUS */
	unsigned int count;	/* all of them */
};

static inline int mask_test(const __u64 *mask, unsigned int cpu)
{
	return cpu < VTX_STATUS_MAX_CPUS &&
	       (mask[cpu / 64] >> (cpu % 64)) & 1;
}

static inline int mask_equal(const __u64 *a, const __u64 *b)
{
	return !memcmp(a, b, MASK_WORDS * sizeof(__u64));
}

/* "0-1,3" style, as in sysfs, for diagnostics. */
static inline const char *mask_str(const __u64 *mask, char *buf, size_t len)
{
	const char *sep = "";
	unsigned int cpu, first;
	char item[32];

	buf[0] = '\0';
	for (cpu = 0; cpu < VTX_STATUS_MAX_CPUS; cpu++) {
		if (!mask_test(mask, cpu))
			continue;
		first = cpu;
		while (mask_test(mask, cpu + 1))
			cpu++;
		if (cpu == first)
			snprintf(item, sizeof(item), "%s%u", sep, first);
		else
			snprintf(item, sizeof(item), "%s%u-%u", sep, first, cpu);
		strncat(buf, item, len - strlen(buf) - 1);
		sep = ",";
	}
	return buf[0] ? buf : "none";
}

/* Parse /sys/devices/system/cpu/online ("0-3,6\n"); -1 on error. */
static inline int read_online_cpus(struct cpu_set_bits *set)
{
	char buf[1024], *p = buf, *end;
	unsigned long lo, hi, cpu;
	ssize_t n;
	int fd;

	memset(set, 0, sizeof(*set));
	fd = open(CPU_ONLINE_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	while (*p && *p != '\n') {
		lo = strtoul(p, &end, 10);
		if (end == p)
			return -1;
		hi = lo;
		if (*end == '-') {
			p = end + 1;
			hi = strtoul(p, &end, 10);
			if (end == p || hi < lo)
				return -1;
		}
		for (cpu = lo; cpu <= hi; cpu++) {
			set->count++;
			if (cpu < VTX_STATUS_MAX_CPUS)
				set->mask[cpu / 64] |= 1ULL << (cpu % 64);
		}
		p = *end == ',' ? end + 1 : end;
	}
	return set->count ? 0 : -1;
}

/* VTX_GET_STATUS with the whole struct; the ioctl's return value. */
static inline int vtx_get_status(int fd, struct vtx_status *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return ioctl(fd, VTX_GET_STATUS, st);
}

/*
 * Is vtx in VMX root operation on exactly the online CPUs, by both its
 * bookkeeping and the VMPTRST probe, with nothing else alive?  Prints
 * every mismatch; returns 1 when healthy.
 */
static inline int status_healthy(const struct vtx_status *st,
				 const struct cpu_set_bits *online)
{
	char a[128], b[128];
	int good = 1;

#define EXPECT(cond, ...) do {					\
		if (!(cond)) {						\
			diag(__VA_ARGS__);				\
			good = 0;					\
		}							\
	} while (0)
	EXPECT(st->size == sizeof(*st), "  size %u, expected %zu",
	       st->size, sizeof(*st));
	EXPECT(st->api_version == VTX_KVM_API_VERSION,
	       "  api_version %u, expected %d", st->api_version,
	       VTX_KVM_API_VERSION);
	EXPECT(st->nr_online_cpus == online->count,
	       "  nr_online_cpus %u, sysfs says %u", st->nr_online_cpus,
	       online->count);
	EXPECT(st->nr_vmxon_cpus == online->count,
	       "  nr_vmxon_cpus %u, expected %u (online)", st->nr_vmxon_cpus,
	       online->count);
	EXPECT(st->nr_vmx_probed_cpus == online->count,
	       "  nr_vmx_probed_cpus %u, expected %u (online)",
	       st->nr_vmx_probed_cpus, online->count);
	EXPECT(mask_equal(st->vmxon_mask, online->mask),
	       "  vmxon_mask %s, online CPUs %s",
	       mask_str(st->vmxon_mask, a, sizeof(a)),
	       mask_str(online->mask, b, sizeof(b)));
	EXPECT(mask_equal(st->vmx_probed_mask, online->mask),
	       "  vmx_probed_mask %s, online CPUs %s",
	       mask_str(st->vmx_probed_mask, a, sizeof(a)),
	       mask_str(online->mask, b, sizeof(b)));
	EXPECT(!st->nr_vms && !st->nr_vcpus && !st->pinned_pages,
	       "  nr_vms %llu, nr_vcpus %llu, pinned_pages %llu, expected 0",
	       (unsigned long long)st->nr_vms,
	       (unsigned long long)st->nr_vcpus,
	       (unsigned long long)st->pinned_pages);
	EXPECT(st->vmcs_pages >= online->count,
	       "  vmcs_pages %llu, expected >= %u (a VMXON region per CPU)",
	       (unsigned long long)st->vmcs_pages, online->count);
#undef EXPECT
	return good;
}

/* Open the device, get and judge its status: the one-line health check. */
static inline int vtx_healthy(const char *dev)
{
	struct cpu_set_bits online;
	struct vtx_status st;
	int fd, r;

	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		diag("  open %s: %s", dev, strerror(errno));
		return 0;
	}
	r = vtx_get_status(fd, &st);
	if (r) {
		diag("  VTX_GET_STATUS returned %d (errno %s)", r,
		     errno_name(errno));
		close(fd);
		return 0;
	}
	close(fd);
	if (read_online_cpus(&online)) {
		diag("  cannot parse %s", CPU_ONLINE_PATH);
		return 0;
	}
	return status_healthy(&st, &online);
}

/* The number a sysfs or debugfs file holds; -1 if it cannot be read. */
static inline long long read_number_file(const char *path)
{
	char buf[32];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtoll(buf, NULL, 10);
}

/* ---- CPU 1 going offline and online (the hotplug tests) ------------------ */

#define CPU1_ONLINE	"/sys/devices/system/cpu/cpu1/online"

/* Write "0" or "1" to CPU 1's online file; async-signal-safe. */
static inline int set_cpu1_online(int on)
{
	int fd = open(CPU1_ONLINE, O_WRONLY | O_CLOEXEC);
	int r = -1, err;

	if (fd < 0)
		return -1;
	if (write(fd, on ? "1" : "0", 1) == 1)
		r = 0;
	err = errno;
	close(fd);
	errno = err;
	return r;
}

static inline int cpu1_is_online(void)
{
	char c = '0';
	int fd = open(CPU1_ONLINE, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (read(fd, &c, 1) != 1)
		c = '0';
	close(fd);
	return c == '1';
}

static inline void restore_cpu1(void)
{
	set_cpu1_online(1);
}

#endif /* _VTX_SELFTEST_UTIL_H */
