package io.libuid2;

/**
 * The JNI entry points of the shim ({@code libuid2jni.so}) over {@code uid2.h}. Package-private: every
 * argument is already validated and marshalled to bytes by the callers; the shim only copies arrays and
 * calls the C ABI. Strings never cross the boundary (see HOSTS.md: bytes are ~2x cheaper than
 * JNI String marshalling).
 */
final class Native {
    private Native() {}

    /*
     * The calls on a client take the Java object that owns the handle as their first argument (the shim
     * ignores it). An object passed to a native method stays reachable until the method returns (JNI local
     * reference), so the client's reaper can never free a handle that a call is using: the Java 8 way of
     * Reference.reachabilityFence.
     */

    // Status numbers of capi/uid2.h (fixed forever).
    static final int SUCCESS = 0;
    static final int NOT_AUTHORIZED_FOR_KEY = 1;
    static final int NOT_AUTHORIZED_FOR_MASTER_KEY = 2;
    static final int NOT_INITIALIZED = 3;
    static final int INVALID_PAYLOAD = 4;
    static final int EXPIRED_TOKEN = 5;
    static final int KEYS_NOT_SYNCED = 6;
    static final int VERSION_NOT_SUPPORTED = 7;
    static final int INVALID_PAYLOAD_TYPE = 8;
    static final int INVALID_IDENTITY_SCOPE = 9;
    static final int INVALID_TOKEN_LIFETIME = 10;
    static final int DOMAIN_OR_APP_NAME_CHECK_FAILED = 11;
    static final int USER_OPTED_OUT = 12;
    static final int ENCRYPTION_FAILURE = 13;
    static final int TOKEN_DECRYPT_FAILURE = 14;
    static final int KEY_INACTIVE = 15;
    static final int BUFFER_TOO_SMALL = 100;
    static final int INVALID_HANDLE = 101;
    static final int INVALID_ARGUMENT = 102;
    static final int INTERNAL_ERROR = 103;
    static final int FORKED_PROCESS = 104;
    static final int REFRESH_FAILED = 105;
    static final int INVALID_KEYS = 106;
    static final int WRONG_CLIENT_TYPE = 107;
    static final int TIMED_OUT = 109;

    static final int CLIENT_SHARING = 1;
    static final int CLIENT_BIDSTREAM = 2;

    /** ABI major/minor this binding was written against. */
    static final int ABI_MAJOR = 1;
    static final int ABI_MINOR = 3;

    /** UID2_UID_INLINE_CAPACITY. */
    static final int UID_INLINE_CAPACITY = 256;

    /** Slots per result in the {@code long[] meta} arrays filled by decrypt and decryptBatch. */
    static final int META = 10;
    static final int M_STATUS = 0, M_SITE_ID = 1, M_SITE_KEY_SITE_ID = 2, M_SCOPE = 3, M_TYPE = 4,
            M_VERSION = 5, M_CSTG = 6, M_UID_LEN = 7, M_ESTABLISHED = 8, M_EXPIRY = 9;

    static {
        NativeLoader.load();
    }

    /** Forces the library to load (and the ABI to be checked) now. */
    static void ensureLoaded() {}

    static native int abiVersion();

    /** uid2_version() as ASCII bytes. */
    static native byte[] version();

    /** uid2_status_name() as ASCII bytes. */
    static native byte[] statusName(int status);

    /** uid2_last_error_message of this thread into buf (NUL-terminated, truncated); returns the full length. */
    static native int lastErrorMessage(byte[] buf);

    /** Strings are NUL-terminated UTF-8 or null. Writes the handle to out[0]. */
    static native int clientNew(int type, byte[] baseUrl, byte[] apiKey, byte[] secretKey, long[] out);

    static native int clientFree(long client);

    static native long clientCount();

    /** uid2_client_set_default_identity_scope (scope: 0 UID2, 1 EUID). */
    static native int setDefaultIdentityScope(Object owner, long client, int scope);

    static native int refresh(Object owner, long client, int timeoutMs);

    static native int refreshJson(Object owner, long client, byte[] json, int jsonLen);

    static native int autoRefreshStart(Object owner, long client, int intervalMs, int timeoutMs);

    static native int autoRefreshStop(Object owner, long client);

    /** uid2_wait_for_keys. */
    static native int waitForKeys(Object owner, long client, int timeoutMs);

    /**
     * uid2_refresh_event_wait: out receives seq, time_ms, success, automatic, key_count,
     * consecutive_failures, and in out[6] the full length of the message copied (truncated) into msgBuf.
     * Takes no owner: the caller is the client's log listener, which holds only the handle and ends when
     * the handle is freed.
     */
    static native int refreshEventWait(long client, long afterSeq, int timeoutMs, long[] out, byte[] msgBuf);

    /**
     * uid2_encrypt_data into out (out.length is the capacity): exactly one of siteId (non-zero), token
     * (tokenLen &gt; 0) and keyId (non-zero); iv null or 12 bytes. Returns (status &lt;&lt; 32) | length, as
     * {@link #encrypt}.
     */
    static native long encryptData(Object owner, long client, byte[] data, int dataLen, int siteId,
                                   byte[] token, int tokenLen, long keyId, byte[] iv, long nowMs, byte[] out);

    /**
     * uid2_decrypt_data into out (out.length is the capacity; encryptedLen bytes always suffice); meta
     * receives the plaintext length, encrypted_at_ms and site_id. Returns the status.
     */
    static native int decryptData(Object owner, long client, byte[] encrypted, int encryptedLen, byte[] out,
                                  long[] meta);

    /**
     * uid2_refresh_state_get: out receives last_success_ms, last_failure_ms, consecutive_failures,
     * auto_refresh_running, has_keys, key_count, and in out[6] the full length of the error message
     * copied (truncated, NUL-terminated) into errorBuf.
     */
    static native int refreshState(Object owner, long client, long[] out, byte[] errorBuf);

    /**
     * uid2_decrypt: token is token[0..tokenLen) (token may be null when tokenLen is 0), domain likewise.
     * Fills meta[0..META) and, when the raw UID fits, uid[0..uidLen). Returns the status.
     */
    static native int decrypt(Object owner, long client, byte[] token, int tokenLen, byte[] domain, int domainLen,
                              long nowMs, long[] meta, byte[] uid);

    /** uid2_decrypt_to_buffer with uid as the buffer (uid.length is the capacity). */
    static native int decryptToBuffer(Object owner, long client, byte[] token, int tokenLen, byte[] domain,
                                      int domainLen, long nowMs, long[] meta, byte[] uid);

    /**
     * uid2_decrypt_batch: tokens[offsets[i]..offsets[i+1]) for i &lt; count. Fills meta[i*META ..] and
     * writes the call's status to meta[count*META]. Returns the raw UIDs joined (result i's uid follows
     * result i-1's, lengths in its M_UID_LEN slot; only SUCCESS results contribute), or null when the
     * call itself failed.
     */
    static native byte[] decryptBatch(Object owner, long client, byte[] tokens, int[] offsets, int count, byte[] domain,
                                      int domainLen, long nowMs, long[] meta);

    /**
     * uid2_encrypt into out (out.length is the capacity). Returns (status &lt;&lt; 32) | length, where
     * length is the token length written, or on BUFFER_TOO_SMALL the size needed.
     */
    static native long encrypt(Object owner, long client, byte[] rawUid, int rawUidLen, long nowMs, long keysetId,
                               byte[] out);

    /** INSECURE, FOR TESTS ONLY: as encrypt, with the 24 bytes of nonces. */
    static native long encryptWithNoncesInsecureForTests(Object owner, long client, byte[] rawUid, int rawUidLen,
                                                         long nowMs, long keysetId, byte[] nonces,
                                                         byte[] out);

    /**
     * uid2_encrypt_batch; the shim grows its output buffer itself (starting at outCapHint) when the
     * library says it is too small. Fills statuses[0..count) and outOffsets[0..count]; callStatus[0]
     * receives the call's status. Returns the tokens joined, or null when the call itself failed.
     */
    static native byte[] encryptBatch(Object owner, long client, byte[] rawUids, int[] offsets, int count, long nowMs,
                                      long keysetId, int outCapHint, int[] outOffsets, int[] statuses,
                                      int[] callStatus);
}
