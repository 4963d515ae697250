package example;

import com.uid2.client.BidstreamClient;
import com.uid2.client.DecryptionResponse;
import com.uid2.client.RefreshResponse;

/**
 * A DSP as the official SDK reference for Java (usage for DSPs) shows it: one BidstreamClient, refreshed at
 * startup and then hourly, decrypting the UID2 token of each bid request with the request's domain or app
 * name.
 */
public class DspSample {
    private final BidstreamClient client;

    public DspSample(String uid2BaseUrl, String uid2ApiKey, String uid2SecretKey) {
        client = new BidstreamClient(uid2BaseUrl, uid2ApiKey, uid2SecretKey);
    }

    /** At startup and then on a schedule (hourly). */
    public boolean refreshKeys() {
        RefreshResponse refreshResponse = client.refresh();
        if (!refreshResponse.isSuccess()) {
            System.err.println("UID2 key refresh failed: " + refreshResponse.getReason());
            return false;
        }
        return true;
    }

    /** The raw UID2 of a bid request's token, or null (bid without it). */
    public String rawUidOf(String uidToken, String domainOrAppName) {
        DecryptionResponse decrypted = client.decryptTokenIntoRawUid(uidToken, domainOrAppName);
        if (!decrypted.isSuccess()) {
            System.err.println("UID2 token not usable: " + decrypted.getStatus());
            return null;
        }
        // What a DSP logs with the bid.
        System.out.println("established " + decrypted.getEstablished() + ", site " + decrypted.getSiteId()
                + ", type " + decrypted.getIdentityType() + ", token v" + decrypted.getAdvertisingTokenVersion()
                + ", client-side " + decrypted.getIsClientSideGenerated() + ", expires " + decrypted.getExpiry());
        return decrypted.getUid();
    }
}
