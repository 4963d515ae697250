/*
 * libuid2 hosted by Mono, as libuid2 sees it: this program exports the three
 * functions of Mono's embedding API that libuid2 looks up when it loads
 * (linked with -rdynamic, so the library's dlsym(RTLD_DEFAULT) finds them),
 * and plays the parts Mono can play:
 *
 *   1. coop/hybrid suspend, a thread of Mono's: every call that runs Go on
 *      the calling thread is one GC-unsafe region (entered and left once,
 *      never nested); refresh, auto-refresh, free and the waits run Go on
 *      another thread and enter no region, yet return their status, message
 *      and outputs;
 *   2. preemptive suspend (no region granted), a thread of Mono's: every
 *      such call is refused with UID2_STATUS_UNSUPPORTED_HOST at once, with
 *      a message that says what to do, and Go is not entered;
 *   3. preemptive suspend, a thread Mono does not know: calls work;
 *   4. back to hybrid: calls work again (nothing sticks);
 *   5. hybrid, a thread of Mono's already GC-unsafe (an embedder's internal
 *      call), which Mono grants no further region: calls work, after one
 *      GC-safe region that tells this from preemptive suspend.
 *
 * The real Mono is exercised by the C# binding's tests; this checks the
 * library's side of the contract, which those can only observe as a whole.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_keys.h"
#include "uid2.h"

/* ---- Mono, played by this program ---------------------------------------- */

static atomic_int granting = 1; /* 1: coop/hybrid; 0: preemptive */
static _Thread_local int attached; /* whether the thread is Mono's */
static _Thread_local int unsafe_already; /* in a GC-unsafe state already */
static _Thread_local int depth;    /* open regions on this thread */
static atomic_int enters, leaves, nested, wrong_leaves, off_main_enters, safe_enters, safe_leaves;
static pthread_t main_thread;
static int cookie_token;

__attribute__((visibility("default"))) void *mono_threads_enter_gc_unsafe_region(void **stackdata) {
  (void)stackdata;
  if (!attached || !atomic_load(&granting) || unsafe_already) return NULL;
  if (!pthread_equal(pthread_self(), main_thread)) atomic_fetch_add(&off_main_enters, 1);
  if (depth++ > 0) atomic_fetch_add(&nested, 1);
  atomic_fetch_add(&enters, 1);
  return &cookie_token;
}

__attribute__((visibility("default"))) void mono_threads_exit_gc_unsafe_region(void *cookie, void **stackdata) {
  (void)stackdata;
  if (cookie != &cookie_token || depth != 1) atomic_fetch_add(&wrong_leaves, 1);
  depth--;
  atomic_fetch_add(&leaves, 1);
}

static int safe_cookie;

__attribute__((visibility("default"))) void *mono_threads_enter_gc_safe_region(void **stackdata) {
  (void)stackdata;
  if (!attached || !atomic_load(&granting)) return NULL;
  atomic_fetch_add(&safe_enters, 1);
  return &safe_cookie;
}

__attribute__((visibility("default"))) void mono_threads_exit_gc_safe_region(void *cookie, void **stackdata) {
  (void)stackdata;
  if (cookie != &safe_cookie) atomic_fetch_add(&wrong_leaves, 1);
  atomic_fetch_add(&safe_leaves, 1);
}

__attribute__((visibility("default"))) void *mono_thread_info_current_unchecked(void) {
  return attached ? &cookie_token : NULL;
}

/* ---- the test ------------------------------------------------------------ */

static int failures;

#define CHECK(cond, ...)                              \
  do {                                                \
    if (!(cond)) {                                    \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                   \
      fputc('\n', stderr);                            \
      failures++;                                     \
    }                                                 \
  } while (0)

static char token[512];
static size_t token_len;

/* Every call that runs Go on the calling thread, against client c; each
 * must return `want` (SUCCESS, or UNSUPPORTED_HOST when refused). */
static void calls_on_this_thread(uid2_client c, uid2_status want) {
  uid2_status st = uid2_refresh_json(c, kKeys, strlen(kKeys));
  CHECK(st == want, "refresh_json: %s", uid2_status_name(st));
  char out[512];
  size_t n = 0;
  st = uid2_encrypt(c, kRawUid, strlen(kRawUid), 0, 0, out, sizeof out, &n);
  CHECK(st == want, "encrypt: %s", uid2_status_name(st));
  uid2_decryption_result r;
  st = uid2_decrypt(c, token, token_len, NULL, 0, 0, &r);
  CHECK(st == want && r.status == want, "decrypt: %s / %s", uid2_status_name(st), uid2_status_name(r.status));
  if (want == UID2_STATUS_SUCCESS)
    CHECK(r.uid_len == strlen(kRawUid) && memcmp(r.uid, kRawUid, r.uid_len) == 0, "decrypt: wrong raw UID");
  char buf[64];
  st = uid2_decrypt_to_buffer(c, token, token_len, NULL, 0, 0, &r, buf, sizeof buf);
  CHECK(st == want && r.status == want, "decrypt_to_buffer: %s", uid2_status_name(st));
  int32_t offsets[2] = {0, (int32_t)token_len};
  uid2_decryption_result rs[1];
  st = uid2_decrypt_batch(c, token, offsets, 1, NULL, 0, 0, rs);
  CHECK(st == want, "decrypt_batch: %s", uid2_status_name(st));
  int32_t raw_offsets[2] = {0, (int32_t)strlen(kRawUid)}, out_offsets[2];
  uid2_status statuses[1];
  size_t needed = 0;
  st = uid2_encrypt_batch(c, kRawUid, raw_offsets, 1, 0, 0, out, sizeof out, out_offsets, statuses, &needed);
  CHECK(st == want, "encrypt_batch: %s", uid2_status_name(st));
  uid2_refresh_state state;
  st = uid2_refresh_state_get(c, &state, NULL, 0);
  CHECK(st == want, "refresh_state_get: %s", uid2_status_name(st));
  st = uid2_client_set_default_identity_scope(c, UID2_IDENTITY_SCOPE_UID2);
  CHECK(st == want, "set_default_identity_scope: %s", uid2_status_name(st));
  const uint8_t data[] = {1, 2, 3};
  uid2_encrypt_data_request req = {.data = data, .data_len = sizeof data, .key_id = 2};
  n = 0;
  st = uid2_encrypt_data(c, &req, out, sizeof out, &n);
  CHECK(st == want, "encrypt_data: %s", uid2_status_name(st));
  if (st == UID2_STATUS_SUCCESS) {
    uint8_t back[16];
    size_t back_len = 0;
    st = uid2_decrypt_data(c, out, n, back, sizeof back, &back_len, NULL, NULL);
    CHECK(st == want && back_len == sizeof data && memcmp(back, data, sizeof data) == 0, "decrypt_data: %s",
          uid2_status_name(st));
  } else {
    st = uid2_decrypt_data(c, "AAAA", 4, NULL, 0, &n, NULL, NULL);
    CHECK(st == want, "decrypt_data: %s", uid2_status_name(st));
  }
  uid2_client other = 0;
  st = uid2_client_new(UID2_CLIENT_BIDSTREAM, NULL, NULL, NULL, &other);
  CHECK(st == want, "client_new: %s", uid2_status_name(st));
  if (st == UID2_STATUS_SUCCESS) CHECK(uid2_client_free(other) == UID2_STATUS_SUCCESS, "client_free");
}

static void *unknown_thread(void *arg) {
  calls_on_this_thread(*(uid2_client *)arg, UID2_STATUS_SUCCESS);
  CHECK(uid2_client_count() == 1, "client_count on a thread Mono does not know");
  return NULL;
}

int main(void) {
  main_thread = pthread_self();
  attached = 1;

  /* 1. coop/hybrid */
  uid2_client c = 0;
  CHECK(uid2_client_new(UID2_CLIENT_SHARING, NULL, NULL, NULL, &c) == UID2_STATUS_SUCCESS, "client_new");
  CHECK(uid2_refresh_json(c, kKeys, strlen(kKeys)) == UID2_STATUS_SUCCESS, "refresh_json");
  CHECK(uid2_encrypt(c, kRawUid, strlen(kRawUid), 0, 0, token, sizeof token, &token_len) == UID2_STATUS_SUCCESS,
        "encrypt");
  atomic_store(&enters, 0);
  atomic_store(&leaves, 0);
  calls_on_this_thread(c, UID2_STATUS_SUCCESS);
  CHECK(atomic_load(&enters) == 11 && atomic_load(&leaves) == 11,
        "one region for each of the 11 calls (client_free runs off the thread): %d entered, %d left", atomic_load(&enters),
        atomic_load(&leaves));
  CHECK(strcmp(uid2_version(), "unknown") != 0 && uid2_client_count() == 1, "version, client_count");

  /* Long calls: Go runs on another thread, which enters no region; the
   * status and message come back. */
  int before = atomic_load(&enters);
  CHECK(uid2_refresh(c, 1000) == UID2_STATUS_INVALID_ARGUMENT, "refresh without a URL is refused");
  char msg[1024];
  CHECK(uid2_last_error_message(msg, sizeof msg) > 0, "refresh's message comes back");
  CHECK(uid2_auto_refresh_stop(c) == UID2_STATUS_SUCCESS, "auto_refresh_stop");
  CHECK(uid2_client_free(987654321) == UID2_STATUS_INVALID_HANDLE, "free of an unknown handle");
  CHECK(uid2_last_error_message(msg, sizeof msg) > 0 && strstr(msg, "handle") != NULL,
        "free's message comes back: %s", msg);
  /* The waits (ABI 1.3) too, with what they write to the caller's memory. */
  CHECK(uid2_wait_for_keys(c, 0) == UID2_STATUS_SUCCESS, "wait_for_keys");
  uid2_refresh_event ev = {0};
  char ev_msg[64] = "x";
  size_t ev_len = 99;
  /* The newest attempt: the refresh refused above (no URL). */
  CHECK(uid2_refresh_event_wait(c, 0, 0, &ev, ev_msg, sizeof ev_msg, &ev_len) == UID2_STATUS_SUCCESS &&
            ev.seq == 3 && ev.success == 0 && strstr(ev_msg, "base URL") != NULL && ev_len > strlen(ev_msg),
        "refresh_event_wait: seq %llu, %s", (unsigned long long)ev.seq, ev_msg);
  CHECK(uid2_refresh_event_wait(c, ev.seq, 1, &ev, NULL, 0, NULL) == UID2_STATUS_TIMED_OUT &&
            uid2_last_error_message(msg, sizeof msg) > 0 && strstr(msg, "no refresh attempt") != NULL,
        "refresh_event_wait times out, and its message comes back: %s", msg);
  CHECK(atomic_load(&enters) == before, "long calls entered %d regions", atomic_load(&enters) - before);

  /* 2. preemptive, a thread of Mono's */
  atomic_store(&granting, 0);
  before = atomic_load(&enters);
  calls_on_this_thread(c, UID2_STATUS_UNSUPPORTED_HOST);
  CHECK(uid2_last_error_message(msg, sizeof msg) > 0 && strstr(msg, "preemptive") && strstr(msg, "deadlock") &&
            strstr(msg, "hybrid") && strstr(msg, "coop"),
        "the message says why and what to do: %s", msg);
  CHECK(strcmp(uid2_version(), "unknown") == 0 && uid2_client_count() == 0, "version, client_count refused");
  CHECK(atomic_load(&enters) == before, "no region entered");

  /* 3. preemptive, a thread Mono does not know */
  pthread_t t;
  CHECK(pthread_create(&t, NULL, unknown_thread, &c) == 0 && pthread_join(t, NULL) == 0, "thread");

  /* 4. hybrid again */
  atomic_store(&granting, 1);
  calls_on_this_thread(c, UID2_STATUS_SUCCESS);
  CHECK(atomic_load(&safe_enters) == 0, "no GC-safe region while regions were granted");

  /* 5. hybrid, a thread already GC-unsafe */
  unsafe_already = 1;
  calls_on_this_thread(c, UID2_STATUS_SUCCESS);
  CHECK(atomic_load(&safe_enters) == 1 && atomic_load(&safe_leaves) == 1,
        "one GC-safe region told hybrid from preemptive: %d entered, %d left", atomic_load(&safe_enters),
        atomic_load(&safe_leaves));
  unsafe_already = 0;
  CHECK(uid2_client_free(c) == UID2_STATUS_SUCCESS, "client_free");

  CHECK(atomic_load(&nested) == 0 && atomic_load(&wrong_leaves) == 0 && atomic_load(&off_main_enters) == 0,
        "regions: %d nested, %d left wrongly, %d entered off the main thread", atomic_load(&nested),
        atomic_load(&wrong_leaves), atomic_load(&off_main_enters));
  CHECK(atomic_load(&enters) == atomic_load(&leaves), "%d entered, %d left", atomic_load(&enters),
        atomic_load(&leaves));
  if (failures == 0) printf("ok: libuid2 under a Mono that grants regions, refuses them, and on unknown threads\n");
  return failures == 0 ? 0 : 1;
}
