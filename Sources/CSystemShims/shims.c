#define _GNU_SOURCE
#include <malloc.h>
#include <sys/epoll.h>
#include "CSystemShims.h"
#include <errno.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <pthread.h>
#include <string.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

int p2p_accept_cloexec_nonblock(int fd, struct sockaddr *address, socklen_t *length) {
    return accept4(fd, address, length, SOCK_CLOEXEC | SOCK_NONBLOCK);
}

int p2p_set_parent_death_signal(int signal) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0, 0, 0);
}

int p2p_peer_uid(int fd, unsigned int *uid) {
    struct ucred credentials;
    socklen_t length = sizeof credentials;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) return -1;
    *uid = credentials.uid;
    return 0;
}

void p2p_name_this_thread(const char *name) {
    char short_name[16];
    strncpy(short_name, name, sizeof short_name - 1);
    short_name[sizeof short_name - 1] = 0;
    pthread_setname_np(pthread_self(), short_name);
}

int p2p_spawn_detached(const char *path, char *const argv[], int report_fd) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    sigset_t none, defaults;
    pid_t pid = -1;
    int result;

    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, report_fd, 3);
    /* Nothing else the caller holds may live on in the supervisor: a caller that waits for a
       descriptor to close (Foundation.Process watches a socket; $(...) a pipe) would wait
       for as long as the network runs. */
    posix_spawn_file_actions_addclosefrom_np(&actions, 4);
    /* A clean start: no blocked signals, default dispositions for the ones that matter. */
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGHUP);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    result = posix_spawn(&pid, path, &actions, &attributes, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (result != 0) { errno = result; return -1; }
    return pid;
}

int p2p_wait_for_exit(int pid, int timeout_ms) {
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0) return errno == ESRCH ? 1 : -1;
    struct pollfd entry = { .fd = fd, .events = POLLIN, .revents = 0 };
    int ready;
    /* The one EINTR loop outside System's Syscall gate: this is C, which cannot call the
       Swift gate, and the retry belongs with the poll it retries. (A retry restarts the
       full timeout; callers use it as a bound, not a clock.) */
    do { ready = poll(&entry, 1, timeout_ms); } while (ready < 0 && errno == EINTR);
    close(fd);
    return ready < 0 ? -1 : (ready > 0 ? 1 : 0);
}

int p2p_limit_malloc_arenas(int count) {
    return mallopt(M_ARENA_MAX, count);
}

int p2p_keep_heap_slack(int bytes) {
    return mallopt(M_TOP_PAD, bytes);
}

int p2p_epoll_control(int epoll_fd, int operation, int fd, unsigned int events) {
    struct epoll_event event = { .events = events, .data = { .fd = fd } };
    return epoll_ctl(epoll_fd, operation, fd, &event);
}

int p2p_epoll_wait(int epoll_fd, int *fds, unsigned int *events, int capacity, int timeout_ms) {
    struct epoll_event ready[256];
    if (capacity > 256) capacity = 256;
    int count = epoll_wait(epoll_fd, ready, capacity, timeout_ms);
    for (int i = 0; i < count; i++) {
        fds[i] = ready[i].data.fd;
        events[i] = ready[i].events;
    }
    return count;
}

int p2p_pipe_nonblocking(int fds[2]) {
    return pipe2(fds, O_NONBLOCK | O_CLOEXEC);
}
