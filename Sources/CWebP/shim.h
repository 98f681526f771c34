// System-library shim: declarations only, no logic.
#include <webp/decode.h>
#include <webp/encode.h>
