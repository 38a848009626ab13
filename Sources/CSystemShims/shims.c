#define _GNU_SOURCE
#include "CSystemShims.h"
#include <errno.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

int p2p_accept_cloexec_nonblock(int fd, struct sockaddr *address, socklen_t *length) {
    return accept4(fd, address, length, SOCK_CLOEXEC | SOCK_NONBLOCK);
}

int p2p_set_parent_death_signal(int signal) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0, 0, 0);
}

int p2p_errno(void) { return errno; }

void p2p_line_buffer_standard_streams(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    setvbuf(stderr, NULL, _IOLBF, 0);
}

void p2p_name_this_thread(const char *name) {
    char short_name[16];
    strncpy(short_name, name, sizeof short_name - 1);
    short_name[sizeof short_name - 1] = 0;
    pthread_setname_np(pthread_self(), short_name);
}
