/* SPDX-License-Identifier: MIT */
/*
 * bound.c -- the bound bench/http measures stemedb against: the least a libmicrohttpd server
 * can do per request. Same daemon flags as stemedb (an epoll thread pool, one thread per core,
 * suspend/resume allowed), and every request, whatever its method or path, is answered with
 * the same 200-byte JSON body on a kept-alive connection.
 *
 *   bench_http_bound PORT_FILE [THREADS]
 *
 * Listens on 127.0.0.1 at a free port, writes the port to PORT_FILE, serves until SIGTERM.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

/* 200 bytes exactly (checked at start). */
static const char body[] =
    "{\"subject\":\"drug:bound\",\"predicate\":\"adverse_event.bench\",\"winner\":{\""
    "value\":0.2,\"unit\":\"%\"},\"conflict\":0.5,\"receipt\":\"000000000000000000000"
    "00000000000000000000000000000000000000000000000000000000000\"}";

static enum MHD_Result
answer(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
       const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    (void)upload_data;
    /* Queue on the second call, as stemedb does: answering on the first call makes
     * libmicrohttpd close the connection. */
    if (*con_cls == NULL) {
        *con_cls = (void *)1;
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    struct MHD_Response *r =
        MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(conn, 200, r);
    MHD_destroy_response(r);
    return ret;
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_http_bound PORT_FILE [THREADS]\n");
        return 2;
    }
    if (sizeof(body) - 1 != 200) {
        fprintf(stderr, "bench_http_bound: the body is %zu bytes, not 200\n", sizeof(body) - 1);
        return 1;
    }
    unsigned threads = argc > 2 ? (unsigned)atoi(argv[2]) : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct MHD_Daemon *d =
        MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME, 0,
                         NULL, NULL, answer, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                         MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT, 1024u,
                         MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "bench_http_bound: cannot start the daemon\n");
        return 1;
    }
    FILE *f = fopen(argv[1], "w");
    if (!f || fprintf(f, "%u\n", MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port) < 0 ||
        fclose(f) != 0) {
        fprintf(stderr, "bench_http_bound: cannot write %s\n", argv[1]);
        MHD_stop_daemon(d);
        return 1;
    }
    int sig;
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    return 0;
}
