package io.libuid2;

import java.time.Instant;

/**
 * What {@link IUID2Client#encryptData} encrypts, and for whom (as {@code com.uid2.client.EncryptionDataRequest}):
 * the data, and either a site id or an advertising token whose site is used.
 *
 * <p>Not deprecated, as in the official SDK; the {@link IUID2Client} method that uses it is.
 */
public class EncryptionDataRequest {
    private byte[] data;
    private Integer siteId;
    private String advertisingToken;
    private byte[] iv;
    private Instant now;

    public EncryptionDataRequest() {}

    public EncryptionDataRequest(byte[] data) { this.data = data; }

    public static EncryptionDataRequest forData(byte[] data) { return new EncryptionDataRequest(data); }

    public EncryptionDataRequest withData(byte[] data) { this.data = data; return this; }

    public EncryptionDataRequest withSiteId(int siteId) { this.siteId = siteId; return this; }

    public EncryptionDataRequest withAdvertisingToken(String token) { this.advertisingToken = token; return this; }

    /** A fixed 12-byte AES-GCM IV, for byte-exact tests only: never reuse an IV with the same key. */
    public EncryptionDataRequest withInitializationVector(byte[] iv) { this.iv = iv; return this; }

    public EncryptionDataRequest withNow(Instant now) { this.now = now; return this; }

    public byte[] getData() { return data; }

    public Integer getSiteId() { return siteId; }

    public String getAdvertisingToken() { return advertisingToken; }

    public byte[] getInitializationVector() { return iv; }

    /** The time given, or the current time. */
    public Instant getNow() { return now == null ? Instant.now() : now; }
}
