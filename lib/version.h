/* The one version of chaosd and chaosctl (both binaries, the API's
 * /v1/health, the probes' User-Agent). */
#pragma once

#define CHAOSD_VERSION "0.1.0"
