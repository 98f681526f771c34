// System-library shim: declarations only, no logic. FreeType (FreeType License, BSD-style) renders caption text.
#include <ft2build.h>
#include FT_FREETYPE_H
