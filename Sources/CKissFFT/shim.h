// System-library shim: declarations only, no logic. Debian's libkissfft-dev (BSD-3-Clause) ships the float build.
#ifndef kiss_fft_scalar
#define kiss_fft_scalar float
#endif
#include <kissfft/kiss_fft.h>
