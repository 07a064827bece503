/* libFuzzer target: runtime API responses (Docker/Podman) as the daemon
 * parses them: http-parser framing, then the JSON it reads. */
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "httpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct httpc_reply r;
        struct error e;

        if (httpc_parse((const char *)data, size, &r, &e) == 0) {
                cJSON *j = cJSON_ParseWithLength(r.body, r.len);

                (void)cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "State"), "Pid");
                cJSON_Delete(j);
                httpc_reply_free(&r);
        }
        return 0;
}
