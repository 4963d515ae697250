package io.libuid2;

/** The result of an encrypt (as {@code com.uid2.client.EncryptionDataResponse}). */
public class EncryptionDataResponse {
    private final EncryptionStatus status;
    private final String encryptedData;

    EncryptionDataResponse(EncryptionStatus status, String encryptedData) {
        this.status = status;
        this.encryptedData = encryptedData;
    }

    static EncryptionDataResponse makeError(EncryptionStatus status) {
        return new EncryptionDataResponse(status, null);
    }

    /** @return whether the encryption was successful. */
    public boolean isSuccess() { return status == EncryptionStatus.SUCCESS; }

    /** @return the encryption result status. */
    public EncryptionStatus getStatus() { return status; }

    /** @return the UID2 token (Base64URL, v4), or null unless {@link #isSuccess()}. */
    public String getEncryptedData() { return encryptedData; }

    @Override
    public String toString() {
        return "EncryptionDataResponse{status=" + status + ", encryptedData=" + encryptedData + "}";
    }
}
