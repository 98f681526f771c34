// System-library shim: declarations only, no logic.
#include <zlib.h>
