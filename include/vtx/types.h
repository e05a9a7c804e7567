/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel types and helpers that vtx's pure logic (every file under
 * vmx/lib/ and ept/lib/) uses, so that the same source builds in the module
 * and in the userspace unit tests.  Nothing else may be included there.
 */
#ifndef _VTX_TYPES_H
#define _VTX_TYPES_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/bits.h>
#include <linux/stddef.h>
#include <linux/kernel.h>
#else
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <errno.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define BIT(n)		(1UL << (n))
#define BIT_ULL(n)	(1ULL << (n))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#endif /* _VTX_TYPES_H */
