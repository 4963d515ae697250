package io.libuid2;

/**
 * Legacy EUID clients (as {@code com.uid2.client.EUIDClientFactory}).
 *
 * <p>Not deprecated, as in the official SDK; the {@link IUID2Client} it makes is: prefer {@link SharingClient}
 * or {@link BidstreamClient}.
 */
@SuppressWarnings("deprecation") // it makes the deprecated legacy client
public class EUIDClientFactory {
    public static IUID2Client create(String endpoint, String authKey, String secretKey) {
        return new UID2Client(endpoint, authKey, secretKey, IdentityScope.EUID);
    }
}
