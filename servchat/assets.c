/* assets.c: lookup in the embedded table (generated sorted by path). */
#include <stdlib.h>
#include <string.h>

#include "assets.h"

static int
asset_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct asset *)elem)->path);
}

const struct asset *
assets_find(const char *path)
{
	if (assets_count == 0)
		return NULL;
	return bsearch(path, assets, assets_count, sizeof(assets[0]),
	    asset_cmp);
}
