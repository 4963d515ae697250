/*
 * libuid2 inside a host process that forks and exits, as a C program that
 * loads the library with dlopen (so that it can fork before loading it):
 *
 *   1. a child forked before the library is loaded loads it and works;
 *   2. a process exits promptly while its threads are inside libuid2 calls
 *      (decrypts, encrypts, and a refresh blocked on a server that never
 *      answers);
 *   3. a child forked after the parent created a client — while other
 *      threads of the parent are inside libuid2 calls — gets
 *      UID2_STATUS_FORKED_PROCESS from every call at once, with a message
 *      that says what to do, even after many calls and from a new thread;
 *   4. the parent keeps working after the fork.
 *
 * Every child runs under a watchdog: a child that has not exited within its
 * deadline is killed and fails the test (a forked Go runtime hangs rather
 * than fails). Usage: host_test LIBUID2_SO
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "host_keys.h"
#include "uid2.h"

/* The library's functions, looked up with dlsym. */
#define FUNCTIONS(X)                                                       \
  X(uid2_client_new) X(uid2_client_free) X(uid2_client_count)              \
  X(uid2_refresh) X(uid2_refresh_json) X(uid2_refresh_state_get)           \
  X(uid2_client_set_default_identity_scope) X(uid2_auto_refresh_start)     \
  X(uid2_auto_refresh_stop) X(uid2_decrypt) X(uid2_decrypt_to_buffer)      \
  X(uid2_decrypt_batch) X(uid2_encrypt) X(uid2_encrypt_batch)              \
  X(uid2_encrypt_with_nonces_insecure_for_tests) X(uid2_last_error_message) \
  X(uid2_status_name) X(uid2_version) X(uid2_abi_version)                 \
  X(uid2_wait_for_keys) X(uid2_refresh_event_wait) X(uid2_encrypt_data)     \
  X(uid2_decrypt_data)
#define DECLARE(f) static __typeof__(&f) p_##f;
FUNCTIONS(DECLARE)

static const char *library;

static const char kSecret[] = "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=";

static void fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "[%d] FAIL: ", (int)getpid());
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  fflush(stderr);
  _exit(1);
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void load_library(void) {
  void *h = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL) fail("dlopen %s: %s", library, dlerror());
#define LOOKUP(f)                                             \
  if ((p_##f = (__typeof__(&f))dlsym(h, #f)) == NULL) fail("dlsym " #f);
  FUNCTIONS(LOOKUP)
}

/* A sharing client with the keys above. */
static uid2_client new_client(void) {
  uid2_client c = 0;
  uid2_status st = p_uid2_client_new(UID2_CLIENT_SHARING, NULL, NULL, NULL, &c);
  if (st != UID2_STATUS_SUCCESS) fail("client_new: %d", st);
  st = p_uid2_refresh_json(c, kKeys, strlen(kKeys));
  if (st != UID2_STATUS_SUCCESS) fail("refresh_json: %d", st);
  return c;
}

/* Encrypts the raw UID and decrypts it back: 1 when the result is right. */
static int round_trip(uid2_client c) {
  char token[512];
  size_t n = 0;
  if (p_uid2_encrypt(c, kRawUid, strlen(kRawUid), 0, 0, token, sizeof token, &n) != UID2_STATUS_SUCCESS) return 0;
  uid2_decryption_result r;
  if (p_uid2_decrypt(c, token, n, NULL, 0, 0, &r) != UID2_STATUS_SUCCESS) return 0;
  return (size_t)r.uid_len == strlen(kRawUid) && memcmp(r.uid, kRawUid, r.uid_len) == 0;
}

/* Waits for a child for at most `seconds`; kills it and fails if it is still
 * running then. Returns its exit code (fails if it died of a signal). */
static int wait_child(pid_t pid, double seconds, const char *what) {
  double deadline = now_s() + seconds;
  for (;;) {
    int status = 0;
    pid_t got = waitpid(pid, &status, WNOHANG);
    if (got == pid) {
      if (WIFSIGNALED(status)) fail("%s: child killed by signal %d", what, WTERMSIG(status));
      return WEXITSTATUS(status);
    }
    if (got < 0) fail("%s: waitpid failed", what);
    if (now_s() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      fail("%s: the child hung (killed after %.0f s)", what, seconds);
    }
    usleep(10000);
  }
}

/* ---- threads inside libuid2 calls ---------------------------------------- */

static uid2_client busy_client;
static atomic_int busy_stop;
static atomic_long busy_calls, busy_bad;

static void *busy_worker(void *arg) {
  (void)arg;
  while (!atomic_load(&busy_stop)) {
    if (!round_trip(busy_client)) atomic_fetch_add(&busy_bad, 1);
    atomic_fetch_add(&busy_calls, 1);
  }
  return NULL;
}

static void start_busy(pthread_t *threads, int n) {
  for (int i = 0; i < n; i++)
    if (pthread_create(&threads[i], NULL, busy_worker, NULL) != 0) fail("pthread_create");
}

/* A refresh against a server that accepts the connection and never answers:
 * the thread stays inside uid2_refresh for its whole timeout. */
static void *stuck_refresh(void *arg) {
  p_uid2_refresh(*(uid2_client *)arg, 60000);
  return NULL;
}

static uid2_client silent_server_client(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 16) != 0 ||
      getsockname(fd, (struct sockaddr *)&a, &len) != 0)
    fail("silent server");
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d", ntohs(a.sin_port));
  uid2_client c = 0;
  if (p_uid2_client_new(UID2_CLIENT_SHARING, url, "key", kSecret, &c) != UID2_STATUS_SUCCESS)
    fail("client_new with a URL");
  return c; /* the listening socket stays open until the process exits */
}

/* ---- the scenarios -------------------------------------------------------- */

/* 1. Loading the library only after the fork is fine. */
static void child_loads_after_fork(void) {
  load_library();
  uid2_client c = new_client();
  for (int i = 0; i < 20000; i++)  /* enough work for Go to collect garbage */
    if (!round_trip(c)) fail("round trip %d in a child that loaded the library itself", i);
  if (p_uid2_client_free(c) != UID2_STATUS_SUCCESS) fail("client_free");
  _exit(0);
}

/* 2. exit() while threads are inside calls. */
static void child_exits_while_busy(void) {
  load_library();
  busy_client = new_client();
  pthread_t threads[8], refresher;
  start_busy(threads, 8);
  uid2_client silent = silent_server_client();
  pthread_create(&refresher, NULL, stuck_refresh, &silent);
  while (atomic_load(&busy_calls) < 1000) usleep(1000);
  usleep(200000);
  if (atomic_load(&busy_bad) != 0) fail("wrong results before exit");
  exit(0);
}

/* Every call refused with FORKED_PROCESS (on whichever thread runs this). */
static void *expect_refused(void *arg) {
  uid2_client c = *(uid2_client *)arg;
  char buf[1024], token[512];
  size_t n = 0;
  uid2_client h = 0;
  uid2_decryption_result r, results[2];
  uid2_refresh_state s;
  int32_t offsets[3] = {0, 2, 4}, out_offsets[3];
  uid2_status statuses[2];
  const uint8_t nonces[24] = {0};
#define REFUSED(call)                                                               \
  do {                                                                              \
    uid2_status st_ = (call);                                                       \
    if (st_ != UID2_STATUS_FORKED_PROCESS) fail("%s returned %d in a forked child", #call, st_); \
  } while (0)
  REFUSED(p_uid2_client_new(UID2_CLIENT_SHARING, NULL, NULL, NULL, &h));
  REFUSED(p_uid2_refresh_json(c, kKeys, strlen(kKeys)));
  REFUSED(p_uid2_refresh(c, 1000));
  REFUSED(p_uid2_refresh_state_get(c, &s, buf, sizeof buf));
  REFUSED(p_uid2_client_set_default_identity_scope(c, UID2_IDENTITY_SCOPE_EUID));
  REFUSED(p_uid2_auto_refresh_start(c, 1000, 1000));
  REFUSED(p_uid2_auto_refresh_stop(c));
  memset(&r, 0, sizeof r); /* a zeroed result must not read as SUCCESS */
  REFUSED(p_uid2_decrypt(c, "abcd", 4, NULL, 0, 0, &r));
  if (r.status != UID2_STATUS_FORKED_PROCESS) fail("decrypt left status %d in its result", r.status);
  REFUSED(p_uid2_decrypt_to_buffer(c, "abcd", 4, NULL, 0, 0, &r, buf, sizeof buf));
  REFUSED(p_uid2_decrypt_batch(c, "abcd", offsets, 2, NULL, 0, 0, results));
  REFUSED(p_uid2_encrypt(c, kRawUid, strlen(kRawUid), 0, 0, token, sizeof token, &n));
  REFUSED(p_uid2_encrypt_batch(c, "abcd", offsets, 2, 0, 0, token, sizeof token, out_offsets, statuses, &n));
  REFUSED(p_uid2_encrypt_with_nonces_insecure_for_tests(c, kRawUid, strlen(kRawUid), 0, 0, nonces, token,
                                                        sizeof token, &n));
  REFUSED(p_uid2_client_free(c));
  if (p_uid2_client_count() != 0) fail("client_count in a forked child");
  size_t len = p_uid2_last_error_message(buf, sizeof buf);
  if (len == 0 || len >= sizeof buf) fail("no message for FORKED_PROCESS");
  /* The message says what happened and what to do instead. */
  if (strstr(buf, "fork") == NULL || strstr(buf, "after the fork") == NULL || strstr(buf, "spawn") == NULL)
    fail("unclear message: %s", buf);
  if (strcmp(p_uid2_status_name(UID2_STATUS_FORKED_PROCESS), "FORKED_PROCESS") != 0) fail("status name");
  if (p_uid2_abi_version() >> 16 != UID2_ABI_VERSION_MAJOR) fail("abi version");
  return NULL;
}

/* 3. A child forked after the parent created a client. */
static void child_after_client(uid2_client c) {
  double t0 = now_s();
  expect_refused(&c);
  /* Many more calls: a forked Go runtime would hang at its first garbage
   * collection; refused calls never reach it. */
  for (int i = 0; i < 100000; i++) {
    uid2_decryption_result r;
    if (p_uid2_decrypt(c, "abcd", 4, NULL, 0, 0, &r) != UID2_STATUS_FORKED_PROCESS) fail("decrypt %d", i);
    char token[512];
    size_t n;
    if (p_uid2_encrypt(c, kRawUid, strlen(kRawUid), 0, 0, token, sizeof token, &n) != UID2_STATUS_FORKED_PROCESS)
      fail("encrypt %d", i);
  }
  double took = now_s() - t0;
  if (took > 1.0) fail("refusing 200,000 calls took %.2f s", took);
  /* A thread started in the child is refused as well. */
  pthread_t t;
  if (pthread_create(&t, NULL, expect_refused, &c) != 0) fail("pthread_create in the child");
  pthread_join(t, NULL);
  /* Loading the library again changes nothing: it is the same copy. */
  load_library();
  expect_refused(&c);
  _exit(0);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: host_test LIBUID2_SO\n");
    return 2;
  }
  library = argv[1];

  pid_t pid = fork();
  if (pid == 0) child_loads_after_fork();
  if (wait_child(pid, 120, "child that loads the library after fork") != 0) fail("loading after fork");
  fprintf(stderr, "ok: a child that loads libuid2 after fork works\n");

  double t0 = now_s();
  pid = fork();
  if (pid == 0) child_exits_while_busy();
  if (wait_child(pid, 60, "exit while threads are inside libuid2") != 0) fail("exit status");
  fprintf(stderr, "ok: exit with 8 threads inside decrypt/encrypt and one inside refresh took %.2f s\n",
          now_s() - t0);

  load_library();
  uid2_client c = new_client();
  if (!round_trip(c)) fail("round trip in the parent");
  busy_client = c;
  pthread_t threads[4];
  start_busy(threads, 4);
  while (atomic_load(&busy_calls) < 1000) usleep(1000);
  for (int i = 0; i < 3; i++) { /* fork while 4 threads are inside calls */
    pid = fork();
    if (pid == 0) child_after_client(c);
    if (wait_child(pid, 30, "child forked after a client was created") != 0) fail("forked child");
  }
  fprintf(stderr, "ok: children forked after a client was created are refused at once\n");

  long before = atomic_load(&busy_calls);
  usleep(200000);
  atomic_store(&busy_stop, 1);
  for (int i = 0; i < 4; i++) pthread_join(threads[i], NULL);
  if (atomic_load(&busy_calls) <= before) fail("the parent's threads stopped working after the fork");
  if (atomic_load(&busy_bad) != 0) fail("%ld wrong results in the parent", atomic_load(&busy_bad));
  for (int i = 0; i < 1000; i++)
    if (!round_trip(c)) fail("round trip %d in the parent after fork", i);
  if (p_uid2_client_free(c) != UID2_STATUS_SUCCESS || p_uid2_client_count() != 0) fail("free in the parent");
  fprintf(stderr, "ok: the parent keeps working (%ld round trips on 4 threads)\n", atomic_load(&busy_calls));
  printf("host_test: passed\n");
  return 0;
}
