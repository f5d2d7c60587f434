// noise.hpp only gathers the Noise headers; this unit checks it stands alone.
#include "crypto/noise.hpp"
