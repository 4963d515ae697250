package io.libuid2;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * What {@link SharingClient} and {@link BidstreamClient} share: the native handle, its release (by
 * {@link #close()} or, for a forgotten close, by the {@link HandleReaper}), and the marshalling of each call.
 *
 * <p>Text goes to the library as UTF-8 bytes with its length (so any input, however malformed, gets a
 * status); tokens and raw UIDs come back as ASCII and become Strings through ISO-8859-1, which the JDK
 * copies without decoding. Each call crosses JNI once; each batch call crosses it once per batch.
 */
abstract class NativeClient implements AutoCloseable {
    private static final byte[] EMPTY = new byte[0];

    /** Per-thread output buffers, so that a decrypt or encrypt allocates only its result. */
    private static final class Scratch {
        final long[] meta = new long[Native.META];
        final byte[] uid = new byte[Native.UID_INLINE_CAPACITY];
        byte[] token = new byte[512];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    final long handle;
    private final HandleReaper.Handle reaperHandle;
    /** The thread that reports automatic refreshes to the log; started with the first auto-refresh. */
    private final RefreshLog.Listener refreshLog;

    NativeClient(int type, String baseUrl, String clientApiKey, String base64SecretKey) {
        byte[] url = cstr(baseUrl, "baseUrl");
        byte[] key = cstr(clientApiKey, "clientApiKey");
        byte[] secret = cstr(base64SecretKey, "base64SecretKey");
        long[] out = new long[1];
        int st = Native.clientNew(type, url, key, secret, out);
        if (secret != null) Arrays.fill(secret, (byte) 0);
        if (st != Native.SUCCESS) throw failure(st, "creating the client");
        handle = out[0];
        reaperHandle = HandleReaper.register(this, handle);
        refreshLog = new RefreshLog.Listener(handle);
    }

    /**
     * Frees the native client and stops its automatic refresh. Idempotent; calls made after it throw
     * {@link IllegalStateException}. Calls running in other threads at that moment either complete or
     * throw {@link IllegalStateException}.
     */
    @Override
    public void close() { reaperHandle.free(); }

    /** The identity scope assumed for key responses that name none (the legacy clients). */
    final void setDefaultIdentityScope(IdentityScope scope) {
        int st = Native.setDefaultIdentityScope(this, handle, scope.value);
        if (st != Native.SUCCESS) throw failure(st, "setting the identity scope");
    }

    // ---- keys ---------------------------------------------------------------------------------------

    /**
     * Fetches keys over HTTP ({@code /v2/key/sharing} for a {@link SharingClient}, {@code /v2/key/bidstream}
     * for a {@link BidstreamClient}), waiting at most 30 s. A failure keeps the previous keys.
     *
     * @throws IllegalStateException if the client was created without baseUrl, clientApiKey and secret
     */
    public RefreshResponse refresh() { return refresh(null); }

    /** As {@link #refresh()}, waiting at most {@code timeout} (null: 30 s). */
    public RefreshResponse refresh(Duration timeout) {
        int ms = millis(timeout, "timeout");
        int st = Native.refresh(this, handle, ms);
        if (st == Native.SUCCESS) return RefreshResponse.makeSuccess();
        if (st == Native.REFRESH_FAILED) return RefreshResponse.makeError(lastError());
        if (st == Native.INVALID_ARGUMENT) {
            throw new IllegalStateException("libuid2: refresh() needs a client created with baseUrl, "
                    + "clientApiKey and base64SecretKey: " + lastError());
        }
        throw failure(st, "refresh");
    }

    /**
     * Loads keys from a JSON key response ({@code {"body": ...}}) or its body, without HTTP. A failure keeps
     * the previous keys.
     *
     * @throws IllegalArgumentException if json is null
     */
    public RefreshResponse refreshJson(String json) {
        if (json == null) throw new IllegalArgumentException("json is null");
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        int st = Native.refreshJson(this, handle, b, b.length);
        if (st == Native.SUCCESS) return RefreshResponse.makeSuccess();
        if (st == Native.INVALID_KEYS) return RefreshResponse.makeError(lastError());
        throw failure(st, "refreshJson");
    }

    /**
     * Refreshes over HTTP in the background: at once, then every {@code interval} (null: one hour) with
     * ±10% jitter; after a failure it retries sooner, backing off from 10 s up to the interval. Starting it
     * again restarts it with the new settings; {@link #close()} stops it.
     */
    public void startAutoRefresh(Duration interval) { startAutoRefresh(interval, null); }

    /** As {@link #startAutoRefresh(Duration)}, each attempt timing out after {@code timeout} (null: 30 s). */
    public void startAutoRefresh(Duration interval, Duration timeout) {
        int iv = millis(interval, "interval");
        int to = millis(timeout, "timeout");
        int st = Native.autoRefreshStart(this, handle, iv, to);
        if (st == Native.INVALID_ARGUMENT) {
            throw new IllegalStateException("libuid2: automatic refresh needs a client created with baseUrl, "
                    + "clientApiKey and base64SecretKey: " + lastError());
        }
        if (st != Native.SUCCESS) throw failure(st, "startAutoRefresh");
        refreshLog.start();
    }

    /**
     * Waits until the client has keys (from any refresh: automatic, {@link #refresh()} or {@link
     * #refreshJson(String)}), at most {@code timeout}: after {@link #startAutoRefresh(Duration)}, so that
     * the first decrypts do not get {@code NOT_INITIALIZED}. Returns at once if the client has keys.
     *
     * @return success, or a failure whose reason says why there are no keys yet (with the last refresh
     *     failure's reason, e.g. "HTTP 401: unknown API key")
     * @throws IllegalArgumentException if timeout is null, negative or longer than {@code Integer.MAX_VALUE} ms
     */
    public RefreshResponse waitForKeys(Duration timeout) {
        if (timeout == null) throw new IllegalArgumentException("timeout is null");
        int ms = timeout.isZero() ? 0 : millis(timeout, "timeout");
        int st = Native.waitForKeys(this, handle, ms);
        if (st == Native.SUCCESS) return RefreshResponse.makeSuccess();
        if (st == Native.TIMED_OUT) return RefreshResponse.makeError(lastError());
        throw failure(st, "waitForKeys");
    }

    /** Stops the background refresh, waiting for an attempt in progress to end. */
    public void stopAutoRefresh() {
        int st = Native.autoRefreshStop(this, handle);
        if (st != Native.SUCCESS) throw failure(st, "stopAutoRefresh");
    }

    /** What the client knows about its keys and its refreshes. */
    public RefreshState getRefreshState() {
        long[] v = new long[7];
        byte[] err = new byte[4096];
        int st = Native.refreshState(this, handle, v, err);
        if (st != Native.SUCCESS) throw failure(st, "getRefreshState");
        return new RefreshState(v, new String(err, 0, (int) v[6], StandardCharsets.UTF_8));
    }

    // ---- decrypt ------------------------------------------------------------------------------------

    final DecryptionResponse decryptImpl(String token, String domainOrAppName, long nowMs) {
        byte[] t = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
        byte[] d = domainOrAppName == null ? null : domainOrAppName.getBytes(StandardCharsets.UTF_8);
        int tl = t == null ? 0 : t.length, dl = d == null ? 0 : d.length;
        Scratch s = SCRATCH.get();
        long[] meta = s.meta;
        int st = Native.decrypt(this, handle, t, tl, d, dl, nowMs, meta, s.uid);
        if (st == Native.SUCCESS) {
            return DecryptionResponse.fromMeta(meta, 0,
                    new String(s.uid, 0, (int) meta[Native.M_UID_LEN], StandardCharsets.ISO_8859_1));
        }
        if (st < 100) return DecryptionResponse.fromMeta(meta, 0, null);
        if (st == Native.BUFFER_TOO_SMALL) return decryptLongUid(t, tl, d, dl, nowMs, meta);
        return decryptFailure(st);
    }

    /** A raw UID longer than the inline buffer: uid2_decrypt_to_buffer with a buffer of the size needed. */
    private DecryptionResponse decryptLongUid(byte[] t, int tl, byte[] d, int dl, long nowMs, long[] meta) {
        int st = Native.BUFFER_TOO_SMALL;
        byte[] uid = null;
        // The size needed changes only if the keys change between two calls: a few rounds suffice.
        for (int round = 0; round < 4 && st == Native.BUFFER_TOO_SMALL; round++) {
            uid = new byte[(int) Math.min(Integer.MAX_VALUE - 8, Math.max(meta[Native.M_UID_LEN], 1) * (round + 1))];
            st = Native.decryptToBuffer(this, handle, t, tl, d, dl, nowMs, meta, uid);
        }
        if (st == Native.SUCCESS) {
            return DecryptionResponse.fromMeta(meta, 0,
                    new String(uid, 0, (int) meta[Native.M_UID_LEN], StandardCharsets.ISO_8859_1));
        }
        if (st < 100) return DecryptionResponse.fromMeta(meta, 0, null);
        return decryptFailure(st);
    }

    private static DecryptionResponse decryptFailure(int st) {
        if (st == Native.INTERNAL_ERROR || st == Native.BUFFER_TOO_SMALL) {
            return DecryptionResponse.makeError(DecryptionStatus.INTERNAL_ERROR);
        }
        throw failure(st, "decrypt");
    }

    final List<DecryptionResponse> decryptBatchImpl(List<String> tokens, String domainOrAppName, long nowMs) {
        if (tokens == null) throw new IllegalArgumentException("tokens is null");
        Joined in = Joined.of(tokens, "tokens");
        int n = in.count;
        if (n > (Integer.MAX_VALUE - 1) / Native.META) throw new IllegalArgumentException("too many tokens in one batch");
        byte[] d = domainOrAppName == null ? null : domainOrAppName.getBytes(StandardCharsets.UTF_8);
        int dl = d == null ? 0 : d.length;
        long[] meta = new long[n * Native.META + 1];
        byte[] uids = Native.decryptBatch(this, handle, in.bytes, in.offsets, n, d, dl, nowMs, meta);
        if (uids == null) throw failure((int) meta[n * Native.META], "decrypt batch");
        DecryptionResponse[] out = new DecryptionResponse[n];
        int pos = 0;
        for (int i = 0; i < n; i++) {
            int off = i * Native.META;
            int st = (int) meta[off + Native.M_STATUS];
            if (st == Native.SUCCESS) {
                int len = (int) meta[off + Native.M_UID_LEN];
                out[i] = DecryptionResponse.fromMeta(meta, off, new String(uids, pos, len, StandardCharsets.ISO_8859_1));
                pos += len;
            } else if (st < 100) {
                out[i] = DecryptionResponse.fromMeta(meta, off, null);
            } else if (st == Native.BUFFER_TOO_SMALL) {
                out[i] = decryptImpl(tokens.get(i), domainOrAppName, nowMs);
            } else {
                out[i] = DecryptionResponse.makeError(DecryptionStatus.INTERNAL_ERROR);
            }
        }
        return Arrays.asList(out);
    }

    // ---- encrypt ------------------------------------------------------------------------------------

    final EncryptionDataResponse encryptImpl(String rawUid, long nowMs, long keysetId) {
        return encryptImpl(rawUid, nowMs, keysetId, null);
    }

    /** nonces non-null only through {@link InsecureForTests}. */
    final EncryptionDataResponse encryptImpl(String rawUid, long nowMs, long keysetId, byte[] nonces) {
        byte[] r = rawUid == null ? null : rawUid.getBytes(StandardCharsets.UTF_8);
        int rl = r == null ? 0 : r.length;
        Scratch s = SCRATCH.get();
        byte[] out = s.token;
        int st = Native.BUFFER_TOO_SMALL, len = 0;
        for (int round = 0; round < 4 && st == Native.BUFFER_TOO_SMALL; round++) {
            if (round > 0) {
                out = new byte[Math.max(len, out.length * 2)];
                if (out.length <= 65536) s.token = out;
            }
            long packed = nonces == null
                    ? Native.encrypt(this, handle, r, rl, nowMs, keysetId, out)
                    : Native.encryptWithNoncesInsecureForTests(this, handle, r, rl, nowMs, keysetId, nonces, out);
            st = (int) (packed >> 32);
            len = (int) packed;
        }
        if (st == Native.SUCCESS) {
            return new EncryptionDataResponse(EncryptionStatus.SUCCESS,
                    new String(out, 0, len, StandardCharsets.ISO_8859_1));
        }
        if (st < 100) return EncryptionDataResponse.makeError(EncryptionStatus.of(st));
        return encryptFailure(st);
    }

    private static EncryptionDataResponse encryptFailure(int st) {
        if (st == Native.INTERNAL_ERROR || st == Native.BUFFER_TOO_SMALL) {
            return EncryptionDataResponse.makeError(EncryptionStatus.INTERNAL_ERROR);
        }
        throw failure(st, "encrypt");
    }

    final List<EncryptionDataResponse> encryptBatchImpl(List<String> rawUids, long nowMs, long keysetId) {
        if (rawUids == null) throw new IllegalArgumentException("rawUids is null");
        Joined in = Joined.of(rawUids, "rawUids");
        int n = in.count;
        int[] outOffsets = new int[n + 1];
        int[] statuses = new int[n];
        int[] callStatus = new int[1];
        // A v4 token of a 44-character raw UID has about 200 characters; the shim grows the buffer if needed.
        long hint = (long) n * 224 + (long) in.offsets[n] * 2;
        byte[] tokens = Native.encryptBatch(this, handle, in.bytes, in.offsets, n, nowMs, keysetId,
                (int) Math.min(hint, Integer.MAX_VALUE - 8), outOffsets, statuses, callStatus);
        if (tokens == null) throw failure(callStatus[0], "encrypt batch");
        EncryptionDataResponse[] out = new EncryptionDataResponse[n];
        for (int i = 0; i < n; i++) {
            int st = statuses[i];
            if (st == Native.SUCCESS) {
                out[i] = new EncryptionDataResponse(EncryptionStatus.SUCCESS, new String(tokens, outOffsets[i],
                        outOffsets[i + 1] - outOffsets[i], StandardCharsets.ISO_8859_1));
            } else {
                out[i] = EncryptionDataResponse.makeError(st < 100 ? EncryptionStatus.of(st) : EncryptionStatus.INTERNAL_ERROR);
            }
        }
        return Arrays.asList(out);
    }

    // ---- legacy encrypted data ----------------------------------------------------------------------

    /** The legacy encrypted-data blob (base64) of request's data, for its site id or advertising token. */
    final EncryptionDataResponse encryptDataImpl(EncryptionDataRequest request) {
        if (request == null) throw new IllegalArgumentException("request is null");
        byte[] data = request.getData();
        if (data == null) throw new IllegalArgumentException("data to encrypt must not be null");
        Integer siteId = request.getSiteId();
        String token = request.getAdvertisingToken();
        if (siteId != null && token != null) {
            throw new IllegalArgumentException("only one of siteId or advertisingToken can be specified");
        }
        if (siteId == null && token == null) {
            throw new IllegalArgumentException("one of siteId or advertisingToken must be specified");
        }
        if (siteId != null && siteId == 0) throw new IllegalArgumentException("siteId 0 is not a site");
        byte[] iv = request.getInitializationVector();
        if (iv != null && iv.length != 12) throw new IllegalArgumentException("the initialization vector must be 12 bytes");
        return encryptData(data, siteId == null ? 0 : siteId, token, 0L, iv, epochMillis(request.getNow()));
    }

    /**
     * uid2_encrypt_data: exactly one of siteId (non-zero), token (non-empty) and keyId (non-zero). The key
     * id is reachable only from tests (the vectors): the official request takes a Key, which users cannot
     * make.
     */
    final EncryptionDataResponse encryptData(byte[] data, int siteId, String token, long keyId, byte[] iv, long nowMs) {
        byte[] t = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
        int tl = t == null ? 0 : t.length;
        // base64 of version, key id, IV, timestamp, site id, data and GCM tag.
        byte[] out = new byte[(data.length + 64) / 3 * 4 + 8];
        int st = Native.BUFFER_TOO_SMALL, len = 0;
        for (int round = 0; round < 4 && st == Native.BUFFER_TOO_SMALL; round++) {
            if (round > 0) out = new byte[Math.max(len, out.length * 2)];
            long packed = Native.encryptData(this, handle, data, data.length, siteId, t, tl, keyId,
                    iv == null ? null : iv.clone(), nowMs, out);
            st = (int) (packed >> 32);
            len = (int) packed;
        }
        if (st == Native.SUCCESS) {
            return new EncryptionDataResponse(EncryptionStatus.SUCCESS, new String(out, 0, len, StandardCharsets.ISO_8859_1));
        }
        if (st < 100) return EncryptionDataResponse.makeError(EncryptionStatus.of(st));
        return encryptFailure(st);
    }

    /** Decrypts a legacy encrypted-data blob (base64 text); null or malformed input gets a status. */
    final DecryptionDataResponse decryptDataImpl(String encryptedData) {
        byte[] e = encryptedData == null ? null : encryptedData.getBytes(StandardCharsets.UTF_8);
        int el = e == null ? 0 : e.length;
        byte[] out = new byte[el]; // the plaintext is never longer than the blob
        long[] meta = new long[3];
        int st = Native.decryptData(this, handle, e, el, out, meta);
        if (st == Native.SUCCESS) {
            return new DecryptionDataResponse(DecryptionStatus.SUCCESS, Arrays.copyOf(out, (int) meta[0]),
                    Instant.ofEpochMilli(meta[1]));
        }
        if (st < 100) return DecryptionDataResponse.makeError(DecryptionStatus.of(st));
        if (st == Native.INTERNAL_ERROR || st == Native.BUFFER_TOO_SMALL) {
            return DecryptionDataResponse.makeError(DecryptionStatus.INTERNAL_ERROR);
        }
        throw failure(st, "decryptData");
    }

    // ---- helpers ------------------------------------------------------------------------------------

    /** A list of strings as one UTF-8 byte array plus count+1 offsets (null elements are empty). */
    static final class Joined {
        final byte[] bytes;
        final int[] offsets;
        final int count;

        private Joined(byte[] bytes, int[] offsets, int count) {
            this.bytes = bytes;
            this.offsets = offsets;
            this.count = count;
        }

        static Joined of(List<String> items, String what) {
            int n = items.size();
            byte[][] parts = new byte[n][];
            int[] offsets = new int[n + 1];
            long total = 0;
            int i = 0;
            for (String s : items) {
                if (i == n) break; // the list grew while we read it
                byte[] b = s == null ? EMPTY : s.getBytes(StandardCharsets.UTF_8);
                parts[i++] = b;
                total += b.length;
                if (total > Integer.MAX_VALUE - 8) throw new IllegalArgumentException(what + ": batch too large");
            }
            if (i != n) throw new IllegalArgumentException(what + ": the list changed while it was read");
            byte[] joined = new byte[(int) total];
            int pos = 0;
            for (i = 0; i < n; i++) {
                offsets[i] = pos;
                System.arraycopy(parts[i], 0, joined, pos, parts[i].length);
                pos += parts[i].length;
            }
            offsets[n] = pos;
            return new Joined(joined, offsets, n);
        }
    }

    /** Unix epoch ms of now; rejects null (use the overloads without now for the system clock). */
    static long epochMillis(Instant now) {
        if (now == null) throw new IllegalArgumentException("now is null");
        try {
            return now.toEpochMilli();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("now is out of range: " + now, e);
        }
    }

    /** A positive duration as int milliseconds; null means the library's default (0). */
    private static int millis(Duration d, String what) {
        if (d == null) return 0;
        if (d.isNegative() || d.isZero()) throw new IllegalArgumentException(what + " must be positive: " + d);
        long ms;
        try {
            ms = d.toMillis();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(what + " is too long: " + d, e);
        }
        if (ms > Integer.MAX_VALUE) throw new IllegalArgumentException(what + " is too long: " + d);
        return (int) Math.max(ms, 1);
    }

    /** NUL-terminated UTF-8, or null. */
    private static byte[] cstr(String s, String what) {
        if (s == null) return null;
        if (s.indexOf('\0') >= 0) throw new IllegalArgumentException(what + " contains a NUL character");
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return Arrays.copyOf(b, b.length + 1);
    }

    /** The message of the last failed call on this thread. */
    static String lastError() {
        byte[] b = new byte[512];
        int n = Native.lastErrorMessage(b);
        if (n >= b.length) {
            b = new byte[n + 1];
            n = Math.min(Native.lastErrorMessage(b), b.length - 1);
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    static String statusName(int st) {
        return new String(Native.statusName(st), StandardCharsets.US_ASCII);
    }

    /** The exception for an ABI status that is not a result: a programmer error or an unusable library. */
    static RuntimeException failure(int st, String what) {
        switch (st) {
            case Native.INVALID_HANDLE:
                return new IllegalStateException("libuid2: " + what + ": the client is closed");
            case Native.INVALID_ARGUMENT: {
                String msg = lastError();
                return new IllegalArgumentException("libuid2: " + what + ": invalid argument"
                        + (msg.isEmpty() ? "" : ": " + msg));
            }
            case Native.FORKED_PROCESS:
                return new IllegalStateException("libuid2: " + what + ": called in a child process forked after "
                        + "the library was loaded; load it in the child instead");
            default: {
                String msg = lastError();
                return new IllegalStateException("libuid2: " + what + " failed: " + statusName(st)
                        + (msg.isEmpty() ? "" : ": " + msg));
            }
        }
    }
}
