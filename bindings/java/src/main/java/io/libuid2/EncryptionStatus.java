package io.libuid2;

/**
 * The outcome of an encrypt: the constants of the official Java SDK in its order (so ordinals and
 * {@code values()} match), plus {@link #INTERNAL_ERROR} at the end.
 */
public enum EncryptionStatus {
    SUCCESS(Native.SUCCESS),
    /** No active master key. */
    NOT_AUTHORIZED_FOR_MASTER_KEY(Native.NOT_AUTHORIZED_FOR_MASTER_KEY),
    /** No active key in the default keyset (or, for encryptData, for the site). */
    NOT_AUTHORIZED_FOR_KEY(Native.NOT_AUTHORIZED_FOR_KEY),
    /** No keys loaded yet: call {@code refresh()} or {@code refreshJson()} first. */
    NOT_INITIALIZED(Native.NOT_INITIALIZED),
    /** Every loaded key has expired: refresh. */
    KEYS_NOT_SYNCED(Native.KEYS_NOT_SYNCED),
    /** Legacy {@code encryptData} only: the advertising token given does not decrypt. */
    TOKEN_DECRYPT_FAILURE(Native.TOKEN_DECRYPT_FAILURE),
    /** Legacy {@code encryptData} only: the key is not active. */
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
