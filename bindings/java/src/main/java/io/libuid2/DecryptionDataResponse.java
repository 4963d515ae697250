package io.libuid2;

import java.time.Instant;

/**
 * The result of {@link IUID2Client#decryptData} (as {@code com.uid2.client.DecryptionDataResponse}).
 *
 * <p>Not deprecated, as in the official SDK; the {@link IUID2Client} method that uses it is.
 */
public class DecryptionDataResponse {
    private final DecryptionStatus status;
    private final byte[] decryptedData;
    private final Instant encryptedAt;

    public DecryptionDataResponse(DecryptionStatus status, byte[] decryptedData, Instant encryptedAt) {
        this.status = status;
        this.decryptedData = decryptedData;
        this.encryptedAt = encryptedAt;
    }

    /** A failure: no data, and {@link Instant#MIN} as the time. */
    public static DecryptionDataResponse makeError(DecryptionStatus status) {
        return new DecryptionDataResponse(status, null, Instant.MIN);
    }

    public boolean isSuccess() { return status == DecryptionStatus.SUCCESS; }

    public DecryptionStatus getStatus() { return status; }

    public byte[] getDecryptedData() { return decryptedData; }

    public Instant getEncryptedAt() { return encryptedAt; }
}
