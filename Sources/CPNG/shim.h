// System-library shim: declarations only, no logic.
#include <png.h>
