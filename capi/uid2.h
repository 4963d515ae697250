/*
 * uid2.h — the C ABI of libuid2, the UID2 server-side SDK.
 *
 * This header is the contract. It is written by hand; cgo's generated header
 * is an internal detail of the build and is not installed.
 *
 * Model
 *   A client is an opaque integer handle (uid2_client), never a pointer. A
 *   sharing client decrypts and encrypts sharing tokens; a bidstream client
 *   decrypts bidstream tokens and checks the domain or app name of
 *   client-side-generated tokens. A client holds an immutable snapshot of the
 *   keys it last loaded; a refresh (over HTTP or from a JSON buffer) swaps in
 *   a new snapshot atomically, and a failed refresh keeps the previous one.
 *   uid2_wait_for_keys waits for the first keys (automatic refresh starts
 *   in the background); every completed refresh attempt is an event that
 *   uid2_refresh_event_wait reports, with its failure's reason (the library
 *   logs nothing itself). Since ABI 1.3, any client also encrypts and
 *   decrypts the official SDKs' legacy encrypted data.
 *
 * Buffers and ownership
 *   Every buffer is owned by the caller. The library never returns memory it
 *   allocated and never keeps a pointer to caller memory after a call
 *   returns. Strings passed with a length need not be NUL-terminated; strings
 *   passed without one must be. Outputs are written with their length; text
 *   outputs are also NUL-terminated when the buffer has room for it.
 *   A buffer that is too small yields UID2_STATUS_BUFFER_TOO_SMALL and the
 *   size needed; nothing else is written. There is no fixed length limit on
 *   raw UIDs or tokens.
 *
 * Statuses
 *   Every function that can fail returns a uid2_status. Numbers are fixed
 *   forever; new statuses may be added. Status numbers 0-99 are the token
 *   statuses of the official SDKs (a superset of their decryption and
 *   encryption statuses); 100 and up are statuses of this ABI. For a call
 *   that fails with a status of this ABI, uid2_last_error_message() tells
 *   why. Besides those each function lists, any function that returns a
 *   status may return FORKED_PROCESS, UNSUPPORTED_HOST and INTERNAL_ERROR.
 *
 * Threads
 *   Every function is safe to call from any number of threads at once.
 *   Decrypt and encrypt never wait for a refresh. A handle may be freed while
 *   other threads use it: those calls either complete or return
 *   UID2_STATUS_INVALID_HANDLE.
 *
 * Processes
 *   The library runs a Go runtime, which starts when the library is loaded
 *   and does not survive fork(). Every call made in a child forked after the
 *   library was loaded returns UID2_STATUS_FORKED_PROCESS at once (without
 *   touching the runtime; uid2_last_error_message says what to do instead;
 *   uid2_version gives "unknown" and uid2_client_count 0).
 *   Load the library in each worker after fork, or use spawn-style process
 *   pools. A process may exit while other threads are inside calls.
 *
 * Signals and host runtimes
 *   The Go runtime installs handlers for SIGSEGV, SIGBUS, SIGFPE, SIGPIPE and
 *   SIGURG with SA_ONSTACK and forwards signals that did not come from Go
 *   code to the handlers that were installed before it. A handler installed
 *   later for those signals should use SA_ONSTACK and chain to the previous
 *   one. Under Mono, every call that runs Go on the calling thread runs as a
 *   GC-unsafe region of Mono's embedding API, so that Mono's hybrid thread
 *   suspend never stops a thread inside Go; calls that may block (refresh,
 *   auto-refresh start/stop, client free, the waits) run Go on a thread Mono does not
 *   know instead (see capi/uid2.c). Under Mono's preemptive suspend, where
 *   such regions do nothing, those calls return UID2_STATUS_UNSUPPORTED_HOST
 *   on a thread of Mono's (uid2_version "unknown", uid2_client_count 0).
 *
 * Symbols
 *   Only uid2_* symbols are public. The shared object (SONAME libuid2.so.1)
 *   is linked with a version script (capi/uid2.map) that keeps every other
 *   symbol (the Go runtime's, cgo's) out of the dynamic symbol table; build
 *   it with Bazel (//capi:libuid2) or capi/build.sh, which pass both.
 */
#ifndef UID2_H
#define UID2_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI version: the major changes only if something is removed or changed
 * (never, so far); the minor grows when functions or statuses are added. */
#define UID2_ABI_VERSION_MAJOR 1
#define UID2_ABI_VERSION_MINOR 3

/* (major << 16) | minor of the loaded library. A binding built against
 * major M and minor m accepts the library iff its major is M and its minor
 * is at least m. */
uint32_t uid2_abi_version(void);

/* The library's release version, e.g. "0.1.0". Static storage. */
const char *uid2_version(void);

/* ------------------------------------------------------------------------ */
/* Statuses                                                                  */

typedef int32_t uid2_status;

/* Token statuses (decrypt and encrypt). */
#define UID2_STATUS_SUCCESS 0
/* Decrypt: the token's site key is unknown (no sharing permission).
 * Encrypt: no active key in the default (or requested) keyset. */
#define UID2_STATUS_NOT_AUTHORIZED_FOR_KEY 1
/* Decrypt: the token's master key is unknown. Encrypt: no active master key. */
#define UID2_STATUS_NOT_AUTHORIZED_FOR_MASTER_KEY 2
/* No keys have been loaded yet. */
#define UID2_STATUS_NOT_INITIALIZED 3
/* The token is malformed (any decoding or authentication failure). */
#define UID2_STATUS_INVALID_PAYLOAD 4
/* now is after the token's expiry (now == expiry is not expired). */
#define UID2_STATUS_EXPIRED_TOKEN 5
/* Every loaded key has expired: refresh. */
#define UID2_STATUS_KEYS_NOT_SYNCED 6
/* The token's version is not 2, 3 or 4. */
#define UID2_STATUS_VERSION_NOT_SUPPORTED 7
/* uid2_decrypt_data: a v2 blob whose first byte is not 128 (encrypted
 * data). */
#define UID2_STATUS_INVALID_PAYLOAD_TYPE 8
/* The token's identity scope (UID2/EUID) is not the keys' scope. */
#define UID2_STATUS_INVALID_IDENTITY_SCOPE 9
/* The token's lifetime exceeds the maximum, or it was generated too far in
 * the future (clock skew). */
#define UID2_STATUS_INVALID_TOKEN_LIFETIME 10
/* Bidstream, client-side-generated token: the domain or app name given is
 * not one of the token's site. */
#define UID2_STATUS_DOMAIN_OR_APP_NAME_CHECK_FAILED 11
/* The token carries the client-side opt-out bit (as .NET's UserOptedOut). */
#define UID2_STATUS_USER_OPTED_OUT 12
/* Encrypt failed (e.g. the raw UID is not base64). */
#define UID2_STATUS_ENCRYPTION_FAILURE 13
/* uid2_encrypt_data: the advertising token given does not decrypt. */
#define UID2_STATUS_TOKEN_DECRYPT_FAILURE 14
/* uid2_encrypt_data: the key given is not active at the time given. */
#define UID2_STATUS_KEY_INACTIVE 15

/* ABI statuses. */
/* An output buffer is too small; the size needed is reported. */
#define UID2_STATUS_BUFFER_TOO_SMALL 100
/* The handle is 0, unknown, or already freed. */
#define UID2_STATUS_INVALID_HANDLE 101
/* A required pointer is NULL, or an argument is out of range (every length
 * and count must be at most INT32_MAX; larger capacities are used up to
 * INT32_MAX). */
#define UID2_STATUS_INVALID_ARGUMENT 102
/* A fault was caught inside the library (a bug in it, or a pointer argument
 * to memory that cannot be read or written); the process is unharmed. */
#define UID2_STATUS_INTERNAL_ERROR 103
/* Called in a child process forked after the library was loaded. */
#define UID2_STATUS_FORKED_PROCESS 104
/* A refresh over HTTP failed (network, HTTP status, envelope, a response
 * without keys); the previous keys are kept. */
#define UID2_STATUS_REFRESH_FAILED 105
/* A key JSON buffer could not be parsed or holds no key; the previous keys
 * are kept. */
#define UID2_STATUS_INVALID_KEYS 106
/* The call needs a sharing client (encrypt) but got a bidstream client. */
#define UID2_STATUS_WRONG_CLIENT_TYPE 107
/* Called on a thread that its host runtime may stop anywhere, also inside
 * the Go runtime, which would deadlock: a thread of Mono's under preemptive
 * thread suspend. Nothing was done. (ABI 1.2) */
#define UID2_STATUS_UNSUPPORTED_HOST 108
/* A wait ended before what it waited for happened. (ABI 1.3) */
#define UID2_STATUS_TIMED_OUT 109

/* The name of a status, e.g. "SUCCESS", "EXPIRED_TOKEN"; "UNKNOWN_STATUS"
 * for a number without a name. Static storage; never NULL. */
const char *uid2_status_name(uid2_status status);

/* Copies the message of the last call made on this thread into buf,
 * NUL-terminated and truncated to cap-1 bytes, and returns the message's
 * full length: 0 if that call succeeded. Decrypt and encrypt calls (the hot
 * path) leave the message alone when they succeed or return a token status
 * (0-99) or BUFFER_TOO_SMALL; any other status sets it. buf may be NULL
 * when cap is 0. Messages never contain keys, secrets or API keys. */
size_t uid2_last_error_message(char *buf, size_t cap);

/* ------------------------------------------------------------------------ */
/* Clients                                                                   */

/* An opaque handle; 0 is never a valid handle. */
typedef uint64_t uid2_client;

typedef enum uid2_client_type {
  UID2_CLIENT_SHARING = 1,   /* keys from /v2/key/sharing; decrypt + encrypt */
  UID2_CLIENT_BIDSTREAM = 2, /* keys from /v2/key/bidstream; decrypt only */
} uid2_client_type;

/* Creates a client. base_url (e.g. "https://prod.uidapi.com"), api_key and
 * secret_key (the base64 client secret) are needed only for refresh over
 * HTTP: any of them may be NULL (or empty) for a client that only loads
 * keys with uid2_refresh_json. The new client has no keys (decrypt and encrypt return
 * UID2_STATUS_NOT_INITIALIZED until a refresh succeeds).
 * Returns SUCCESS and writes *out, or INVALID_ARGUMENT (unknown type, NULL
 * out, a secret that is not base64 of 32 bytes). */
uid2_status uid2_client_new(uid2_client_type type, const char *base_url,
                            const char *api_key, const char *secret_key,
                            uid2_client *out);

typedef enum uid2_identity_scope {
  UID2_IDENTITY_SCOPE_UID2 = 0,
  UID2_IDENTITY_SCOPE_EUID = 1,
} uid2_identity_scope;

/* Sets the identity scope the client assumes for key responses that name
 * none (the legacy array of keys, or a body without "identity_scope"):
 * UID2 unless set, as in the official sharing and bidstream clients; an
 * EUID participant whose keys come that way sets EUID (the official C++
 * SDK's EUIDClientFactory clients are always EUID). Tokens of the other
 * scope then decrypt to INVALID_IDENTITY_SCOPE. Applies to keys loaded
 * after the call: set it before the first refresh. Returns
 * SUCCESS, INVALID_ARGUMENT (neither UID2 nor EUID), INVALID_HANDLE.
 * Since ABI 1.1. */
uid2_status uid2_client_set_default_identity_scope(uid2_client client,
                                                   uid2_identity_scope scope);

/* Frees a client, stopping its automatic refresh. Returns SUCCESS, or
 * INVALID_HANDLE for 0, an unknown or an already freed handle. */
uid2_status uid2_client_free(uid2_client client);

/* The number of live client handles in this process (for leak checks). */
size_t uid2_client_count(void);

/* ------------------------------------------------------------------------ */
/* Keys                                                                      */

/* Fetches keys over HTTP (POST {base_url}/v2/key/sharing or /v2/key/bidstream
 * with the v2 request envelope) and swaps them in. Blocks for at most
 * timeout_ms milliseconds (0 means 30000). Returns SUCCESS, REFRESH_FAILED
 * (old keys kept; see uid2_last_error_message), INVALID_ARGUMENT (the client
 * was created without base_url, api_key or secret_key), INVALID_HANDLE. */
uid2_status uid2_refresh(uid2_client client, uint32_t timeout_ms);

/* Loads keys from a JSON buffer: a whole key response ({"body": {...}}), or
 * just its body (the /v2/key/sharing or /v2/key/bidstream object, or the
 * legacy array of keys). Returns SUCCESS, INVALID_KEYS (old keys kept: the
 * JSON could not be parsed, or holds no key at all, which no UID2 service
 * sends), INVALID_ARGUMENT (NULL json, or json_len above INT32_MAX),
 * INVALID_HANDLE. */
uid2_status uid2_refresh_json(uid2_client client, const char *json,
                              size_t json_len);

/* Starts refreshing over HTTP in the background: at once, then every
 * interval_ms (0 means one hour) with +-10% jitter; after a failure it
 * retries sooner, backing off from 10 s up to the interval. Each attempt
 * times out after timeout_ms (0 means 30000). Starting it again restarts it
 * with the new settings. The library logs nothing: uid2_refresh_event_wait
 * reports every attempt, failed ones with their reason. Returns SUCCESS,
 * INVALID_ARGUMENT (no base_url, api_key or secret_key), INVALID_HANDLE. */
uid2_status uid2_auto_refresh_start(uid2_client client, uint32_t interval_ms,
                                    uint32_t timeout_ms);

/* Stops the background refresh, waiting for an attempt in progress to end.
 * Returns SUCCESS (also when it was not running) or INVALID_HANDLE. */
uid2_status uid2_auto_refresh_stop(uid2_client client);

/* What the client knows about its keys and refreshes. Times are Unix epoch
 * milliseconds, 0 when there was none. */
typedef struct uid2_refresh_state {
  int64_t last_success_ms;      /* last successful refresh (HTTP or JSON) */
  int64_t last_failure_ms;      /* last failed refresh */
  int32_t consecutive_failures; /* failures since the last success */
  int32_t auto_refresh_running; /* 1 while automatic refresh runs */
  int32_t has_keys;             /* 1 once keys are loaded */
  int32_t key_count;            /* keys in the current snapshot */
} uid2_refresh_state;

/* Fills *out, and copies the message of the last failed refresh (empty if
 * the last refresh succeeded) into error_buf as uid2_last_error_message
 * does; error_buf may be NULL when error_cap is 0. Returns SUCCESS,
 * INVALID_ARGUMENT (NULL out), INVALID_HANDLE. */
uid2_status uid2_refresh_state_get(uid2_client client, uid2_refresh_state *out,
                                   char *error_buf, size_t error_cap);

/* ------------------------------------------------------------------------ */
/* Waiting for keys and refresh events (ABI 1.3)                             */
/* Both calls may block: under Mono they run Go on a thread Mono does not    */
/* know, as uid2_refresh does.                                               */

/* Waits until the client has keys (from any refresh, over HTTP, automatic
 * or from JSON) or timeout_ms milliseconds pass (0 = do not wait).
 * Returns SUCCESS (at once if the client already has keys); TIMED_OUT,
 * and then uid2_last_error_message says why, with the reason of the last
 * failed refresh if there was one (e.g. "no keys after 5000 ms; last
 * refresh failed: refresh from https://prod.uidapi.com/v2/key/sharing:
 * HTTP 401: unknown API key"); INVALID_HANDLE, also when the client is
 * freed while the call waits. Since ABI 1.3. */
uid2_status uid2_wait_for_keys(uid2_client client, uint32_t timeout_ms);

/* A completed refresh attempt (over HTTP, automatic, or from JSON). */
typedef struct uid2_refresh_event {
  uint64_t seq;                 /* 1 for the client's first completed
                                   refresh attempt, +1 for each after */
  int64_t time_ms;              /* when the attempt ended, Unix epoch ms */
  int32_t success;              /* 1 or 0 */
  int32_t automatic;            /* 1 if made by automatic refresh */
  int32_t key_count;            /* keys in the snapshot after the attempt */
  int32_t consecutive_failures; /* failures since the last success, after
                                   this attempt */
} uid2_refresh_event;

/* Waits for a completed refresh attempt with seq > after_seq, or
 * timeout_ms milliseconds (0 = do not wait). Only the newest attempt is
 * kept: on SUCCESS *out is the newest attempt with seq > after_seq (a
 * listener that fell behind sees the newest, and seq tells how many it
 * missed; pass out->seq as after_seq to wait for the next). Its message
 * (the failure reason, with the key service's own message when it sent
 * one, never a secret; "" on success) is copied to msg_buf as
 * uid2_last_error_message does (NUL-terminated, truncated to msg_cap-1
 * bytes) and *msg_len is its full length; msg_buf may be NULL when
 * msg_cap is 0, msg_len may be NULL. Returns SUCCESS; TIMED_OUT (nothing
 * written); INVALID_HANDLE, also when the client is freed while the call
 * waits (a listener thread ends on it); INVALID_ARGUMENT (NULL out, NULL
 * msg_buf with msg_cap > 0). Since ABI 1.3. */
uid2_status uid2_refresh_event_wait(uid2_client client, uint64_t after_seq,
                                    uint32_t timeout_ms, uid2_refresh_event *out,
                                    char *msg_buf, size_t msg_cap,
                                    size_t *msg_len);

/* ------------------------------------------------------------------------ */
/* Decrypt                                                                   */

/* now_ms: Unix epoch milliseconds to decrypt/encrypt "at"; 0 means the
 * system clock. */
#define UID2_NOW 0

/* Raw UIDs up to this many bytes are returned inline in the result. */
#define UID2_UID_INLINE_CAPACITY 256

typedef enum uid2_identity_type {
  UID2_IDENTITY_TYPE_UNKNOWN = -1, /* v2 tokens carry no identity type */
  UID2_IDENTITY_TYPE_EMAIL = 0,
  UID2_IDENTITY_TYPE_PHONE = 1,
} uid2_identity_type;

/* A decryption result (the fields of the official SDKs' responses).
 * On SUCCESS every field is set. On EXPIRED_TOKEN, USER_OPTED_OUT,
 * DOMAIN_OR_APP_NAME_CHECK_FAILED and INVALID_TOKEN_LIFETIME every field but
 * the uid is set (uid_len is 0). On other statuses only status and
 * identity_scope are meaningful; the rest is zero (identity_type -1). */
typedef struct uid2_decryption_result {
  uid2_status status;
  int32_t site_id;                   /* site that made the token */
  int32_t site_key_site_id;          /* site owning the site key (0 if the key
                                        response did not say) */
  int32_t identity_scope;            /* uid2_identity_scope of the keys */
  int32_t identity_type;             /* uid2_identity_type */
  int32_t advertising_token_version; /* 2, 3 or 4; 0 if not decoded */
  int32_t is_client_side_generated;  /* 1 or 0 */
  int32_t uid_len;                   /* bytes of uid, without the NUL */
  int64_t established_ms;            /* identity established */
  int64_t expiry_ms;                 /* token expiry */
  char uid[UID2_UID_INLINE_CAPACITY + 1]; /* raw UID, NUL-terminated */
} uid2_decryption_result;

/* Decrypts a token. domain_or_app_name (may be NULL or empty: no name) is
 * checked for client-side-generated tokens by a bidstream client and ignored
 * by a sharing client. Writes *out (unless out is NULL) and returns
 * out->status, on every path: a token status
 * (0-99) for every token, however malformed; BUFFER_TOO_SMALL (with every
 * field set and uid_len the length needed, uid empty) when the raw UID is
 * longer than UID2_UID_INLINE_CAPACITY — call uid2_decrypt_to_buffer then;
 * INVALID_HANDLE; INVALID_ARGUMENT (NULL out, a NULL token or
 * domain_or_app_name with a non-zero length, a length above INT32_MAX);
 * FORKED_PROCESS; UNSUPPORTED_HOST; INTERNAL_ERROR. Besides the status, a
 * call that fails as a whole leaves out zeroed (identity_type -1). A NULL
 * token with length 0 is an empty token. */
uid2_status uid2_decrypt(uid2_client client, const char *token,
                         size_t token_len, const char *domain_or_app_name,
                         size_t domain_len, int64_t now_ms,
                         uid2_decryption_result *out);

/* As uid2_decrypt, but the raw UID is written to uid_buf (NUL-terminated
 * when there is room) instead of out->uid, which is left empty; out->uid_len
 * is its length. BUFFER_TOO_SMALL if uid_cap < out->uid_len;
 * INVALID_ARGUMENT also for a NULL uid_buf with uid_cap > 0. */
uid2_status uid2_decrypt_to_buffer(uid2_client client, const char *token,
                                   size_t token_len,
                                   const char *domain_or_app_name,
                                   size_t domain_len, int64_t now_ms,
                                   uid2_decryption_result *out, char *uid_buf,
                                   size_t uid_cap);

/* Decrypts count tokens in one call. Token i is
 * tokens[offsets[i] .. offsets[i+1]) (offsets has count+1 non-decreasing
 * entries, the first usually 0). results[i] receives what uid2_decrypt
 * would write for token i (a raw UID too long for the inline buffer gives
 * that result BUFFER_TOO_SMALL). Large batches are shared among the
 * library's threads, one per core; the call returns when all are done.
 * Returns SUCCESS when every token was processed (whatever their statuses),
 * INVALID_HANDLE, INVALID_ARGUMENT (NULL pointers with count > 0, a NULL
 * domain_or_app_name with a non-zero length, bad offsets, count or a
 * length above INT32_MAX), FORKED_PROCESS, UNSUPPORTED_HOST or
 * INTERNAL_ERROR; results are complete only on SUCCESS (after a failure
 * some may have been written, others not). */
uid2_status uid2_decrypt_batch(uid2_client client, const char *tokens,
                               const int32_t *offsets, size_t count,
                               const char *domain_or_app_name,
                               size_t domain_len, int64_t now_ms,
                               uid2_decryption_result *results);

/* ------------------------------------------------------------------------ */
/* Encrypt (sharing clients)                                                 */

/* Encrypts a raw UID (base64 text, as returned by decrypt) into a v4 sharing
 * token with the active key of the default keyset, or of keyset_id when it
 * is not 0. Writes the token (Base64URL, no padding) to out, NUL-terminated
 * when there is room, and its length to *out_len. Returns SUCCESS or a
 * token status (NOT_INITIALIZED, KEYS_NOT_SYNCED,
 * NOT_AUTHORIZED_FOR_MASTER_KEY, NOT_AUTHORIZED_FOR_KEY,
 * ENCRYPTION_FAILURE); BUFFER_TOO_SMALL with *out_len the size needed;
 * WRONG_CLIENT_TYPE; INVALID_HANDLE; INVALID_ARGUMENT (NULL out_len, NULL
 * raw_uid with a non-zero length, NULL out with out_cap > 0, raw_uid_len
 * above INT32_MAX); FORKED_PROCESS; UNSUPPORTED_HOST; INTERNAL_ERROR. */
uid2_status uid2_encrypt(uid2_client client, const char *raw_uid,
                         size_t raw_uid_len, int64_t now_ms, int64_t keyset_id,
                         char *out, size_t out_cap, size_t *out_len);

/* Encrypts count raw UIDs in one call. Raw UID i is
 * raw_uids[offsets[i] .. offsets[i+1]). Token i is written to
 * out[out_offsets[i] .. out_offsets[i+1]) (out_offsets has count+1 entries;
 * a failed item has an empty range) with its status in statuses[i]. If
 * out_cap may be too small for the tokens, nothing is encrypted and
 * BUFFER_TOO_SMALL is returned with *out_needed a capacity that suffices;
 * *out_needed is also set on SUCCESS. Returns SUCCESS when every raw UID was
 * processed (whatever their statuses), BUFFER_TOO_SMALL, WRONG_CLIENT_TYPE,
 * INVALID_HANDLE, INVALID_ARGUMENT (also when the tokens would need more
 * than INT32_MAX bytes: split the batch), FORKED_PROCESS, UNSUPPORTED_HOST,
 * INTERNAL_ERROR. */
uid2_status uid2_encrypt_batch(uid2_client client, const char *raw_uids,
                               const int32_t *offsets, size_t count,
                               int64_t now_ms, int64_t keyset_id, char *out,
                               size_t out_cap, int32_t *out_offsets,
                               uid2_status *statuses, size_t *out_needed);

/* ------------------------------------------------------------------------ */
/* Legacy encrypted data (ABI 1.3)                                           */
/* The official SDKs' deprecated EncryptData/DecryptData: arbitrary bytes    */
/* sealed with a site's key. Any client may encrypt and decrypt data.        */

/* What to encrypt, and for whom: exactly one of site_id, advertising_token
 * and key_id is given. */
typedef struct uid2_encrypt_data_request {
  const uint8_t *data;           /* may be NULL when data_len is 0 */
  size_t data_len;
  int32_t site_id;               /* encrypt for this site (its active site
                                    key); 0 = not given */
  const char *advertising_token; /* or: for the site of this token
                                    (decrypted with the client's keys);
                                    NULL or 0 length = not given */
  size_t advertising_token_len;
  int64_t key_id;                /* or: with this loaded key; 0 = not
                                    given */
  const uint8_t *iv;             /* 12-byte IV for tests (byte-exact
                                    vectors); NULL = random. A reused IV
                                    with one key destroys GCM's security */
  size_t iv_len;                 /* 0 or 12 */
  int64_t now_ms;                /* 0 = the system clock */
} uid2_encrypt_data_request;

/* Encrypts data into the legacy encrypted-data blob (v3: AES-256-GCM, see
 * tests/vectors/README.md) and writes it as standard base64 text to out,
 * NUL-terminated when there is room, with its length in *out_len. The
 * blob records now_ms and the site id (site_id; the token's site; the
 * key's site, 0 if its key response gave none). The site's key is its
 * active key among keys that name their site (the legacy key array: a
 * /v2/key/sharing response names none, as in the official SDKs).
 * Returns SUCCESS; NOT_INITIALIZED; KEYS_NOT_SYNCED (site_id or token:
 * every key expired); NOT_AUTHORIZED_FOR_KEY (no active key for the site,
 * or key_id is not loaded); KEY_INACTIVE (key_id is not active at now);
 * TOKEN_DECRYPT_FAILURE (advertising_token does not decrypt, with any
 * status; a client-side-generated token's domain is not checked);
 * BUFFER_TOO_SMALL with *out_len the size needed; INVALID_ARGUMENT (NULL
 * request or out_len, none or several of site_id, advertising_token and
 * key_id given, iv_len not 0 or 12, NULL pointers with non-zero lengths,
 * lengths above INT32_MAX); INVALID_HANDLE. WRONG_CLIENT_TYPE is never
 * returned. Since ABI 1.3. */
uid2_status uid2_encrypt_data(uid2_client client,
                              const uid2_encrypt_data_request *request,
                              char *out, size_t out_cap, size_t *out_len);

/* Decrypts a legacy encrypted-data blob (base64 text; v2 CBC or v3 GCM)
 * into out (raw bytes, not NUL-terminated), *out_len its length,
 * *encrypted_at_ms the time it was encrypted (Unix ms) and *site_id the
 * site it was encrypted for (either pointer may be NULL). The key's
 * activity is not checked: a blob decrypts while its key is loaded.
 * Returns SUCCESS; NOT_INITIALIZED; KEYS_NOT_SYNCED; INVALID_PAYLOAD (not
 * base64, truncated, tampered); INVALID_PAYLOAD_TYPE (a v2 blob whose
 * first byte is not 128); VERSION_NOT_SUPPORTED (v2 version byte not 1,
 * v3 not 112); NOT_AUTHORIZED_FOR_KEY (its key is not loaded);
 * INVALID_IDENTITY_SCOPE (a v3 blob of the other scope); BUFFER_TOO_SMALL
 * with *out_len the size needed (the plaintext is never longer than
 * encrypted_len, so a buffer of encrypted_len bytes always suffices);
 * INVALID_ARGUMENT (NULL out_len, NULL encrypted or out with a non-zero
 * length, encrypted_len above INT32_MAX); INVALID_HANDLE. On any status
 * but SUCCESS and BUFFER_TOO_SMALL *out_len is 0 and *encrypted_at_ms and
 * *site_id are 0. Since ABI 1.3. */
uid2_status uid2_decrypt_data(uid2_client client, const char *encrypted,
                              size_t encrypted_len, uint8_t *out,
                              size_t out_cap, size_t *out_len,
                              int64_t *encrypted_at_ms, int32_t *site_id);

/* INSECURE — FOR TESTS ONLY. As uid2_encrypt, but the two 12-byte AES-GCM
 * nonces (master layer, then site layer) are taken from nonces[0..24)
 * instead of the system's random source, so that test vectors are
 * byte-exact. Reusing a GCM nonce with the same key destroys the
 * confidentiality and integrity of every token made with it: never call
 * this outside tests. */
uid2_status uid2_encrypt_with_nonces_insecure_for_tests(
    uid2_client client, const char *raw_uid, size_t raw_uid_len,
    int64_t now_ms, int64_t keyset_id, const uint8_t nonces[24], char *out,
    size_t out_cap, size_t *out_len);

#ifdef __cplusplus
}
#endif

#endif /* UID2_H */
