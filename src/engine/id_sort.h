/* SPDX-License-Identifier: MIT */
/*
 * id_sort.h -- record ids in byte order, the order a receipt names its candidates in.
 */
#ifndef STEME_ENGINE_ID_SORT_H
#define STEME_ENGINE_ID_SORT_H

#include <stddef.h>

#include "steme.h"

/* Sorts v[0..n) by the ids' bytes (memcmp order). */
void steme__ids_sort(steme_id *v, size_t n);

#endif
