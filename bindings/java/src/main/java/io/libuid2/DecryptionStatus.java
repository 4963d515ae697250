package io.libuid2;

/**
 * The outcome of a decrypt. The constants of the official Java SDK ({@code com.uid2.client.DecryptionStatus})
 * in its order (so ordinals and {@code values()} match), then {@link #USER_OPTED_OUT} (a status of the
 * official .NET SDK) and {@link #INTERNAL_ERROR}.
 */
public enum DecryptionStatus {
    SUCCESS(Native.SUCCESS),
    /** The token's master key is unknown (e.g. deleted after 30 days, or a removed participant). */
    NOT_AUTHORIZED_FOR_MASTER_KEY(Native.NOT_AUTHORIZED_FOR_MASTER_KEY),
    /** The token's site key is unknown: its sender has not granted sharing access to this receiver. */
    NOT_AUTHORIZED_FOR_KEY(Native.NOT_AUTHORIZED_FOR_KEY),
    /** No keys loaded yet: call {@code refresh()} or {@code refreshJson()} first. */
    NOT_INITIALIZED(Native.NOT_INITIALIZED),
    /** The token is malformed (decoding or authentication failed), null or empty. */
    INVALID_PAYLOAD(Native.INVALID_PAYLOAD),
    EXPIRED_TOKEN(Native.EXPIRED_TOKEN),
    /** Every loaded key has expired: refresh. */
    KEYS_NOT_SYNCED(Native.KEYS_NOT_SYNCED),
    VERSION_NOT_SUPPORTED(Native.VERSION_NOT_SUPPORTED),
    /** Legacy {@code decryptData} only: the blob is not encrypted data. */
    INVALID_PAYLOAD_TYPE(Native.INVALID_PAYLOAD_TYPE),
    INVALID_IDENTITY_SCOPE(Native.INVALID_IDENTITY_SCOPE),
    /** The token's lifetime exceeds the maximum, or it was generated too far in the future. */
    INVALID_TOKEN_LIFETIME(Native.INVALID_TOKEN_LIFETIME),
    /** Bidstream, client-side-generated token: the domain or app name is not one of the token's site. */
    DOMAIN_OR_APP_NAME_CHECK_FAILED(Native.DOMAIN_OR_APP_NAME_CHECK_FAILED),
    /** The token carries the client-side opt-out bit. */
    USER_OPTED_OUT(Native.USER_OPTED_OUT),
    /** A bug in the native library was caught (or it returned a status this binding does not know). */
    INTERNAL_ERROR(Native.INTERNAL_ERROR);

    private final int code;

    DecryptionStatus(int code) { this.code = code; }

    /** The status number of the C ABI ({@code uid2.h}). */
    public int getCode() { return code; }

    private static final DecryptionStatus[] BY_CODE = new DecryptionStatus[16];

    static {
        for (DecryptionStatus s : values()) if (s.code < BY_CODE.length) BY_CODE[s.code] = s;
    }

    static DecryptionStatus of(int code) {
        DecryptionStatus s = code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
        return s != null ? s : INTERNAL_ERROR;
    }
}
