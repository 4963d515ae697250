package io.libuid2;

import java.time.Instant;

/**
 * The legacy client (as {@code com.uid2.client.IUID2Client}), from {@link UID2ClientFactory} or {@link
 * EUIDClientFactory}. Closeable here (the native client it holds is freed by {@link #close()}, or by the
 * reaper once unreachable); code written for the official interface needs no change.
 *
 * @deprecated as in the official SDK: use {@link SharingClient} or {@link BidstreamClient}.
 */
@Deprecated
public interface IUID2Client extends AutoCloseable {

    /** Fetches keys from {@code /v2/key/sharing}; call it regularly (e.g. hourly). */
    void refresh() throws UID2ClientException;

    DecryptionResponse decrypt(String token, Instant now) throws UID2ClientException;

    default DecryptionResponse decrypt(String token) throws UID2ClientException {
        return decrypt(token, Instant.now());
    }

    /** @deprecated as in the official SDK: use {@link #encrypt(String)}. */
    @Deprecated
    EncryptionDataResponse encryptData(EncryptionDataRequest request) throws UID2ClientException;

    EncryptionDataResponse encrypt(String rawUid) throws UID2ClientException;

    /** @deprecated as in the official SDK: use {@link #decrypt(String)}. */
    @Deprecated
    DecryptionDataResponse decryptData(String encryptedData) throws UID2ClientException;

    /** Frees the native client (a no-op for implementations that hold none, such as test doubles). */
    @Override
    default void close() {}
}
