/* API authorisation: the peer of a Unix-socket connection is allowed when it
 * is root or belongs (primary or supplementary group) to the socket's group.
 * SO_PEERCRED/SO_PEERGROUPS are the kernel's word at connect time, so a
 * client cannot claim another identity. */
#include <errno.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "peercred.h"

int peer_allowed(int fd, gid_t group, uid_t *ret_uid)
{
        struct ucred cr;
        socklen_t len = sizeof(cr);
        gid_t groups[256];

        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
                return -errno;
        *ret_uid = cr.uid;
        if (cr.uid == 0 || (group != 0 && cr.gid == group))
                return 1;
        if (group == 0)
                return 0;
        len = sizeof(groups);
        if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
                return errno == ERANGE ? 0 : -errno;
        for (size_t i = 0; i < len / sizeof(gid_t); i++)
                if (groups[i] == group)
                        return 1;
        return 0;
}
