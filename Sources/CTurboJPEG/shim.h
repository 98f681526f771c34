// System-library shim: declarations only, no logic.
#include <turbojpeg.h>
