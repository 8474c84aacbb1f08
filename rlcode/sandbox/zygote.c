/* The zygote's clone loop, in C (runner.py: zygote_main; built into every sandbox image).

   After each clone the zygote's memory is shared copy-on-write with the new child, so every page
   the zygote writes afterwards costs it a page fault and a copy. Its Python loop wrote some fifty
   pages per candidate (the interpreter's frames, reference counts, allocator); this loop writes
   its stack and the first page of its buffer. Loaded with ctypes.PyDLL; without it the runner
   falls back to the same loop in Python. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CLONE_PARENT 0x00008000
#define MAX_REQUEST (1 << 20)

/* In .bss: pages the kernel never writes stay unmapped, so they cost a clone nothing. */
static char request[MAX_REQUEST];

/* Serve the runner's requests on the SOCK_SEQPACKET socket `sock`: for each, clone a child with
   CLONE_PARENT (the runner stays its parent) and answer its pid (big-endian int32; -1 when clone
   is refused). Returns only in a new child: the request's length, with its bytes at *data and up
   to `maxfds` of the descriptors it carried in `fds` (their count in *nfds). The zygote exits
   when the runner closes the socket. */
long rl_zygote_serve(int sock, int *fds, int maxfds, int *nfds, char **data)
{
    char control[CMSG_SPACE(sizeof(int) * 16)];
    for (;;) {
        struct iovec iov = {request, sizeof request};
        struct msghdr msg = {0};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        ssize_t n = recvmsg(sock, &msg, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            _exit(1);
        }
        if (n == 0)
            _exit(0); /* the runner is gone */
        int count = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                continue;
            int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            int *received = (int *)CMSG_DATA(c);
            for (int i = 0; i < k; i++) {
                if (count < maxfds)
                    fds[count++] = received[i];
                else
                    close(received[i]);
            }
        }
        long pid = (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
                       ? -1 /* a request this loop cannot hold whole: refuse it */
                       : syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
        if (pid == 0) {
            *nfds = count;
            *data = request;
            return (long)n;
        }
        for (int i = 0; i < count; i++)
            close(fds[i]);
        int32_t answer = (int32_t)htonl((uint32_t)(pid < 0 ? -1 : (int32_t)pid));
        while (send(sock, &answer, sizeof answer, 0) < 0 && errno == EINTR)
            ;
    }
}
