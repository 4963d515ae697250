package example;

import com.uid2.client.AdvertisingTokenVersion;
import com.uid2.client.DecryptionDataResponse;
import com.uid2.client.DecryptionResponse;
import com.uid2.client.DecryptionStatus;
import com.uid2.client.EncryptionDataRequest;
import com.uid2.client.EncryptionDataResponse;
import com.uid2.client.EncryptionStatus;
import com.uid2.client.IUID2Client;
import com.uid2.client.IdentityScope;
import com.uid2.client.IdentityType;
import java.time.Instant;

/**
 * What users' own code and tests do with the official types: switch over statuses, store enum ordinals and
 * read them back, convert identity types and scopes from numbers, build result objects for their tests,
 * and write a test double of the legacy client.
 */
@SuppressWarnings("deprecation")
public class UserCode {
    /** A metrics label per status, as a switch users write. */
    public static String label(DecryptionStatus s) {
        switch (s) {
            case SUCCESS: return "ok";
            case EXPIRED_TOKEN: return "expired";
            case NOT_AUTHORIZED_FOR_KEY:
            case NOT_AUTHORIZED_FOR_MASTER_KEY: return "unauthorized";
            case DOMAIN_OR_APP_NAME_CHECK_FAILED: return "domain";
            default: return "other";
        }
    }

    public static String label(EncryptionStatus s) {
        switch (s) {
            case SUCCESS: return "ok";
            case NOT_AUTHORIZED_FOR_MASTER_KEY: return "no master key";
            case NOT_AUTHORIZED_FOR_KEY: return "no site key";
            default: return "other";
        }
    }

    /** Statuses stored as ordinals (a database column, a metrics array) and read back. */
    public static DecryptionStatus decryptionStatusFromColumn(int ordinal) { return DecryptionStatus.values()[ordinal]; }

    public static EncryptionStatus encryptionStatusFromColumn(int ordinal) { return EncryptionStatus.values()[ordinal]; }

    public static IdentityType typeFromWire(int value) { return IdentityType.fromValue(value); }

    public static IdentityScope scopeFromWire(int value) { return IdentityScope.fromValue(value); }

    public static boolean isV4(DecryptionResponse r) {
        return r.getAdvertisingTokenVersion() != null && r.getAdvertisingTokenVersion() == 4
                && AdvertisingTokenVersion.V4.value() == 128;
    }

    /** A test double of the legacy client, as users write one for their own tests. */
    public static class FakeClient implements IUID2Client {
        public int refreshes;

        @Override
        public void refresh() { refreshes++; }

        @Override
        public DecryptionResponse decrypt(String token, Instant now) { return null; }

        @Override
        public EncryptionDataResponse encryptData(EncryptionDataRequest request) { return null; }

        @Override
        public EncryptionDataResponse encrypt(String rawUid) { return null; }

        @Override
        public DecryptionDataResponse decryptData(String encryptedData) {
            return encryptedData.isEmpty() ? DecryptionDataResponse.makeError(DecryptionStatus.INVALID_PAYLOAD)
                    : new DecryptionDataResponse(DecryptionStatus.SUCCESS, encryptedData.getBytes(), Instant.EPOCH);
        }
    }
}
