package example;

import com.uid2.client.DecryptionDataResponse;
import com.uid2.client.DecryptionResponse;
import com.uid2.client.EncryptionDataRequest;
import com.uid2.client.EncryptionDataResponse;
import com.uid2.client.IUID2Client;
import com.uid2.client.IdentityScope;
import com.uid2.client.UID2Client;
import com.uid2.client.UID2ClientException;
import com.uid2.client.UID2ClientFactory;

/**
 * Code written for the official SDK before SharingClient and BidstreamClient: the deprecated IUID2Client
 * from UID2ClientFactory, with its checked UID2ClientException and the legacy encrypted data.
 */
@SuppressWarnings("deprecation")
public class LegacySample {
    private final IUID2Client client;

    public LegacySample(String endpoint, String authKey, String secretKey) {
        client = UID2ClientFactory.create(endpoint, authKey, secretKey);
    }

    private LegacySample(IUID2Client client) {
        this.client = client;
    }

    /** A client whose keys come from a key response the application fetched itself (UID2Client.refreshJson). */
    public static LegacySample withKeys(String keyJson, String secretKey) {
        UID2Client c = new UID2Client("https://prod.uidapi.com", "unused", secretKey, IdentityScope.UID2);
        c.refreshJson(keyJson);
        return new LegacySample(c);
    }

    /** Refreshes; the failure's message, or null on success. */
    public String refresh() {
        try {
            client.refresh();
            return null;
        } catch (UID2ClientException e) {
            return e.getMessage();
        }
    }

    public String rawUidOf(String token) throws UID2ClientException {
        DecryptionResponse res = client.decrypt(token);
        return res.isSuccess() ? res.getUid() : null;
    }

    public String tokenFor(String rawUid) throws UID2ClientException {
        EncryptionDataResponse res = client.encrypt(rawUid);
        return res.isSuccess() ? res.getEncryptedData() : null;
    }

    /** Seals data for the site of an advertising token, then opens it again. */
    public byte[] sealAndOpen(byte[] data, String advertisingToken) throws UID2ClientException {
        EncryptionDataResponse sealed = client.encryptData(EncryptionDataRequest.forData(data).withAdvertisingToken(advertisingToken));
        if (!sealed.isSuccess()) throw new IllegalStateException("encryptData: " + sealed.getStatus());
        DecryptionDataResponse opened = client.decryptData(sealed.getEncryptedData());
        if (!opened.isSuccess()) throw new IllegalStateException("decryptData: " + opened.getStatus());
        return opened.getDecryptedData();
    }
}
