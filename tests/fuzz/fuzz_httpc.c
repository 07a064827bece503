/* libFuzzer target: HTTP responses as the daemon (Docker/Podman answers)
 * and chaosctl (chaosd's answers and event streams) read them. The whole
 * input through httpc_parse(), then the same bytes fed to httpc_reader in
 * pieces whose sizes come from the input itself (a connection delivers
 * them at any border): both must agree on status and body. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "httpc.h"

struct collected {
        char *buf;
        size_t len;
};

static int collect(int status, const char *at, size_t len, void *ud)
{
        struct collected *c = ud;
        char *nb;

        if (c->len + len > HTTPC_MAX_BODY)
                return 1;
        nb = realloc(c->buf, c->len + len + 1);
        if (!nb)
                return 1;
        memcpy(nb + c->len, at, len);
        c->buf = nb;
        c->len += len;
        return 0;
}

/* Piece sizes cycle through the first bytes of the input (1..16). */
static int feed_in_pieces(const uint8_t *data, size_t size, struct httpc_reader *rd)
{
        size_t off = 0, k = 0;
        struct error e;
        int r = HTTPC_MORE;

        while (off < size && r == HTTPC_MORE) {
                size_t n = (size_t)(data[k++ % (size < 8 ? size : 8)] % 16) + 1;

                if (n > size - off)
                        n = size - off;
                r = httpc_reader_feed(rd, (const char *)data + off, n, &e);
                off += n;
        }
        if (r == HTTPC_MORE)
                r = httpc_reader_feed(rd, (const char *)data, 0, &e);
        return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct collected c = { 0 };
        struct httpc_reader rd;
        struct httpc_reply r;
        struct error e;
        int whole, pieces;

        whole = httpc_parse((const char *)data, size, &r, &e);
        if (whole == 0) {
                cJSON *j = cJSON_ParseWithLength(r.body, r.len);

                (void)cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "State"), "Pid");
                cJSON_Delete(j);
        }
        httpc_reader_init(&rd, collect, &c);
        pieces = feed_in_pieces(data, size, &rd);
        if (whole == 0 && pieces == HTTPC_DONE &&
            (httpc_reader_status(&rd) != r.status || c.len != r.len || (c.len && memcmp(c.buf, r.body, c.len) != 0)))
                abort(); /* the same answer read two ways differs */
        if (whole == 0 && pieces < 0)
                abort(); /* accepted whole but refused in pieces */
        if (whole == 0)
                httpc_reply_free(&r);
        free(c.buf);
        return 0;
}
