// System-library shim: declarations only, no logic.
#include <cblas.h>
