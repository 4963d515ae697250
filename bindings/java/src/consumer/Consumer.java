// A tiny program that uses the built jar and nothing else: scripts/consumer-check.sh copies it to an
// empty temporary directory, compiles it with only the jar on the class path, and runs it. It must find
// the native library inside the jar (no java.library.path, no UID2_LIBRARY_PATH).
import io.libuid2.BidstreamClient;
import io.libuid2.DecryptionResponse;
import io.libuid2.EncryptionDataResponse;
import io.libuid2.LibUid2;
import io.libuid2.SharingClient;

public class Consumer {
    static final String KEYS = "{\"body\":{\"caller_site_id\":123,\"master_keyset_id\":9999999,"
            + "\"default_keyset_id\":99999,\"token_expiry_seconds\":\"2592000\",\"identity_scope\":\"UID2\","
            + "\"allow_clock_skew_seconds\":1800,\"keys\":["
            + "{\"id\":1,\"keyset_id\":9999999,\"created\":1609459200,\"activates\":1609459200,"
            + "\"expires\":4102444800,\"secret\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"},"
            + "{\"id\":2,\"keyset_id\":99999,\"created\":1609459200,\"activates\":1609459200,"
            + "\"expires\":4102444800,\"secret\":\"ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=\"}]}}";
    static final String RAW_UID = "ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=";

    public static void main(String[] args) {
        String from = LibUid2.loadedFrom();
        if (!from.contains("jar:")) throw new AssertionError("native library not loaded from the jar: " + from);
        try (SharingClient sharing = new SharingClient(null, null, null);
             BidstreamClient bidstream = new BidstreamClient(null, null, null)) {
            check(sharing.refreshJson(KEYS).isSuccess(), "refreshJson");
            EncryptionDataResponse e = sharing.encryptRawUidIntoToken(RAW_UID);
            check(e.isSuccess(), "encrypt: " + e);
            DecryptionResponse d = sharing.decryptTokenIntoRawUid(e.getEncryptedData());
            check(d.isSuccess() && RAW_UID.equals(d.getUid()), "decrypt: " + d);
            check(bidstream.decryptTokenIntoRawUid(e.getEncryptedData(), null).getStatus().name()
                    .equals("NOT_INITIALIZED"), "bidstream without keys");
        }
        check(LibUid2.clientCount() == 0, "handles left: " + LibUid2.clientCount());
        System.out.println("consumer: ok (libuid2 " + LibUid2.version() + ", " + from + ")");
    }

    static void check(boolean ok, String what) {
        if (!ok) throw new AssertionError(what);
    }
}
