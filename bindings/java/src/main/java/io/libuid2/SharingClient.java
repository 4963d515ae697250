package io.libuid2;

import java.time.Instant;
import java.util.List;

/**
 * Encrypts raw UID2s into sharing tokens and decrypts sharing tokens, with the keys of {@code
 * /v2/key/sharing}. The public names are those of the official Java SDK ({@code
 * com.uid2.client.SharingClient}); the work is done by the native libuid2.
 *
 * <pre>{@code
 * try (SharingClient client = new SharingClient(baseUrl, clientApiKey, base64SecretKey)) {
 *     client.refresh();                       // or client.startAutoRefresh(Duration.ofHours(1))
 *     EncryptionDataResponse e = client.encryptRawUidIntoToken(rawUid);
 *     DecryptionResponse d = client.decryptTokenIntoRawUid(token);
 * }
 * }</pre>
 *
 * <p>Thread-safe: any number of threads may decrypt and encrypt at once, and never wait for a refresh.
 * Results are reported by status, never by exception; exceptions mean a programmer error (e.g. a null
 * {@code now}, a closed client) or an unusable native library.
 */
public class SharingClient extends NativeClient {

    /**
     * @param baseUrl         the UID2 service, e.g. {@code https://prod.uidapi.com}
     * @param clientApiKey    the API key (null for a client that only uses {@code refreshJson})
     * @param base64SecretKey the client secret, base64 of 32 bytes (null likewise)
     * @throws IllegalArgumentException if the secret is not base64 of 32 bytes
     */
    public SharingClient(String baseUrl, String clientApiKey, String base64SecretKey) {
        super(Native.CLIENT_SHARING, baseUrl, clientApiKey, base64SecretKey);
    }

    /** Decrypts a sharing token (a null or empty token gives INVALID_PAYLOAD). */
    public DecryptionResponse decryptTokenIntoRawUid(String token) {
        return decryptImpl(token, null, 0L);
    }

    /** Decrypts a sharing token as at {@code now}. */
    public DecryptionResponse decryptTokenIntoRawUid(String token, Instant now) {
        return decryptImpl(token, null, epochMillis(now));
    }

    /** Decrypts many tokens with one native call; result i is for token i. */
    public List<DecryptionResponse> decryptTokensIntoRawUids(List<String> tokens) {
        return decryptBatchImpl(tokens, null, 0L);
    }

    public List<DecryptionResponse> decryptTokensIntoRawUids(List<String> tokens, Instant now) {
        return decryptBatchImpl(tokens, null, epochMillis(now));
    }

    /** Encrypts a raw UID2 (base64 text, as returned by decrypt) into a v4 sharing token. */
    public EncryptionDataResponse encryptRawUidIntoToken(String rawUid) {
        return encryptImpl(rawUid, 0L, 0L);
    }

    public EncryptionDataResponse encryptRawUidIntoToken(String rawUid, Instant now) {
        return encryptImpl(rawUid, epochMillis(now), 0L);
    }

    /** Encrypts with the active key of {@code keysetId} instead of the default keyset. */
    public EncryptionDataResponse encryptRawUidIntoToken(String rawUid, Instant now, long keysetId) {
        return encryptImpl(rawUid, epochMillis(now), keysetId);
    }

    /** Encrypts many raw UIDs with one native call; result i is for raw UID i. */
    public List<EncryptionDataResponse> encryptRawUidsIntoTokens(List<String> rawUids) {
        return encryptBatchImpl(rawUids, 0L, 0L);
    }

    public List<EncryptionDataResponse> encryptRawUidsIntoTokens(List<String> rawUids, Instant now) {
        return encryptBatchImpl(rawUids, epochMillis(now), 0L);
    }
}
