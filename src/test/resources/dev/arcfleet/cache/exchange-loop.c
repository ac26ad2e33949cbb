/*
 * What a hostile job does to a walk: exchanges each directory d-<i> of a cache with its neighbour t-<i> (a FIFO
 * or a socket) atomically, renameat2(RENAME_EXCHANGE), over and over, through a handle on the cache opened
 * before the walk starts, so it follows the cache into the trash. Prints how many rounds (one exchange of
 * every pair) it made when it gets SIGTERM. Usage: exchange-loop CACHE-DIRECTORY PAIRS
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static volatile sig_atomic_t stop;

static void on_term(int signal) {
    (void) signal;
    stop = 1;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s CACHE-DIRECTORY PAIRS\n", argv[0]);
        return 2;
    }
    int cache = open(argv[1], O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (cache < 0) {
        perror(argv[1]);
        return 1;
    }
    int pairs = atoi(argv[2]);
    signal(SIGTERM, on_term);
    printf("ready\n");
    fflush(stdout);
    long rounds = 0, exchanges = 0;
    char directory[32], trap[32];
    while (!stop) {
        for (int i = 0; i < pairs; i++) {
            snprintf(directory, sizeof directory, "d-%d", i);
            snprintf(trap, sizeof trap, "t-%d", i);
            if (syscall(SYS_renameat2, cache, directory, cache, trap, RENAME_EXCHANGE) == 0) {
                exchanges++;
            }
        }
        rounds++;
    }
    printf("rounds %ld exchanges %ld\n", rounds, exchanges);
    return 0;
}
