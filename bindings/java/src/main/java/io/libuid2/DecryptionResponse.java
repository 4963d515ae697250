package io.libuid2;

import java.time.Instant;

/**
 * The result of a decrypt, with the getters of the official Java SDK ({@code
 * com.uid2.client.DecryptionResponse}).
 *
 * <p>On {@link DecryptionStatus#SUCCESS} every field is set. On {@code EXPIRED_TOKEN}, {@code
 * USER_OPTED_OUT}, {@code DOMAIN_OR_APP_NAME_CHECK_FAILED} and {@code INVALID_TOKEN_LIFETIME} every field
 * but the uid is set. On other statuses nothing was decoded: the uid, site ids, identity type and version
 * are null and the times are {@link Instant#MIN}, as in the official SDK.
 */
public class DecryptionResponse {
    private final DecryptionStatus status;
    private final String uid;
    private final Instant established;
    private final Integer siteId;
    private final Integer siteKeySiteId;
    private final IdentityScope identityScope;
    private final IdentityType identityType;
    private final Integer advertisingTokenVersion;
    private final boolean isClientSideGenerated;
    private final Instant expiry;

    DecryptionResponse(DecryptionStatus status, String uid, Instant established, Integer siteId,
                       Integer siteKeySiteId, IdentityScope identityScope, IdentityType identityType,
                       Integer advertisingTokenVersion, boolean isClientSideGenerated, Instant expiry) {
        this.status = status;
        this.uid = uid;
        this.established = established;
        this.siteId = siteId;
        this.siteKeySiteId = siteKeySiteId;
        this.identityScope = identityScope;
        this.identityType = identityType;
        this.advertisingTokenVersion = advertisingTokenVersion;
        this.isClientSideGenerated = isClientSideGenerated;
        this.expiry = expiry;
    }

    /** Builds a response from the slots the shim wrote at meta[off .. off+Native.META). */
    static DecryptionResponse fromMeta(long[] meta, int off, String uid) {
        DecryptionStatus status = DecryptionStatus.of((int) meta[off + Native.M_STATUS]);
        IdentityScope scope = meta[off + Native.M_SCOPE] == 1 ? IdentityScope.EUID : IdentityScope.UID2;
        int version = (int) meta[off + Native.M_VERSION];
        if (version == 0) { // nothing decoded
            return new DecryptionResponse(status, null, Instant.MIN, null, null, scope, null, null, false,
                    Instant.MIN);
        }
        int type = (int) meta[off + Native.M_TYPE];
        return new DecryptionResponse(status, status == DecryptionStatus.SUCCESS ? uid : null,
                Instant.ofEpochMilli(meta[off + Native.M_ESTABLISHED]),
                (int) meta[off + Native.M_SITE_ID],
                (int) meta[off + Native.M_SITE_KEY_SITE_ID],
                scope,
                type == 0 ? IdentityType.Email : type == 1 ? IdentityType.Phone : null,
                version,
                meta[off + Native.M_CSTG] != 0,
                Instant.ofEpochMilli(meta[off + Native.M_EXPIRY]));
    }

    static DecryptionResponse makeError(DecryptionStatus status) {
        return new DecryptionResponse(status, null, Instant.MIN, null, null, IdentityScope.UID2, null, null,
                false, Instant.MIN);
    }

    public boolean isSuccess() { return status == DecryptionStatus.SUCCESS; }

    public DecryptionStatus getStatus() { return status; }

    /** The raw UID (base64 text), or null unless {@link #isSuccess()}. */
    public String getUid() { return uid; }

    /** When the identity was established; {@link Instant#MIN} if the token was not decoded. */
    public Instant getEstablished() { return established; }

    /** The site that made the token; null if the token was not decoded. */
    public Integer getSiteId() { return siteId; }

    /** The site owning the token's site key (0 when the key response did not say); null if not decoded. */
    public Integer getSiteKeySiteId() { return siteKeySiteId; }

    /** The identity scope (UID2 or EUID) of the loaded keys. */
    public IdentityScope getIdentityScope() { return identityScope; }

    /** Email or Phone for v3/v4 tokens; null for v2 tokens and when the token was not decoded. */
    public IdentityType getIdentityType() { return identityType; }

    /** 2, 3 or 4; null if the token was not decoded. */
    public Integer getAdvertisingTokenVersion() { return advertisingTokenVersion; }

    public boolean getIsClientSideGenerated() { return isClientSideGenerated; }

    /** The token's expiry; {@link Instant#MIN} if the token was not decoded. */
    public Instant getExpiry() { return expiry; }

    @Override
    public String toString() {
        return "DecryptionResponse{status=" + status + ", uid=" + uid + ", established=" + established
                + ", siteId=" + siteId + ", siteKeySiteId=" + siteKeySiteId + ", identityScope=" + identityScope
                + ", identityType=" + identityType + ", advertisingTokenVersion=" + advertisingTokenVersion
                + ", isClientSideGenerated=" + isClientSideGenerated + ", expiry=" + expiry + "}";
    }
}
