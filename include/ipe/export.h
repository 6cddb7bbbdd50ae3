/* SPDX-License-Identifier: MIT */
/* libipe: symbol visibility of the public API.
 *
 * libipe.so is built with -fvisibility=hidden: a function is part of the ABI
 * only when its declaration in a public header (include/ipe/) carries IPE_EXPORT.  To add a
 * public function:
 *   1. declare it in its public header as  IPE_EXPORT int ipe_foo(...);
 *      with a comment saying what it does and returns;
 *   2. add its name, in sorted order, to tests/install/libipe.symbols
 *      (the install test compares the exported symbols with that list exactly);
 *   3. nothing else: src/libipe.map puts every exported ipe_* symbol in the
 *      LIBIPE_0 version node, and the ABI check (tests/abi) accepts additions.
 * Internal helpers (under src/) never carry IPE_EXPORT. */
#ifndef IPE_EXPORT_H
#define IPE_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define IPE_EXPORT __attribute__((visibility("default")))
#else
#define IPE_EXPORT
#endif

#endif
