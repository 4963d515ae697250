/*
 * uid2_jni.c — the JNI shim of the Java binding: copies Java byte/int/long
 * arrays to and from C buffers and calls capi/uid2.h. No token, key or crypto
 * logic lives here; argument validation is done in Java (Native.java's
 * callers), so every array range passed in is already within bounds.
 *
 * Strings never cross JNI: Java passes UTF-8 bytes and builds Strings from
 * the bytes it gets back (ISO-8859-1 fast path). One JNI call per decrypt,
 * encrypt, or batch.
 *
 * Every function on a client takes `owner`, the Java object holding the
 * handle, and ignores it: an argument of a native method stays reachable
 * until the method returns, so the binding's reaper cannot free a handle
 * while a call uses it (Java 8 has no Reference.reachabilityFence).
 *
 * Linked with DT_NEEDED libuid2.so.1 and RUNPATH $ORIGIN, so that the two
 * files extracted side by side from the jar find each other.
 */
#define _GNU_SOURCE /* syscall() */
#include <jni.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "uid2.h"

#define FN(name) JNICALL Java_io_libuid2_Native_##name

enum { META = 10 };

/* A byte range copied out of a Java array: into `small` when it fits, else
 * onto the heap. */
typedef struct {
  char *p;
  int heap;
} span;

/* Throws OutOfMemoryError unless an exception is already pending (several
 * allocations in a row may fail; JNI allows no calls but a few then). */
static void throw_oom(JNIEnv *env) {
  if ((*env)->ExceptionCheck(env)) return;
  jclass c = (*env)->FindClass(env, "java/lang/OutOfMemoryError");
  if (c != NULL) (*env)->ThrowNew(env, c, "libuid2 JNI shim: malloc failed");
}

static void *xmalloc(JNIEnv *env, size_t n) {
  void *p = malloc(n ? n : 1);
  if (p == NULL) throw_oom(env);
  return p;
}

/* Copies arr[0..len) into small (cap bytes) or a heap block. arr may be NULL
 * when len is 0 (then s->p is NULL). Returns 0, or -1 with OutOfMemoryError
 * pending. */
static int span_in(JNIEnv *env, jbyteArray arr, jint len, char *small,
                   size_t cap, span *s) {
  s->heap = 0;
  if (arr == NULL || len <= 0) {
    s->p = arr == NULL ? NULL : small;
    return 0;
  }
  if ((size_t)len <= cap) {
    s->p = small;
  } else {
    s->p = xmalloc(env, (size_t)len);
    if (s->p == NULL) return -1;
    s->heap = 1;
  }
  (*env)->GetByteArrayRegion(env, arr, 0, len, (jbyte *)s->p);
  return 0;
}

static void span_free(span *s) {
  if (s->heap) free(s->p);
}

/* A NUL-terminated C string from a Java byte[] that already ends in 0, or
 * NULL for a null array. Heap-allocated (cold paths only). */
static int cstr_in(JNIEnv *env, jbyteArray arr, char **out) {
  *out = NULL;
  if (arr == NULL) return 0;
  jsize n = (*env)->GetArrayLength(env, arr);
  char *p = xmalloc(env, (size_t)n + 1);
  if (p == NULL) return -1;
  (*env)->GetByteArrayRegion(env, arr, 0, n, (jbyte *)p);
  p[n] = 0;
  *out = p;
  return 0;
}

/* A C buffer for a message the library copies as uid2_last_error_message
 * does (NUL-terminated, truncated to cap-1 bytes), as long as the Java array
 * buf and holding "" at first; *cap is its length. NULL with
 * OutOfMemoryError pending. */
static char *text_buf_new(JNIEnv *env, jbyteArray buf, jsize *cap) {
  *cap = (*env)->GetArrayLength(env, buf);
  char *b = xmalloc(env, (size_t)*cap + 1);
  if (b != NULL) b[0] = 0;
  return b;
}

/* Copies the message in b (cap bytes at most) to the Java array; returns its
 * length. */
static jlong text_buf_out(JNIEnv *env, jbyteArray buf, const char *b,
                          jsize cap) {
  size_t n = strnlen(b, (size_t)cap);
  (*env)->SetByteArrayRegion(env, buf, 0, (jsize)n, (const jbyte *)b);
  return (jlong)n;
}

static void meta_of(const uid2_decryption_result *r, jlong *m) {
  m[0] = r->status;
  m[1] = r->site_id;
  m[2] = r->site_key_site_id;
  m[3] = r->identity_scope;
  m[4] = r->identity_type;
  m[5] = r->advertising_token_version;
  m[6] = r->is_client_side_generated;
  m[7] = r->uid_len;
  m[8] = r->established_ms;
  m[9] = r->expiry_ms;
}

/* The result struct is only guaranteed to be written for token statuses and
 * BUFFER_TOO_SMALL; other ABI statuses are reported by the return value. */
static int has_result(uid2_status st) {
  return st < 100 || st == UID2_STATUS_BUFFER_TOO_SMALL;
}

/*
 * A signal that arrives while a thread runs Go code must be handled on a
 * signal stack: Go aborts the process otherwise ("non-Go code set up signal
 * handler without SA_ONSTACK flag"). Go installs its handlers (faults, which
 * libuid2 recovers into INTERNAL_ERROR; SIGPIPE from a write to a closed
 * socket during an HTTP refresh; preemption) with SA_ONSTACK in front of the
 * JVM's, forwards the JVM's signals to them, and adds SA_ONSTACK to every
 * other handler it finds. With libjsig preloaded none of that reaches the
 * kernel: the JVM's handlers (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGPIPE,
 * SIGXFSZ, SIGQUIT, ...) stay in front without SA_ONSTACK and chain to Go's,
 * which then runs on the goroutine's stack and aborts. So once Go has set up
 * its handlers (any call into the library waits for that), every handler in
 * front gets SA_ONSTACK, as Go itself does without libjsig: on a thread
 * inside Go it then runs on Go's signal stack. Only the flag changes. It is
 * set with the system call itself: libjsig interposes sigaction() and would
 * take the call for a handler to chain to. glibc's own signals (32, 33) are
 * left alone, as its sigaction() refuses them to Go too.
 */
static void handlers_in_front_on_signal_stack(void) {
#if defined(__linux__) && (defined(__x86_64__) || defined(__aarch64__))
  for (int sig = 1; sig < 65; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP || (sig > 31 && sig < SIGRTMIN)) continue;
    struct {
      void *handler;
      unsigned long flags;
      void *restorer;
      uint64_t mask;
    } a;
    if (syscall(SYS_rt_sigaction, sig, NULL, &a, sizeof a.mask) != 0) continue;
    if (a.handler == (void *)SIG_DFL || a.handler == (void *)SIG_IGN || (a.flags & SA_ONSTACK)) continue;
    a.flags |= SA_ONSTACK;
    syscall(SYS_rt_sigaction, sig, &a, NULL, sizeof a.mask);
  }
#endif
}

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved) {
  (void)vm;
  (void)reserved;
  (void)uid2_client_count(); /* returns once Go's runtime, and its handlers, are set up */
  handlers_in_front_on_signal_stack();
  return JNI_VERSION_1_8;
}

JNIEXPORT jint FN(abiVersion)(JNIEnv *env, jclass cls) {
  (void)env;
  (void)cls;
  return (jint)uid2_abi_version();
}

static jbyteArray bytes_of_cstr(JNIEnv *env, const char *s) {
  jsize n = (jsize)strlen(s);
  jbyteArray a = (*env)->NewByteArray(env, n);
  if (a != NULL) (*env)->SetByteArrayRegion(env, a, 0, n, (const jbyte *)s);
  return a;
}

JNIEXPORT jbyteArray FN(version)(JNIEnv *env, jclass cls) {
  (void)cls;
  return bytes_of_cstr(env, uid2_version());
}

JNIEXPORT jbyteArray FN(statusName)(JNIEnv *env, jclass cls, jint status) {
  (void)cls;
  return bytes_of_cstr(env, uid2_status_name(status));
}

JNIEXPORT jint FN(lastErrorMessage)(JNIEnv *env, jclass cls, jbyteArray buf) {
  (void)cls;
  jsize cap = (*env)->GetArrayLength(env, buf);
  char *b = xmalloc(env, (size_t)cap + 1);
  if (b == NULL) return 0;
  size_t full = uid2_last_error_message(b, (size_t)cap);
  size_t got = cap > 0 ? strlen(b) : 0;
  (*env)->SetByteArrayRegion(env, buf, 0, (jsize)got, (const jbyte *)b);
  free(b);
  return full > INT32_MAX ? INT32_MAX : (jint)full;
}

JNIEXPORT jint FN(clientNew)(JNIEnv *env, jclass cls, jint type,
                             jbyteArray base_url, jbyteArray api_key,
                             jbyteArray secret_key, jlongArray out) {
  (void)cls;
  char *u = NULL, *k = NULL, *s = NULL;
  uid2_status st = UID2_STATUS_INTERNAL_ERROR;
  if (cstr_in(env, base_url, &u) || cstr_in(env, api_key, &k) ||
      cstr_in(env, secret_key, &s))
    goto done;
  uid2_client c = 0;
  st = uid2_client_new((uid2_client_type)type, u, k, s, &c);
  jlong h = (jlong)c;
  (*env)->SetLongArrayRegion(env, out, 0, 1, &h);
done:
  free(u);
  free(k);
  if (s != NULL) {
    /* Do not leave the secret lying around in freed memory. */
    volatile char *v = s;
    while (*v) *v++ = 0;
    free(s);
  }
  return st;
}

JNIEXPORT jint FN(clientFree)(JNIEnv *env, jclass cls, jlong client) {
  (void)env;
  (void)cls;
  return uid2_client_free((uid2_client)client);
}

JNIEXPORT jlong FN(clientCount)(JNIEnv *env, jclass cls) {
  (void)env;
  (void)cls;
  return (jlong)uid2_client_count();
}

JNIEXPORT jint FN(setDefaultIdentityScope)(JNIEnv *env, jclass cls,
                                           jobject owner, jlong client,
                                           jint scope) {
  (void)env;
  (void)cls;
  (void)owner;
  return uid2_client_set_default_identity_scope((uid2_client)client,
                                                (uid2_identity_scope)scope);
}

JNIEXPORT jint FN(waitForKeys)(JNIEnv *env, jclass cls, jobject owner,
                               jlong client, jint timeout_ms) {
  (void)env;
  (void)cls;
  (void)owner;
  return uid2_wait_for_keys((uid2_client)client, (uint32_t)timeout_ms);
}

JNIEXPORT jint FN(refreshEventWait)(JNIEnv *env, jclass cls, jlong client,
                                    jlong after_seq, jint timeout_ms,
                                    jlongArray out, jbyteArray msg_buf) {
  (void)cls;
  jsize cap;
  char *b = text_buf_new(env, msg_buf, &cap);
  if (b == NULL) return UID2_STATUS_INTERNAL_ERROR;
  uid2_refresh_event e;
  memset(&e, 0, sizeof e);
  uid2_status st = uid2_refresh_event_wait((uid2_client)client,
                                           (uint64_t)after_seq,
                                           (uint32_t)timeout_ms, &e, b,
                                           (size_t)cap, NULL);
  if (st == UID2_STATUS_SUCCESS) {
    jlong v[7] = {(jlong)e.seq, e.time_ms, e.success, e.automatic,
                  e.key_count, e.consecutive_failures, 0};
    v[6] = text_buf_out(env, msg_buf, b, cap);
    (*env)->SetLongArrayRegion(env, out, 0, 7, v);
  }
  free(b);
  return st;
}

JNIEXPORT jint FN(refresh)(JNIEnv *env, jclass cls, jobject owner, jlong client,
                           jint timeout_ms) {
  (void)env;
  (void)cls;
  (void)owner;
  return uid2_refresh((uid2_client)client, (uint32_t)timeout_ms);
}

JNIEXPORT jint FN(refreshJson)(JNIEnv *env, jclass cls, jobject owner, jlong client,
                               jbyteArray json, jint len) {
  (void)cls;
  (void)owner;
  char small[1];
  span j;
  /* Always on the heap (key JSON can be large); a non-null empty array is an
   * empty (invalid) JSON document, passed as a non-NULL pointer. */
  if (span_in(env, json, len, small, 0, &j)) return UID2_STATUS_INTERNAL_ERROR;
  uid2_status st = uid2_refresh_json((uid2_client)client, j.p, (size_t)len);
  span_free(&j);
  return st;
}

JNIEXPORT jint FN(autoRefreshStart)(JNIEnv *env, jclass cls, jobject owner, jlong client,
                                    jint interval_ms, jint timeout_ms) {
  (void)env;
  (void)cls;
  (void)owner;
  return uid2_auto_refresh_start((uid2_client)client, (uint32_t)interval_ms,
                                 (uint32_t)timeout_ms);
}

JNIEXPORT jint FN(autoRefreshStop)(JNIEnv *env, jclass cls, jobject owner, jlong client) {
  (void)env;
  (void)cls;
  (void)owner;
  return uid2_auto_refresh_stop((uid2_client)client);
}

JNIEXPORT jint FN(refreshState)(JNIEnv *env, jclass cls, jobject owner, jlong client,
                                jlongArray out, jbyteArray error_buf) {
  (void)cls;
  (void)owner;
  jsize cap;
  char *b = text_buf_new(env, error_buf, &cap);
  if (b == NULL) return UID2_STATUS_INTERNAL_ERROR;
  uid2_refresh_state s;
  memset(&s, 0, sizeof s);
  uid2_status st = uid2_refresh_state_get((uid2_client)client, &s, b, (size_t)cap);
  if (st == UID2_STATUS_SUCCESS) {
    jlong v[7] = {s.last_success_ms, s.last_failure_ms, s.consecutive_failures,
                  s.auto_refresh_running, s.has_keys, s.key_count, 0};
    v[6] = text_buf_out(env, error_buf, b, cap);
    (*env)->SetLongArrayRegion(env, out, 0, 7, v);
  }
  free(b);
  return st;
}

/* ---- decrypt ------------------------------------------------------------ */

/* One decrypt: uid2_decrypt (to_buffer == 0; the raw UID comes back inline
 * and Java's uid array holds UID2_UID_INLINE_CAPACITY bytes) or
 * uid2_decrypt_to_buffer (to_buffer == 1; uid.length is the capacity). */
static jint decrypt_one(JNIEnv *env, jlong client, jbyteArray token,
                        jint token_len, jbyteArray domain, jint domain_len,
                        jlong now_ms, jlongArray meta, jbyteArray uid,
                        int to_buffer) {
  char tsmall[1024], dsmall[256];
  span t, d;
  if (span_in(env, token, token_len, tsmall, sizeof tsmall, &t))
    return UID2_STATUS_INTERNAL_ERROR;
  if (span_in(env, domain, domain_len, dsmall, sizeof dsmall, &d)) {
    span_free(&t);
    return UID2_STATUS_INTERNAL_ERROR;
  }
  uid2_decryption_result r;
  uid2_status st = UID2_STATUS_INTERNAL_ERROR;
  const char *u = r.uid;
  size_t cap = UID2_UID_INLINE_CAPACITY;
  char *buf = NULL;
  if (!to_buffer) {
    st = uid2_decrypt((uid2_client)client, t.p, (size_t)token_len, d.p,
                      (size_t)domain_len, (int64_t)now_ms, &r);
  } else {
    cap = (size_t)(*env)->GetArrayLength(env, uid);
    buf = xmalloc(env, cap + 1);
    if (buf != NULL)
      st = uid2_decrypt_to_buffer((uid2_client)client, t.p, (size_t)token_len,
                                  d.p, (size_t)domain_len, (int64_t)now_ms, &r,
                                  buf, cap);
    u = buf;
  }
  span_free(&t);
  span_free(&d);
  if (u != NULL && has_result(st)) {
    jlong m[META];
    meta_of(&r, m);
    (*env)->SetLongArrayRegion(env, meta, 0, META, m);
    if (st == UID2_STATUS_SUCCESS && r.uid_len > 0 && (size_t)r.uid_len <= cap)
      (*env)->SetByteArrayRegion(env, uid, 0, r.uid_len, (const jbyte *)u);
  }
  free(buf);
  return st;
}

JNIEXPORT jint FN(decrypt)(JNIEnv *env, jclass cls, jobject owner, jlong client,
                           jbyteArray token, jint token_len, jbyteArray domain,
                           jint domain_len, jlong now_ms, jlongArray meta,
                           jbyteArray uid) {
  (void)cls;
  (void)owner;
  return decrypt_one(env, client, token, token_len, domain, domain_len, now_ms,
                     meta, uid, 0);
}

JNIEXPORT jint FN(decryptToBuffer)(JNIEnv *env, jclass cls, jobject owner, jlong client,
                                   jbyteArray token, jint token_len,
                                   jbyteArray domain, jint domain_len,
                                   jlong now_ms, jlongArray meta,
                                   jbyteArray uid) {
  (void)cls;
  (void)owner;
  return decrypt_one(env, client, token, token_len, domain, domain_len, now_ms,
                     meta, uid, 1);
}

JNIEXPORT jbyteArray FN(decryptBatch)(JNIEnv *env, jclass cls, jobject owner, jlong client,
                                      jbyteArray tokens, jintArray offsets,
                                      jint count, jbyteArray domain,
                                      jint domain_len, jlong now_ms,
                                      jlongArray meta) {
  (void)cls;
  (void)owner;
  jbyteArray out = NULL;
  char dsmall[256];
  span d = {NULL, 0};
  size_t n = (size_t)count;
  int32_t *offs = NULL;
  char *toks = NULL, *uids = NULL;
  uid2_decryption_result *res = NULL;
  jlong *m = NULL;

  offs = xmalloc(env, (n + 1) * sizeof *offs);
  if (offs == NULL) goto done;
  (*env)->GetIntArrayRegion(env, offsets, 0, count + 1, (jint *)offs);
  size_t total = (size_t)offs[n];
  toks = xmalloc(env, total);
  if (toks == NULL) goto done;
  if (total > 0)
    (*env)->GetByteArrayRegion(env, tokens, 0, (jsize)total, (jbyte *)toks);
  if (span_in(env, domain, domain_len, dsmall, sizeof dsmall, &d)) goto done;
  res = xmalloc(env, n * sizeof *res);
  if (res == NULL) goto done;
  m = xmalloc(env, (n * META + 1) * sizeof *m);
  if (m == NULL) goto done;

  uid2_status st = uid2_decrypt_batch((uid2_client)client, toks, offs, n, d.p,
                                      (size_t)domain_len, (int64_t)now_ms, res);
  if (st != UID2_STATUS_SUCCESS) {
    jlong s = st;
    (*env)->SetLongArrayRegion(env, meta, (jsize)(n * META), 1, &s);
    goto done;
  }
  size_t uid_total = 0;
  for (size_t i = 0; i < n; i++)
    if (res[i].status == UID2_STATUS_SUCCESS) uid_total += (size_t)res[i].uid_len;
  if (uid_total > INT32_MAX) { /* cannot be one Java array */
    throw_oom(env);
    goto done;
  }
  uids = xmalloc(env, uid_total);
  if (uids == NULL) goto done;
  size_t pos = 0;
  for (size_t i = 0; i < n; i++) {
    meta_of(&res[i], m + i * META);
    if (res[i].status == UID2_STATUS_SUCCESS && res[i].uid_len > 0) {
      memcpy(uids + pos, res[i].uid, (size_t)res[i].uid_len);
      pos += (size_t)res[i].uid_len;
    }
  }
  m[n * META] = UID2_STATUS_SUCCESS;
  out = (*env)->NewByteArray(env, (jsize)uid_total);
  if (out == NULL) goto done;
  (*env)->SetByteArrayRegion(env, out, 0, (jsize)uid_total, (const jbyte *)uids);
  (*env)->SetLongArrayRegion(env, meta, 0, (jsize)(n * META + 1), m);

done:
  free(offs);
  free(toks);
  span_free(&d);
  free(res);
  free(m);
  free(uids);
  return out;
}

/* ---- encrypt ------------------------------------------------------------ */

static jlong pack(uid2_status st, size_t len) {
  return ((jlong)st << 32) | (jlong)(uint32_t)(len > UINT32_MAX ? UINT32_MAX : len);
}

/* Shared by encrypt and the insecure test-only variant: nonces NULL means the
 * system's random source. */
static jlong encrypt_common(JNIEnv *env, jlong client, jbyteArray raw_uid,
                            jint raw_len, jlong now_ms, jlong keyset_id,
                            const uint8_t *nonces, jbyteArray out) {
  char rsmall[512], osmall[1024];
  span r;
  if (span_in(env, raw_uid, raw_len, rsmall, sizeof rsmall, &r))
    return pack(UID2_STATUS_INTERNAL_ERROR, 0);
  jsize cap = (*env)->GetArrayLength(env, out);
  char *o = (size_t)cap <= sizeof osmall ? osmall : xmalloc(env, (size_t)cap);
  if (o == NULL) {
    span_free(&r);
    return pack(UID2_STATUS_INTERNAL_ERROR, 0);
  }
  size_t out_len = 0;
  uid2_status st =
      nonces == NULL
          ? uid2_encrypt((uid2_client)client, r.p, (size_t)raw_len,
                         (int64_t)now_ms, (int64_t)keyset_id, o, (size_t)cap,
                         &out_len)
          : uid2_encrypt_with_nonces_insecure_for_tests(
                (uid2_client)client, r.p, (size_t)raw_len, (int64_t)now_ms,
                (int64_t)keyset_id, nonces, o, (size_t)cap, &out_len);
  if (st == UID2_STATUS_SUCCESS && out_len <= (size_t)cap)
    (*env)->SetByteArrayRegion(env, out, 0, (jsize)out_len, (const jbyte *)o);
  if (o != osmall) free(o);
  span_free(&r);
  return pack(st, out_len);
}

JNIEXPORT jlong FN(encrypt)(JNIEnv *env, jclass cls, jobject owner, jlong client,
                            jbyteArray raw_uid, jint raw_len, jlong now_ms,
                            jlong keyset_id, jbyteArray out) {
  (void)cls;
  (void)owner;
  return encrypt_common(env, client, raw_uid, raw_len, now_ms, keyset_id, NULL,
                        out);
}

JNIEXPORT jlong FN(encryptWithNoncesInsecureForTests)(
    JNIEnv *env, jclass cls, jobject owner, jlong client, jbyteArray raw_uid, jint raw_len,
    jlong now_ms, jlong keyset_id, jbyteArray nonces, jbyteArray out) {
  (void)cls;
  (void)owner;
  uint8_t n[24];
  (*env)->GetByteArrayRegion(env, nonces, 0, 24, (jbyte *)n);
  return encrypt_common(env, client, raw_uid, raw_len, now_ms, keyset_id, n,
                        out);
}

JNIEXPORT jbyteArray FN(encryptBatch)(JNIEnv *env, jclass cls, jobject owner, jlong client,
                                      jbyteArray raw_uids, jintArray offsets,
                                      jint count, jlong now_ms,
                                      jlong keyset_id, jint out_cap_hint,
                                      jintArray out_offsets,
                                      jintArray statuses,
                                      jintArray call_status) {
  (void)cls;
  (void)owner;
  jbyteArray result = NULL;
  size_t n = (size_t)count;
  int32_t *offs = NULL, *ooffs = NULL;
  uid2_status *sts = NULL;
  char *raws = NULL, *out = NULL;
  jint cs = UID2_STATUS_INTERNAL_ERROR;

  offs = xmalloc(env, (n + 1) * sizeof *offs);
  ooffs = xmalloc(env, (n + 1) * sizeof *ooffs);
  sts = xmalloc(env, n * sizeof *sts);
  if (offs == NULL || ooffs == NULL || sts == NULL) goto done;
  /* The library leaves out_offsets alone for an empty batch. */
  memset(ooffs, 0, (n + 1) * sizeof *ooffs);
  (*env)->GetIntArrayRegion(env, offsets, 0, count + 1, (jint *)offs);
  size_t total = (size_t)offs[n];
  raws = xmalloc(env, total);
  if (raws == NULL) goto done;
  if (total > 0)
    (*env)->GetByteArrayRegion(env, raw_uids, 0, (jsize)total, (jbyte *)raws);

  size_t cap = out_cap_hint > 0 ? (size_t)out_cap_hint : 1;
  uid2_status st = UID2_STATUS_BUFFER_TOO_SMALL;
  /* The size needed can grow between two calls only if the keys change; a
   * few rounds always suffice. */
  for (int round = 0; round < 4 && st == UID2_STATUS_BUFFER_TOO_SMALL; round++) {
    free(out);
    out = xmalloc(env, cap);
    if (out == NULL) goto done;
    size_t needed = 0;
    st = uid2_encrypt_batch((uid2_client)client, raws, offs, n, (int64_t)now_ms,
                            (int64_t)keyset_id, out, cap, ooffs, sts, &needed);
    if (st == UID2_STATUS_BUFFER_TOO_SMALL) {
      if (needed > INT32_MAX) { /* cannot be one Java array */
        throw_oom(env);
        goto done;
      }
      cap = needed > cap ? needed : cap * 2;
    }
  }
  cs = st;
  if (st != UID2_STATUS_SUCCESS) goto done;
  if (ooffs[n] < 0 || (size_t)ooffs[n] > cap) { /* never from a correct library */
    cs = UID2_STATUS_INTERNAL_ERROR;
    goto done;
  }
  jsize len = (jsize)ooffs[n];
  result = (*env)->NewByteArray(env, len);
  if (result == NULL) goto done;
  (*env)->SetByteArrayRegion(env, result, 0, len, (const jbyte *)out);
  (*env)->SetIntArrayRegion(env, out_offsets, 0, count + 1, (const jint *)ooffs);
  (*env)->SetIntArrayRegion(env, statuses, 0, count, (const jint *)sts);

done:
  if (!(*env)->ExceptionCheck(env))
    (*env)->SetIntArrayRegion(env, call_status, 0, 1, &cs);
  free(offs);
  free(ooffs);
  free(sts);
  free(raws);
  free(out);
  return result;
}

/* ---- legacy encrypted data ---------------------------------------------- */

JNIEXPORT jlong FN(encryptData)(JNIEnv *env, jclass cls, jobject owner,
                                jlong client, jbyteArray data, jint data_len,
                                jint site_id, jbyteArray token,
                                jint token_len, jlong key_id, jbyteArray iv,
                                jlong now_ms, jbyteArray out) {
  (void)cls;
  (void)owner;
  char dsmall[1], tsmall[1024], osmall[1];
  uint8_t ivb[12];
  span d, t;
  /* Data on the heap (it may be large); a non-null empty array is passed as
   * a non-NULL pointer, as the library allows. */
  if (span_in(env, data, data_len, dsmall, 0, &d))
    return pack(UID2_STATUS_INTERNAL_ERROR, 0);
  if (span_in(env, token, token_len, tsmall, sizeof tsmall, &t)) {
    span_free(&d);
    return pack(UID2_STATUS_INTERNAL_ERROR, 0);
  }
  jsize cap = (*env)->GetArrayLength(env, out);
  char *o = cap == 0 ? osmall : xmalloc(env, (size_t)cap);
  uid2_status st = UID2_STATUS_INTERNAL_ERROR;
  size_t out_len = 0;
  if (o != NULL) {
    uid2_encrypt_data_request r;
    memset(&r, 0, sizeof r);
    r.data = (const uint8_t *)d.p;
    r.data_len = (size_t)data_len;
    r.site_id = site_id;
    r.advertising_token = t.p;
    r.advertising_token_len = (size_t)token_len;
    r.key_id = key_id;
    if (iv != NULL) {
      (*env)->GetByteArrayRegion(env, iv, 0, 12, (jbyte *)ivb);
      r.iv = ivb;
      r.iv_len = 12;
    }
    r.now_ms = now_ms;
    st = uid2_encrypt_data((uid2_client)client, &r, o, (size_t)cap, &out_len);
    if (st == UID2_STATUS_SUCCESS && out_len <= (size_t)cap)
      (*env)->SetByteArrayRegion(env, out, 0, (jsize)out_len, (const jbyte *)o);
    if (o != osmall) free(o);
  }
  span_free(&d);
  span_free(&t);
  return pack(st, out_len);
}

JNIEXPORT jint FN(decryptData)(JNIEnv *env, jclass cls, jobject owner,
                               jlong client, jbyteArray encrypted,
                               jint encrypted_len, jbyteArray out,
                               jlongArray meta) {
  (void)cls;
  (void)owner;
  char esmall[1];
  span e;
  if (span_in(env, encrypted, encrypted_len, esmall, 0, &e))
    return UID2_STATUS_INTERNAL_ERROR;
  jsize cap = (*env)->GetArrayLength(env, out);
  uint8_t *o = xmalloc(env, (size_t)cap);
  uid2_status st = UID2_STATUS_INTERNAL_ERROR;
  if (o != NULL) {
    size_t out_len = 0;
    int64_t at = 0;
    int32_t site = 0;
    st = uid2_decrypt_data((uid2_client)client, e.p, (size_t)encrypted_len, o,
                           (size_t)cap, &out_len, &at, &site);
    if (st == UID2_STATUS_SUCCESS && out_len <= (size_t)cap) {
      (*env)->SetByteArrayRegion(env, out, 0, (jsize)out_len, (const jbyte *)o);
      jlong m[3] = {(jlong)out_len, at, site};
      (*env)->SetLongArrayRegion(env, meta, 0, 3, m);
    }
    free(o);
  }
  span_free(&e);
  return st;
}
