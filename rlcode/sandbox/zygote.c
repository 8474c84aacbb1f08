/* The zygote's clone loop, a CPython extension module (runner.py: zygote_main; compiled into
   every sandbox image, loaded from /opt/rlcode/zygote.so as `_rlzygote`).

   After each clone the zygote's memory is shared copy-on-write with the new child, so every page
   either of them writes costs a page fault and a copy. The same loop in Python wrote some fifty
   pages of the zygote per candidate (the interpreter's frames, reference counts, allocator); this
   one writes its stack and the first page of its buffer. In the child it also restores the
   process name and hands the request back as Python objects directly, which costs the child far
   fewer pages than returning through ctypes. Without it the runner runs the same loop in Python. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CLONE_PARENT 0x00008000
#define MAX_FDS 16

/* In .bss: pages the kernel never writes stay unmapped, so they cost a clone nothing. */
static char request[1 << 20];

/* serve(sock, name): serve the runner's requests on the SOCK_SEQPACKET socket `sock`: for each,
   clone a child with CLONE_PARENT (the runner stays its parent) and answer its pid (big-endian
   int32; -1 when clone is refused). Returns only in a new child, named `name` again: (request
   bytes, [descriptors it carried]). The zygote exits when the runner closes the socket. */
static PyObject *serve(PyObject *module, PyObject *args)
{
    int sock;
    const char *name;
    if (!PyArg_ParseTuple(args, "iy", &sock, &name))
        return NULL;
    char control[CMSG_SPACE(sizeof(int) * MAX_FDS)];
    int fds[MAX_FDS];
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
                if (count < MAX_FDS)
                    fds[count++] = received[i];
                else
                    close(received[i]);
            }
        }
        long pid = (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
                       ? -1 /* a request this loop cannot hold whole: refuse it */
                       : syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
        if (pid == 0) {
            prctl(PR_SET_NAME, name, 0, 0, 0);
            PyObject *list = PyList_New(count);
            if (list == NULL)
                return NULL;
            for (int i = 0; i < count; i++)
                PyList_SET_ITEM(list, i, PyLong_FromLong(fds[i]));
            return Py_BuildValue("(y#N)", request, (Py_ssize_t)n, list);
        }
        for (int i = 0; i < count; i++)
            close(fds[i]);
        int32_t answer = (int32_t)htonl((uint32_t)(pid < 0 ? -1 : (int32_t)pid));
        while (send(sock, &answer, sizeof answer, 0) < 0 && errno == EINTR)
            ;
    }
}

/* set_name(name): this process's name (/proc/PID/comm). With undumpable, it keeps ctypes and
   libffi out of the zygote (ten mappings, ~130 KB, that every clone would map again). */
static PyObject *set_name(PyObject *module, PyObject *args)
{
    const char *name;
    if (!PyArg_ParseTuple(args, "y", &name))
        return NULL;
    prctl(PR_SET_NAME, name, 0, 0, 0);
    Py_RETURN_NONE;
}

/* become(out, err, stdin, keep): what runner._become_candidate does with a new child's
   descriptors, without Python code that every child would run afresh: a session of its own,
   stdin/stdout/stderr from the given fds, every other fd closed but `keep` (-1: none). False,
   having done nothing, where the kernel has no close_range (before Linux 5.9). */
static PyObject *become(PyObject *module, PyObject *args)
{
    int out, err, in, keep;
    if (!PyArg_ParseTuple(args, "iiii", &out, &err, &in, &keep))
        return NULL;
    if (syscall(SYS_close_range, ~0U, ~0U, 0) < 0 && errno == ENOSYS)
        Py_RETURN_FALSE;
    if (setsid() < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
        return PyErr_SetFromErrno(PyExc_OSError);
    if ((keep > 3 && syscall(SYS_close_range, 3, keep - 1, 0) < 0)
        || syscall(SYS_close_range, (keep >= 3 ? keep : 2) + 1, ~0U, 0) < 0)
        return PyErr_SetFromErrno(PyExc_OSError);
    Py_RETURN_TRUE;
}

/* set_limits([(resource, soft, hard), ...]): setrlimit for each (runner.rlimits made them). */
static PyObject *set_limits(PyObject *module, PyObject *triples)
{
    PyObject *seq = PySequence_Fast(triples, "set_limits takes a sequence");
    if (seq == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
        int which;
        unsigned long long soft, hard;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, i), "iKK", &which, &soft, &hard))
            goto fail;
        struct rlimit limit = {(rlim_t)soft, (rlim_t)hard};
        if (setrlimit(which, &limit) < 0) {
            PyErr_SetFromErrno(PyExc_OSError);
            goto fail;
        }
    }
    Py_DECREF(seq);
    Py_RETURN_NONE;
fail:
    Py_DECREF(seq);
    return NULL;
}

/* undumpable(): what runner._undumpable does (PR_SET_DUMPABLE 0), without ctypes. */
static PyObject *undumpable(PyObject *module, PyObject *unused)
{
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"undumpable", undumpable, METH_NOARGS, "Forbid same-uid processes to ptrace this one."},
    {"become", become, METH_VARARGS, "Set up a new child's session and descriptors."},
    {"set_limits", set_limits, METH_O, "setrlimit for each (resource, soft, hard)."},
    {"serve", serve, METH_VARARGS, "Serve clone requests; returns (request, fds) in each new child."},
    {"set_name", set_name, METH_VARARGS, "Set this process's name."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_rlzygote", NULL, -1, methods};

PyMODINIT_FUNC PyInit__rlzygote(void)
{
    return PyModule_Create(&module);
}
