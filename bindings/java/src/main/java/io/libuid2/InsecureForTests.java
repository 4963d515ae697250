package io.libuid2;

import java.time.Instant;

/**
 * INSECURE — FOR TESTS ONLY. Encryption with caller-chosen AES-GCM nonces, so that test vectors and the
 * cross-language conformance suite are byte-exact. Reusing a GCM nonce with the same key destroys the
 * confidentiality and integrity of every token made with it: never call this outside tests.
 */
public final class InsecureForTests {
    private InsecureForTests() {}

    /**
     * INSECURE — FOR TESTS ONLY. As {@link SharingClient#encryptRawUidIntoToken(String, Instant, long)},
     * with the 12-byte master-layer nonce then the 12-byte site-layer nonce taken from {@code nonces}.
     *
     * @param keysetId 0 for the default keyset
     */
    public static EncryptionDataResponse encryptWithNoncesInsecureForTests(SharingClient client, String rawUid,
                                                                            Instant now, long keysetId,
                                                                            byte[] nonces) {
        if (client == null) throw new IllegalArgumentException("client is null");
        if (nonces == null || nonces.length != 24) throw new IllegalArgumentException("nonces must be 24 bytes");
        return client.encryptImpl(rawUid, NativeClient.epochMillis(now), keysetId, nonces.clone());
    }
}
