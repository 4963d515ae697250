package io.libuid2;

/**
 * The advertising token versions that carry a version byte (as {@code com.uid2.client.AdvertisingTokenVersion}):
 * {@link #value()} is that byte. {@link DecryptionResponse#getAdvertisingTokenVersion()} reports the version
 * as a number (2, 3 or 4), as the official SDK does.
 */
public enum AdvertisingTokenVersion {
    /** Version byte 112 ('p'): AES-GCM, base64. */
    V3(112),
    /** Version byte 128: AES-GCM, base64url. */
    V4(128);

    private final int version;

    AdvertisingTokenVersion(int version) { this.version = version; }

    /** The token's version byte. */
    public int value() { return version; }
}
