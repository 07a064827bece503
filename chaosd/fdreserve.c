#include "fdreserve.h"

#include <fcntl.h>
#include <unistd.h>

#define FDRESERVE_DEFAULT 8
#define FDRESERVE_MAX 64

static int reserve[FDRESERVE_MAX];
static int held, wanted;

static void take(void)
{
        while (held < wanted) {
                int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

                if (fd < 0)
                        return;
                reserve[held++] = fd;
        }
}

int fdreserve_init(int n)
{
        fdreserve_free();
        wanted = n <= 0 ? FDRESERVE_DEFAULT : n > FDRESERVE_MAX ? FDRESERVE_MAX : n;
        take();
        return held;
}

int fdreserve_release(void)
{
        int n = held;

        while (held > 0)
                close(reserve[--held]);
        return n;
}

void fdreserve_retake(void)
{
        take();
}

void fdreserve_free(void)
{
        (void)fdreserve_release();
        wanted = 0;
}
