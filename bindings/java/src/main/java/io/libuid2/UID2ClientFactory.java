package io.libuid2;

/**
 * Legacy UID2 clients (as {@code com.uid2.client.UID2ClientFactory}).
 *
 * @deprecated as in the official SDK: use {@link SharingClient} or {@link BidstreamClient}.
 */
@Deprecated
public class UID2ClientFactory {
    public static IUID2Client create(String endpoint, String authKey, String secretKey) {
        return new UID2Client(endpoint, authKey, secretKey, IdentityScope.UID2);
    }
}
