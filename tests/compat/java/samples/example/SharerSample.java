package example;

import com.uid2.client.DecryptionResponse;
import com.uid2.client.DecryptionStatus;
import com.uid2.client.EncryptionDataResponse;
import com.uid2.client.EncryptionStatus;
import com.uid2.client.RefreshResponse;
import com.uid2.client.SharingClient;

/**
 * A sharer as the official SDK reference for Java (usage for sharers) shows it: one SharingClient, refreshed
 * at startup and then hourly; it encrypts raw UID2s into tokens for the partners it shares with, and
 * decrypts the tokens they send.
 */
public class SharerSample {
    private final SharingClient client;

    public SharerSample(String uid2BaseUrl, String uid2ApiKey, String uid2SecretKey) {
        client = new SharingClient(uid2BaseUrl, uid2ApiKey, uid2SecretKey);
    }

    public boolean refreshKeys() {
        RefreshResponse refreshResponse = client.refresh();
        return refreshResponse.isSuccess();
    }

    /** A token for a partner, or null. */
    public String tokenFor(String rawUid) {
        EncryptionDataResponse encrypted = client.encryptRawUidIntoToken(rawUid);
        if (encrypted.getStatus() != EncryptionStatus.SUCCESS) {
            System.err.println("UID2 encrypt failed: " + encrypted.getStatus());
            return null;
        }
        return encrypted.getEncryptedData();
    }

    /** The raw UID2 of a partner's token, or null. */
    public String rawUidOf(String uidToken) {
        DecryptionResponse decrypted = client.decryptTokenIntoRawUid(uidToken);
        if (decrypted.getStatus() == DecryptionStatus.SUCCESS) return decrypted.getUid();
        System.err.println("UID2 decrypt failed: " + decrypted.getStatus());
        return null;
    }

    /** The status a partner's token decrypts to. */
    public DecryptionStatus statusOf(String uidToken) {
        return client.decryptTokenIntoRawUid(uidToken).getStatus();
    }
}
