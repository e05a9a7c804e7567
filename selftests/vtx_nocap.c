// SPDX-License-Identifier: GPL-2.0
/*
 * vtx_nocap: run a command without CAP_SYS_ADMIN.  A helper of the shell
 * selftests (busybox has no setpriv), not a test itself.
 *
 *   vtx_nocap CMD [ARGS...]
 *
 * Drops CAP_SYS_ADMIN from the bounding set (so that exec as root does not
 * give it back) and from the effective, permitted and inheritable sets,
 * then execs CMD.  Every other capability stays: root keeps opening
 * /dev/vtx and pinning memory (CAP_IPC_LOCK), but vtx's dumps must then
 * withhold host addresses.  Exit status 2: usage or a failed drop; 127:
 * CMD cannot be run.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

int main(int argc, char **argv)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	unsigned int i = CAP_TO_INDEX(CAP_SYS_ADMIN);
	__u32 bit = CAP_TO_MASK(CAP_SYS_ADMIN);

	if (argc < 2) {
		fprintf(stderr, "usage: %s CMD [ARGS...]\n", argv[0]);
		return 2;
	}
	if (prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0)) {
		fprintf(stderr, "vtx_nocap: PR_CAPBSET_DROP: %s\n",
			strerror(errno));
		return 2;
	}
	if (syscall(SYS_capget, &h, d)) {
		fprintf(stderr, "vtx_nocap: capget: %s\n", strerror(errno));
		return 2;
	}
	d[i].effective &= ~bit;
	d[i].permitted &= ~bit;
	d[i].inheritable &= ~bit;
	if (syscall(SYS_capset, &h, d)) {
		fprintf(stderr, "vtx_nocap: capset: %s\n", strerror(errno));
		return 2;
	}
	execvp(argv[1], &argv[1]);
	fprintf(stderr, "vtx_nocap: exec %s: %s\n", argv[1], strerror(errno));
	return 127;
}
