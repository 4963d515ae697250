package io.libuid2;

/**
 * Legacy EUID clients (as {@code com.uid2.client.EUIDClientFactory}).
 *
 * @deprecated as in the official SDK: use {@link SharingClient} or {@link BidstreamClient}.
 */
@Deprecated
public class EUIDClientFactory {
    public static IUID2Client create(String endpoint, String authKey, String secretKey) {
        return new UID2Client(endpoint, authKey, secretKey, IdentityScope.EUID);
    }
}
