/*
 * The public uid2_* functions of uid2.h: a thin layer over the Go exports
 * (uid2go_*, see exports.go). It keeps const in the contract, refuses every
 * call in a child forked after the library loaded (a forked Go runtime
 * deadlocks at its first garbage collection), keeps Mono from stopping a
 * thread inside the Go runtime (below), and keeps the thread-local message
 * of the last failed call.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_DEFAULT */
#endif
#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

#include "_cgo_export.h"
#include "uid2.h"

static volatile int forked;

static void mark_forked(void) { forked = 1; }

/*
 * Mono. Its default ("hybrid") suspend stops every thread that is inside
 * native code with a signal, wherever that thread is, and then waits for the
 * threads it could not stop at a safe place, restarting them until they get
 * there; a thread running on a Go stack is never at a safe place for Mono.
 * A thread stopped inside the Go runtime may hold a runtime lock (the
 * scheduler's, or the list of spare threads' while it blocks signals) that
 * such a restarted thread needs: Mono and Go then wait for each other for
 * ever (bindings/csharp/README.md, Deploying, has the backtraces).
 *
 * So when Mono hosts the library, each call runs inside Go as a GC-unsafe
 * region of Mono's embedding API: Mono treats the thread as running managed
 * code, waits for the call to return, and stops the thread here, outside Go,
 * where it holds nothing. (Under preemptive suspend the region does nothing;
 * such calls are refused, below.) A call that may block for long (an HTTP
 * refresh, stopping an automatic refresh) would hold up Mono's garbage
 * collector meanwhile, so it runs on a thread of its own, which Mono does
 * not know, while the caller waits here.
 *
 * Under preemptive suspend Mono keeps no thread states and grants no region
 * (a null cookie), and could stop a thread of its own anywhere inside Go.
 * Such a call is refused with UID2_STATUS_UNSUPPORTED_HOST instead: what Mono
 * does is asked, not inferred from MONO_THREADS_SUSPEND and Mono's version
 * (a build or an embedder may choose another default). Two other threads
 * get a null cookie too and go on: one Mono does not know (Mono never stops
 * it), and one of Mono's already in a GC-unsafe state (an embedder's
 * internal call, or its own region: Mono waits for it as for ours). The
 * second is told from preemptive suspend by entering a GC-safe region,
 * which Mono grants then and refuses under preemptive suspend; once any
 * region was granted, the suspend mode (fixed for the process) is known.
 *
 * The functions are looked up where Mono's DllImport("__Internal") finds
 * them; elsewhere they are absent and cost one branch per call.
 */
static struct {
  void *(*enter)(void **stackdata);
  void (*leave)(void *cookie, void **stackdata);
  void *(*enter_safe)(void **stackdata);
  void (*leave_safe)(void *cookie, void **stackdata);
  void *(*thread_info)(void); /* the calling thread's Mono state, or NULL */
  volatile int regions_granted; /* so the suspend mode is not preemptive */
} mono;

__attribute__((constructor)) static void uid2_init(void) {
  pthread_atfork(NULL, NULL, mark_forked);
  void *enter = dlsym(RTLD_DEFAULT, "mono_threads_enter_gc_unsafe_region");
  void *leave = dlsym(RTLD_DEFAULT, "mono_threads_exit_gc_unsafe_region");
  void *enter_safe = dlsym(RTLD_DEFAULT, "mono_threads_enter_gc_safe_region");
  void *leave_safe = dlsym(RTLD_DEFAULT, "mono_threads_exit_gc_safe_region");
  void *info = dlsym(RTLD_DEFAULT, "mono_thread_info_current_unchecked");
  if (enter && leave && enter_safe && leave_safe && info) {
    mono.enter = (void *(*)(void **))enter;
    mono.leave = (void (*)(void *, void **))leave;
    mono.enter_safe = (void *(*)(void **))enter_safe;
    mono.leave_safe = (void (*)(void *, void **))leave_safe;
    mono.thread_info = (void *(*)(void))info;
  }
}

/* Whether a call that got no GC-unsafe region may run Go on this thread
 * (see above): the thread is not Mono's, or Mono's suspend is not
 * preemptive. */
static int mono_allows_go(void) {
  if (mono.regions_granted || mono.thread_info() == NULL) return 1;
  void *stack;
  void *cookie = mono.enter_safe(&stack);
  if (cookie == NULL) return 0; /* preemptive: Mono keeps no thread states */
  mono.leave_safe(cookie, &stack);
  mono.regions_granted = 1;
  return 1;
}

static uid2_status unsupported_host_status(void);

/* The value of a call into Go, made as a GC-unsafe region under Mono; on a
 * thread of Mono's under preemptive suspend, `refused` instead, without
 * entering Go. */
#define GO_OR(call, refused)                                             \
  ({                                                                     \
    void *mono_stack_;                                                   \
    void *mono_cookie_ = mono.enter ? mono.enter(&mono_stack_) : NULL;   \
    __typeof__(call) go_result_;                                         \
    if (mono_cookie_ == NULL && mono.enter && !mono_allows_go()) {       \
      go_result_ = (refused);                                            \
    } else {                                                             \
      go_result_ = (call);                                               \
      if (mono_cookie_ != NULL) mono.leave(mono_cookie_, &mono_stack_);  \
    }                                                                    \
    go_result_;                                                          \
  })

/* A call into Go that returns a status. */
#define GO(call) GO_OR(call, unsupported_host_status())

/* The last failed call's message, per thread. */
static __thread char last_error[1024];
static __thread size_t last_error_len;

/* Called from Go (exports.go). msg need not be NUL-terminated; the full
 * length is kept even when the text is truncated. */
void uid2c_set_error(const char *msg, size_t len) {
  size_t n = len < sizeof last_error - 1 ? len : sizeof last_error - 1;
  if (n > 0) memcpy(last_error, msg, n);
  last_error[n] = 0;
  last_error_len = len;
}

static void clear_error(void) { uid2c_set_error(NULL, 0); }

/* Sets the message to a string literal. */
#define SET_ERROR(literal) uid2c_set_error(literal, sizeof(literal) - 1)

static uid2_status unsupported_host_status(void) {
  SET_ERROR(
      "libuid2 cannot run on this thread: Mono stops its threads with "
      "preemptive thread suspend (MONO_THREADS_SUSPEND=preemptive, or the "
      "default of this Mono), which may stop one anywhere inside the Go "
      "runtime, and Mono and Go then deadlock. Use hybrid suspend (Mono 6's "
      "default: unset MONO_THREADS_SUSPEND or set it to hybrid) or coop");
  return UID2_STATUS_UNSUPPORTED_HOST;
}

static uid2_status forked_status(void) {
  SET_ERROR(
      "libuid2 cannot be used in a process forked after the library was "
      "loaded: its Go runtime does not survive fork(). Load libuid2 and "
      "create its clients in each process after the fork (a spawn or "
      "forkserver process pool, or a post-fork worker hook), not before it");
  return UID2_STATUS_FORKED_PROCESS;
}

#define REFUSE_IF_FORKED() \
  do {                     \
    if (forked) return forked_status(); \
  } while (0)

/* A call that may block for long: under Mono it runs on a thread of its own
 * (see the top of this file), which hands back its status and message. */
typedef enum {
  REFRESH,
  AUTO_REFRESH_START,
  AUTO_REFRESH_STOP,
  CLIENT_FREE,
  WAIT_FOR_KEYS,
  REFRESH_EVENT_WAIT
} long_op;

typedef struct {
  long_op op;
  uid2_client client;
  uint32_t a, b;
  /* uid2_refresh_event_wait's other arguments. */
  uint64_t after_seq;
  uid2_refresh_event *event;
  char *msg_buf;
  size_t msg_cap;
  size_t *msg_len;
  uid2_status status;
  size_t error_len;
  char error[sizeof last_error];
} long_call;

static uid2_status run_long_call(const long_call *c) {
  switch (c->op) {
    case REFRESH: return uid2go_refresh(c->client, c->a);
    case AUTO_REFRESH_START: return uid2go_auto_refresh_start(c->client, c->a, c->b);
    case AUTO_REFRESH_STOP: return uid2go_auto_refresh_stop(c->client);
    case CLIENT_FREE: return uid2go_client_free(c->client);
    case WAIT_FOR_KEYS: return uid2go_wait_for_keys(c->client, c->a);
    case REFRESH_EVENT_WAIT:
      return uid2go_refresh_event_wait(c->client, c->after_seq, c->a, c->event,
                                       c->msg_buf, c->msg_cap, c->msg_len);
  }
  return UID2_STATUS_INTERNAL_ERROR;
}

static void *long_call_thread(void *arg) {
  long_call *c = arg;
  c->status = run_long_call(c);
  c->error_len = last_error_len;
  memcpy(c->error, last_error, sizeof c->error);
  return NULL;
}

static uid2_status long_call_go(long_call *c) {
  REFUSE_IF_FORKED();
  clear_error();
  pthread_t t;
  if (mono.enter == NULL || pthread_create(&t, NULL, long_call_thread, c) != 0)
    return GO(run_long_call(c)); /* no Mono, or no thread to spare */
  pthread_join(t, NULL);
  last_error_len = c->error_len;
  memcpy(last_error, c->error, sizeof last_error);
  return c->status;
}

static uid2_status long_call_run(long_op op, uid2_client client, uint32_t a, uint32_t b) {
  long_call c = {.op = op, .client = client, .a = a, .b = b};
  return long_call_go(&c);
}

uint32_t uid2_abi_version(void) {
  return ((uint32_t)UID2_ABI_VERSION_MAJOR << 16) | UID2_ABI_VERSION_MINOR;
}

const char *uid2_version(void) {
  if (forked) return "unknown";
  return GO_OR(uid2go_version(), "unknown");
}

const char *uid2_status_name(uid2_status status) {
  switch (status) {
    case UID2_STATUS_SUCCESS: return "SUCCESS";
    case UID2_STATUS_NOT_AUTHORIZED_FOR_KEY: return "NOT_AUTHORIZED_FOR_KEY";
    case UID2_STATUS_NOT_AUTHORIZED_FOR_MASTER_KEY: return "NOT_AUTHORIZED_FOR_MASTER_KEY";
    case UID2_STATUS_NOT_INITIALIZED: return "NOT_INITIALIZED";
    case UID2_STATUS_INVALID_PAYLOAD: return "INVALID_PAYLOAD";
    case UID2_STATUS_EXPIRED_TOKEN: return "EXPIRED_TOKEN";
    case UID2_STATUS_KEYS_NOT_SYNCED: return "KEYS_NOT_SYNCED";
    case UID2_STATUS_VERSION_NOT_SUPPORTED: return "VERSION_NOT_SUPPORTED";
    case UID2_STATUS_INVALID_PAYLOAD_TYPE: return "INVALID_PAYLOAD_TYPE";
    case UID2_STATUS_INVALID_IDENTITY_SCOPE: return "INVALID_IDENTITY_SCOPE";
    case UID2_STATUS_INVALID_TOKEN_LIFETIME: return "INVALID_TOKEN_LIFETIME";
    case UID2_STATUS_DOMAIN_OR_APP_NAME_CHECK_FAILED: return "DOMAIN_OR_APP_NAME_CHECK_FAILED";
    case UID2_STATUS_USER_OPTED_OUT: return "USER_OPTED_OUT";
    case UID2_STATUS_ENCRYPTION_FAILURE: return "ENCRYPTION_FAILURE";
    case UID2_STATUS_TOKEN_DECRYPT_FAILURE: return "TOKEN_DECRYPT_FAILURE";
    case UID2_STATUS_KEY_INACTIVE: return "KEY_INACTIVE";
    case UID2_STATUS_BUFFER_TOO_SMALL: return "BUFFER_TOO_SMALL";
    case UID2_STATUS_INVALID_HANDLE: return "INVALID_HANDLE";
    case UID2_STATUS_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case UID2_STATUS_INTERNAL_ERROR: return "INTERNAL_ERROR";
    case UID2_STATUS_FORKED_PROCESS: return "FORKED_PROCESS";
    case UID2_STATUS_REFRESH_FAILED: return "REFRESH_FAILED";
    case UID2_STATUS_INVALID_KEYS: return "INVALID_KEYS";
    case UID2_STATUS_WRONG_CLIENT_TYPE: return "WRONG_CLIENT_TYPE";
    case UID2_STATUS_UNSUPPORTED_HOST: return "UNSUPPORTED_HOST";
    case UID2_STATUS_TIMED_OUT: return "TIMED_OUT";
  }
  return "UNKNOWN_STATUS";
}

size_t uid2_last_error_message(char *buf, size_t cap) {
  if (buf != NULL && cap > 0) {
    size_t n = strlen(last_error);
    if (n > cap - 1) n = cap - 1;
    memcpy(buf, last_error, n);
    buf[n] = 0;
  }
  return last_error_len;
}

uid2_status uid2_client_new(uid2_client_type type, const char *base_url,
                            const char *api_key, const char *secret_key,
                            uid2_client *out) {
  REFUSE_IF_FORKED();
  clear_error();
  return GO(uid2go_client_new((int)type, (char *)base_url, (char *)api_key,
                              (char *)secret_key, out));
}

uid2_status uid2_client_free(uid2_client client) {
  return long_call_run(CLIENT_FREE, client, 0, 0);
}

size_t uid2_client_count(void) {
  if (forked) return 0;
  return GO_OR(uid2go_client_count(), (size_t)0);
}

uid2_status uid2_refresh(uid2_client client, uint32_t timeout_ms) {
  return long_call_run(REFRESH, client, timeout_ms, 0);
}

uid2_status uid2_refresh_json(uid2_client client, const char *json,
                              size_t json_len) {
  REFUSE_IF_FORKED();
  clear_error();
  return GO(uid2go_refresh_json(client, (char *)json, json_len));
}

uid2_status uid2_client_set_default_identity_scope(uid2_client client,
                                                   uid2_identity_scope scope) {
  REFUSE_IF_FORKED();
  clear_error();
  return GO(uid2go_client_set_default_identity_scope(client, (int32_t)scope));
}

uid2_status uid2_auto_refresh_start(uid2_client client, uint32_t interval_ms,
                                    uint32_t timeout_ms) {
  return long_call_run(AUTO_REFRESH_START, client, interval_ms, timeout_ms);
}

uid2_status uid2_auto_refresh_stop(uid2_client client) {
  return long_call_run(AUTO_REFRESH_STOP, client, 0, 0);
}

uid2_status uid2_refresh_state_get(uid2_client client, uid2_refresh_state *out,
                                   char *error_buf, size_t error_cap) {
  REFUSE_IF_FORKED();
  clear_error();
  return GO(uid2go_refresh_state_get(client, out, error_buf, error_cap));
}

uid2_status uid2_wait_for_keys(uid2_client client, uint32_t timeout_ms) {
  return long_call_run(WAIT_FOR_KEYS, client, timeout_ms, 0);
}

uid2_status uid2_refresh_event_wait(uid2_client client, uint64_t after_seq,
                                    uint32_t timeout_ms, uid2_refresh_event *out,
                                    char *msg_buf, size_t msg_cap,
                                    size_t *msg_len) {
  long_call c = {.op = REFRESH_EVENT_WAIT,
                 .client = client,
                 .a = timeout_ms,
                 .after_seq = after_seq,
                 .event = out,
                 .msg_buf = msg_buf,
                 .msg_cap = msg_cap,
                 .msg_len = msg_len};
  return long_call_go(&c);
}

uid2_status uid2_encrypt_data(uid2_client client,
                              const uid2_encrypt_data_request *request,
                              char *out, size_t out_cap, size_t *out_len) {
  REFUSE_IF_FORKED();
  clear_error();
  return GO(uid2go_encrypt_data(client, (uid2_encrypt_data_request *)request,
                                out, out_cap, out_len));
}

uid2_status uid2_decrypt_data(uid2_client client, const char *encrypted,
                              size_t encrypted_len, uint8_t *out,
                              size_t out_cap, size_t *out_len,
                              int64_t *encrypted_at_ms, int32_t *site_id) {
  /* 0s on every status but SUCCESS and BUFFER_TOO_SMALL (uid2.h), also for
   * a refused call or bad arguments. */
  if (out_len != NULL) *out_len = 0;
  if (encrypted_at_ms != NULL) *encrypted_at_ms = 0;
  if (site_id != NULL) *site_id = 0;
  REFUSE_IF_FORKED();
  clear_error();
  return GO(uid2go_decrypt_data(client, (char *)encrypted, encrypted_len, out,
                                out_cap, out_len, encrypted_at_ms, site_id));
}

/* A decrypt leaves its status in *out on every path, so that a binding that
 * reads only the result cannot mistake a refused call (a forked child, bad
 * arguments, an unknown handle, an internal error) for a zeroed SUCCESS.
 * Token statuses and BUFFER_TOO_SMALL are written with every field by the
 * Go side; any other status fails the call as a whole. */
static uid2_status decrypt_failed(uid2_decryption_result *out, uid2_status st) {
  if (out != NULL) {
    memset(out, 0, sizeof *out);
    out->status = st;
    out->identity_type = UID2_IDENTITY_TYPE_UNKNOWN;
  }
  return st;
}

static uid2_status decrypt_status(uid2_decryption_result *out, uid2_status st) {
  if (st >= 100 && st != UID2_STATUS_BUFFER_TOO_SMALL) return decrypt_failed(out, st);
  return st;
}

uid2_status uid2_decrypt(uid2_client client, const char *token,
                         size_t token_len, const char *domain_or_app_name,
                         size_t domain_len, int64_t now_ms,
                         uid2_decryption_result *out) {
  if (forked) return decrypt_failed(out, forked_status());
  return decrypt_status(out, GO(uid2go_decrypt(client, (char *)token, token_len,
                                               (char *)domain_or_app_name,
                                               domain_len, now_ms, out, NULL, 0)));
}

uid2_status uid2_decrypt_to_buffer(uid2_client client, const char *token,
                                   size_t token_len,
                                   const char *domain_or_app_name,
                                   size_t domain_len, int64_t now_ms,
                                   uid2_decryption_result *out, char *uid_buf,
                                   size_t uid_cap) {
  if (forked) return decrypt_failed(out, forked_status());
  if (uid_buf == NULL && uid_cap > 0) {
    SET_ERROR("uid_buf is NULL with a non-zero uid_cap");
    return decrypt_failed(out, UID2_STATUS_INVALID_ARGUMENT);
  }
  /* A NULL buffer of capacity 0 still means "not inline". */
  static char none[1];
  return decrypt_status(out, GO(uid2go_decrypt(client, (char *)token, token_len,
                                               (char *)domain_or_app_name, domain_len,
                                               now_ms, out, uid_buf != NULL ? uid_buf : none,
                                               uid_buf != NULL ? uid_cap : 0)));
}

uid2_status uid2_decrypt_batch(uid2_client client, const char *tokens,
                               const int32_t *offsets, size_t count,
                               const char *domain_or_app_name,
                               size_t domain_len, int64_t now_ms,
                               uid2_decryption_result *results) {
  REFUSE_IF_FORKED();
  return GO(uid2go_decrypt_batch(client, (char *)tokens, (int32_t *)offsets,
                                 count, (char *)domain_or_app_name, domain_len,
                                 now_ms, results));
}

uid2_status uid2_encrypt(uid2_client client, const char *raw_uid,
                         size_t raw_uid_len, int64_t now_ms, int64_t keyset_id,
                         char *out, size_t out_cap, size_t *out_len) {
  REFUSE_IF_FORKED();
  return GO(uid2go_encrypt(client, (char *)raw_uid, raw_uid_len, now_ms,
                           keyset_id, out, out_cap, out_len));
}

uid2_status uid2_encrypt_batch(uid2_client client, const char *raw_uids,
                               const int32_t *offsets, size_t count,
                               int64_t now_ms, int64_t keyset_id, char *out,
                               size_t out_cap, int32_t *out_offsets,
                               uid2_status *statuses, size_t *out_needed) {
  REFUSE_IF_FORKED();
  return GO(uid2go_encrypt_batch(client, (char *)raw_uids, (int32_t *)offsets,
                                 count, now_ms, keyset_id, out, out_cap,
                                 out_offsets, statuses, out_needed));
}

uid2_status uid2_encrypt_with_nonces_insecure_for_tests(
    uid2_client client, const char *raw_uid, size_t raw_uid_len,
    int64_t now_ms, int64_t keyset_id, const uint8_t nonces[24], char *out,
    size_t out_cap, size_t *out_len) {
  REFUSE_IF_FORKED();
  return GO(uid2go_encrypt_with_nonces_insecure_for_tests(
      client, (char *)raw_uid, raw_uid_len, now_ms, keyset_id,
      (uint8_t *)nonces, out, out_cap, out_len));
}
