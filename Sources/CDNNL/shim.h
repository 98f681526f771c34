// System-library shim: declarations only, no logic.
#include <oneapi/dnnl/dnnl.h>
