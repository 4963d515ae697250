package io.libuid2;

import java.time.Instant;

/**
 * The legacy client (as {@code com.uid2.client.UID2Client}): a sharing client over {@code /v2/key/sharing}
 * whose keys default to the identity scope given (the scope of a key response that names one wins).
 * Usually made by {@link UID2ClientFactory} or {@link EUIDClientFactory}.
 *
 * @deprecated as in the official SDK: use {@link SharingClient} or {@link BidstreamClient}.
 */
@Deprecated
@SuppressWarnings("deprecation")
public class UID2Client implements IUID2Client {
    /** Package-private for the tests (the key-id cases of the encrypted-data vectors). */
    final SharingClient client;

    /**
     * @throws IllegalArgumentException if the secret is not base64 of 32 bytes, or identityScope is null
     */
    public UID2Client(String endpoint, String authKey, String secretKey, IdentityScope identityScope) {
        if (identityScope == null) throw new IllegalArgumentException("identityScope is null");
        client = new SharingClient(endpoint, authKey, secretKey);
        client.setDefaultIdentityScope(identityScope);
    }

    /** @throws UID2ClientException with the reason, when the refresh fails (the previous keys are kept) */
    @Override
    public void refresh() throws UID2ClientException {
        RefreshResponse r = client.refresh();
        if (!r.isSuccess()) throw new UID2ClientException(r.getReason());
    }

    /**
     * Loads keys from a JSON key response.
     *
     * @throws IllegalArgumentException if the JSON is null or not a key response (the previous keys are kept)
     */
    public void refreshJson(String json) {
        RefreshResponse r = client.refreshJson(json);
        if (!r.isSuccess()) throw new IllegalArgumentException("libuid2: " + r.getReason());
    }

    @Override
    public DecryptionResponse decrypt(String token, Instant now) {
        return client.decryptTokenIntoRawUid(token, now);
    }

    @Override
    public EncryptionDataResponse encryptData(EncryptionDataRequest request) {
        return client.encryptDataImpl(request);
    }

    @Override
    public EncryptionDataResponse encrypt(String rawUid) {
        return client.encryptRawUidIntoToken(rawUid);
    }

    @Override
    public DecryptionDataResponse decryptData(String encryptedData) {
        return client.decryptDataImpl(encryptedData);
    }

    /** Frees the native client. */
    @Override
    public void close() { client.close(); }
}
