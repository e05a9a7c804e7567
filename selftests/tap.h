/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tap.h - a header-only TAP 13 producer for vtx's in-VM selftests.
 *
 * The test bed counts "ok N" / "not ok N" lines on the serial console and
 * run_tests.sh compares them with the plan, so every program prints its
 * plan first: a crash then shows up as missing results.  Results are
 * printed by the main thread only; diag() may be called from any thread
 * or forked child.
 */
#ifndef _VTX_SELFTEST_TAP_H
#define _VTX_SELFTEST_TAP_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* kselftest exit codes, which run_tests.sh interprets. */
#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_SKIP	4

#define TAP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define TAP_NORETURN	__attribute__((noreturn))

static int tap_planned, tap_run, tap_failed;

/* Print one line with a single stdio call, so threads do not interleave. */
static inline void tap_vline(const char *prefix, const char *fmt, va_list ap)
{
	char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	printf("%s%s\n", prefix, buf);
}

static inline TAP_PRINTF(1, 2) void diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vline("# ", fmt, ap);
	va_end(ap);
}

static inline void tap_plan(int n)
{
	/*
	 * Line buffering even on a pipe: a fork()ed child must not inherit
	 * (and print again) half a buffer of the parent's results.
	 */
	setvbuf(stdout, NULL, _IOLBF, 0);
	tap_planned = n;
	printf("TAP version 13\n1..%d\n", n);
}

/* The whole program does not apply here: say why, exit 4. */
static inline TAP_PRINTF(1, 2) TAP_NORETURN
void tap_skip_all(const char *fmt, ...)
{
	va_list ap;

	printf("TAP version 13\n");
	va_start(ap, fmt);
	tap_vline("1..0 # SKIP ", fmt, ap);
	va_end(ap);
	fflush(stdout);
	exit(KSFT_SKIP);
}

static inline void tap_vresult(int pass, const char *fmt, va_list ap,
			       const char *skip)
{
	char desc[256];

	vsnprintf(desc, sizeof(desc), fmt, ap);
	tap_run++;
	if (!pass)
		tap_failed++;
	if (skip)
		printf("ok %d - %s # SKIP %s\n", tap_run, desc, skip);
	else
		printf("%sok %d - %s\n", pass ? "" : "not ", tap_run, desc);
}

/* One result; returns @pass so that callers can add diagnostics. */
static inline TAP_PRINTF(2, 3) int ok(int pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vresult(!!pass, fmt, ap, NULL);
	va_end(ap);
	return !!pass;
}

static inline TAP_PRINTF(2, 3) void skip(const char *reason,
					  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vresult(1, fmt, ap, reason);
	va_end(ap);
}

/* The exit status of a program: missing results are a failure too. */
static inline int tap_exit(void)
{
	if (tap_run != tap_planned) {
		diag("planned %d results, printed %d", tap_planned, tap_run);
		return KSFT_FAIL;
	}
	if (tap_failed)
		diag("%d of %d failed", tap_failed, tap_run);
	return tap_failed ? KSFT_FAIL : KSFT_PASS;
}

/* Nothing more can be tested: report, and let tap_exit() count the rest. */
static inline TAP_PRINTF(1, 2) TAP_NORETURN
void tap_bail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vline("# bailing out: ", fmt, ap);
	va_end(ap);
	tap_exit();
	exit(KSFT_FAIL);
}

/* "EBUSY" rather than a number: the names are what <linux/kvm.h> documents. */
static inline const char *errno_name(int e)
{
	static const struct { int e; const char *name; } names[] = {
#define E_(x) { x, #x }
		E_(EPERM), E_(ENOENT), E_(ESRCH), E_(EINTR), E_(EIO),
		E_(ENXIO), E_(E2BIG), E_(ENOEXEC), E_(EBADF), E_(EAGAIN),
		E_(ENOMEM), E_(EACCES), E_(EFAULT), E_(EBUSY), E_(EEXIST),
		E_(ENODEV), E_(EINVAL), E_(ENFILE), E_(EMFILE), E_(ENOTTY),
		E_(ENOSPC), E_(ERANGE), E_(ENOSYS), E_(EOPNOTSUPP),
		E_(ETIMEDOUT),
#undef E_
	};
	static __thread char buf[24];
	size_t i;

	if (!e)
		return "0";
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].name;
	snprintf(buf, sizeof(buf), "errno %d", e);
	return buf;
}

static inline TAP_PRINTF(6, 7) int tap_check_ret(const char *call, long ret,
						 int err, long want,
						 int want_err,
						 const char *fmt, ...)
{
	int pass = ret == want && (want != -1 || err == want_err);
	va_list ap;

	va_start(ap, fmt);
	tap_vresult(pass, fmt, ap, NULL);
	va_end(ap);
	if (!pass) {
		diag("  %s", call);
		if (want == -1)
			diag("  returned %ld (errno %s), expected -1 (errno %s)",
			     ret, ret == -1 ? errno_name(err) : "unset",
			     errno_name(want_err));
		else
			diag("  returned %ld (errno %s), expected %ld",
			     ret, ret == -1 ? errno_name(err) : "unset", want);
	}
	return pass;
}

/*
 * ok_ioctl(call, want, want_errno, fmt, ...): one result for a system call
 * that must return @want; when @want is -1, errno must be @want_errno.
 * errno is read right after the call, before anything can clobber it.
 */
#define ok_ioctl(call, want, want_errno, ...)				\
({									\
	long r_;							\
	int e_;								\
									\
	errno = 0;							\
	r_ = (long)(call);						\
	e_ = errno;							\
	tap_check_ret(#call, r_, e_, (want), (want_errno), __VA_ARGS__); \
})

#endif /* _VTX_SELFTEST_TAP_H */
