package io.libuid2;

/** The outcome of an encrypt: the names of the official Java SDK, plus {@link #INTERNAL_ERROR}. */
public enum EncryptionStatus {
    SUCCESS(Native.SUCCESS),
    /** No active key in the default keyset. */
    NOT_AUTHORIZED_FOR_KEY(Native.NOT_AUTHORIZED_FOR_KEY),
    /** No active master key. */
    NOT_AUTHORIZED_FOR_MASTER_KEY(Native.NOT_AUTHORIZED_FOR_MASTER_KEY),
    /** No keys loaded yet: call {@code refresh()} or {@code refreshJson()} first. */
    NOT_INITIALIZED(Native.NOT_INITIALIZED),
    /** Every loaded key has expired: refresh. */
    KEYS_NOT_SYNCED(Native.KEYS_NOT_SYNCED),
    /** Legacy encrypted-data API only; never returned. */
    TOKEN_DECRYPT_FAILURE(Native.TOKEN_DECRYPT_FAILURE),
    /** Legacy encrypted-data API only; never returned. */
    KEY_INACTIVE(Native.KEY_INACTIVE),
    /** The raw UID could not be encrypted (e.g. it is null or not base64). */
    ENCRYPTION_FAILURE(Native.ENCRYPTION_FAILURE),
    /** A bug in the native library was caught (or it returned a status this binding does not know). */
    INTERNAL_ERROR(Native.INTERNAL_ERROR);

    private final int code;

    EncryptionStatus(int code) { this.code = code; }

    /** The status number of the C ABI ({@code uid2.h}). */
    public int getCode() { return code; }

    private static final EncryptionStatus[] BY_CODE = new EncryptionStatus[16];

    static {
        for (EncryptionStatus s : values()) if (s.code < BY_CODE.length) BY_CODE[s.code] = s;
    }

    static EncryptionStatus of(int code) {
        EncryptionStatus s = code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
        return s != null ? s : INTERNAL_ERROR;
    }
}
