/*
 * Test only: what a JVM with libuid2 must survive, with and without libjsig.
 *
 * decryptAtBadAddress makes Go code inside libuid2 fault, as a bug in
 * libuid2 would: uid2_decrypt reads the token from an address in the first
 * page, which raises SIGSEGV in Go code; Go turns it into a panic and the
 * export recovers it into UID2_STATUS_INTERNAL_ERROR.
 *
 * decryptUnderSignal decrypts in a loop while another thread sends the
 * calling thread a signal (SIGPIPE, as a write to a closed socket in Go's
 * HTTP refresh raises; SIGXFSZ) again and again, so that many arrive while
 * the thread runs Go code on a goroutine stack. Under libjsig the JVM's
 * handler for them is in front and chains to Go's; without SA_ONSTACK on it,
 * Go aborts the process.
 */
#define _GNU_SOURCE /* syscall, nanosleep under -std=c11 */
#include <jni.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "uid2.h"

JNIEXPORT jint JNICALL Java_io_libuid2_FaultMain_decryptAtBadAddress(JNIEnv *env, jclass cls, jlong client) {
  (void)env;
  (void)cls;
  uid2_decryption_result r;
  return uid2_decrypt((uid2_client)client, (const char *)16, 32, NULL, 0, 0, &r);
}

struct sender {
  pid_t tid;
  int sig, count;
  atomic_int done;
};

static void *send_signals(void *p) {
  struct sender *s = p;
  const struct timespec gap = {0, 20000}; /* 20 us: most land inside a decrypt */
  for (int i = 0; i < s->count; i++) {
    syscall(SYS_tgkill, getpid(), s->tid, s->sig);
    nanosleep(&gap, NULL);
  }
  atomic_store(&s->done, 1);
  return NULL;
}

/* Returns the number of decrypts that did not succeed (0 expected), or -1
 * when the sending thread cannot be started. */
JNIEXPORT jint JNICALL Java_io_libuid2_FaultMain_decryptUnderSignal(JNIEnv *env, jclass cls, jlong client,
                                                                    jbyteArray token, jint sig, jint count) {
  (void)cls;
  jsize n = (*env)->GetArrayLength(env, token);
  char buf[512];
  if (n > (jsize)sizeof buf) return -1;
  (*env)->GetByteArrayRegion(env, token, 0, n, (jbyte *)buf);
  struct sender s = {(pid_t)syscall(SYS_gettid), sig, count, 0};
  pthread_t t;
  if (pthread_create(&t, NULL, send_signals, &s) != 0) return -1;
  int failed = 0;
  while (!atomic_load(&s.done)) {
    uid2_decryption_result r;
    if (uid2_decrypt((uid2_client)client, buf, (size_t)n, NULL, 0, 0, &r) != UID2_STATUS_SUCCESS) failed++;
  }
  pthread_join(t, NULL);
  return failed;
}
