// System calls that Swift's Glibc module does not expose, wrapped so Swift can call them.
#ifndef P2P_SYSTEM_SHIMS_H
#define P2P_SYSTEM_SHIMS_H

#include <sys/epoll.h>
#include <sys/socket.h>

/// accept4(2) with SOCK_CLOEXEC | SOCK_NONBLOCK: the accepted socket is never inherited by a
/// child and never blocks a thread without a poll timeout.
int p2p_accept_cloexec_nonblock(int fd, struct sockaddr *address, socklen_t *length);

/// prctl(PR_SET_PDEATHSIG, signal): the kernel sends `signal` to this process when the thread
/// that spawned it exits. Returns 0 or -1 with errno.
int p2p_set_parent_death_signal(int signal);

/// Names the calling thread (visible in top -H and gdb); at most 15 bytes are kept.
void p2p_name_this_thread(const char *name);

/// Starts `path` with `argv` in a new session (POSIX_SPAWN_SETSID: a Foundation.Process child
/// is already a group leader and cannot call setsid itself), its stdin, stdout and stderr on
/// /dev/null, and `report_fd` as its descriptor 3. Returns the pid, or -1 with errno.
int p2p_spawn_detached(const char *path, char *const argv[], int report_fd);

/// Waits up to `timeout_ms` (-1: forever) for process `pid` to exit, without reaping it, with
/// pidfd_open + poll (no polling loop). Returns 1 when it is gone, 0 on timeout, -1 on error.
int p2p_wait_for_exit(int pid, int timeout_ms);

/// The user id of the process at the other end of a Unix-domain socket (SO_PEERCRED: the
/// kernel's word, which the client cannot forge). Returns 0 or -1 with errno.
int p2p_peer_uid(int fd, unsigned int *uid);

/// mallopt(M_TOP_PAD, bytes): each malloc heap grows (and trims) so as to keep `bytes` of
/// mapped, untouched memory past its last chunk. Returns 1 on success, 0 on failure.
int p2p_keep_heap_slack(int bytes);

/// mallopt(M_ARENA_MAX, count): threads share at most `count` malloc arenas. Returns 1 on
/// success, 0 on failure.
int p2p_limit_malloc_arenas(int count);

/// epoll_ctl(2) with `events` for `fd` (EPOLL_CTL_ADD, _MOD or _DEL as `operation`), the
/// descriptor itself as the event's data. Returns 0 or -1 with errno.
int p2p_epoll_control(int epoll_fd, int operation, int fd, unsigned int events);

/// epoll_wait(2) into two plain arrays (struct epoll_event is packed on x86-64, which Swift
/// cannot lay out): `fds[i]` is ready with `events[i]`. Returns the count or -1 with errno.
int p2p_epoll_wait(int epoll_fd, int *fds, unsigned int *events, int capacity, int timeout_ms);

/// pipe2(2) with O_NONBLOCK and O_CLOEXEC (Glibc's module does not export pipe2).
int p2p_pipe_nonblocking(int fds[2]);

#endif
