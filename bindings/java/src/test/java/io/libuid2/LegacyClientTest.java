package io.libuid2;

import static io.libuid2.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The legacy clients (UID2ClientFactory, EUIDClientFactory → IUID2Client) and legacy encrypted data. */
@SuppressWarnings("deprecation")
class LegacyClientTest {
    static final Instant NOW = ApiTest.NOW;
    static final byte[] DATA = "some data to seal".getBytes(StandardCharsets.UTF_8);

    /** A legacy key array: a master key (site -1) and a key of CALLER_SITE, as /v2/key/latest gave them. */
    static final String LEGACY_KEYS = "{\"body\":[" + siteKey(1, -1) + "," + siteKey(2, CALLER_SITE) + "]}";

    static String siteKey(int id, int siteId) {
        return "{\"id\":" + id + ",\"site_id\":" + siteId + ",\"created\":" + ACTIVATES + ",\"activates\":" + ACTIVATES
                + ",\"expires\":" + EXPIRES + ",\"secret\":\"" + Base64.getEncoder().encodeToString(bytes(32, id)) + "\"}";
    }

    static UID2Client legacy(String keys) {
        UID2Client c = (UID2Client) UID2ClientFactory.create(null, null, null);
        c.refreshJson(keys);
        return c;
    }

    @Test
    void factoryClientsEncryptAndDecryptTokens() throws Exception {
        try (IUID2Client c = legacy(KEYS_A); SharingClient s = ApiTest.sharing(KEYS_A)) {
            EncryptionDataResponse e = c.encrypt(RAW_UID);
            assertTrue(e.isSuccess(), e.toString());
            DecryptionResponse d = c.decrypt(e.getEncryptedData());
            assertEquals(RAW_UID, d.getUid());
            // The same keys and tokens as the sharing client.
            assertEquals(RAW_UID, s.decryptTokenIntoRawUid(e.getEncryptedData()).getUid());
            String token = s.encryptRawUidIntoToken(RAW_UID, NOW).getEncryptedData();
            assertEquals(RAW_UID, c.decrypt(token, NOW).getUid());
            assertEquals(DecryptionStatus.INVALID_PAYLOAD, c.decrypt("not a token").getStatus());
        }
    }

    @Test
    void euidFactoryAssumesEuidForKeysThatNameNoScope() throws Exception {
        String token;
        try (SharingClient s = ApiTest.sharing(KEYS_A)) {
            token = s.encryptRawUidIntoToken(RAW_UID, NOW).getEncryptedData(); // a UID2 token
        }
        String noScope = KEYS_A.replace("\"identity_scope\":\"UID2\",", "");
        assertNotEquals(KEYS_A, noScope);
        try (IUID2Client uid2 = legacy(noScope);
             UID2Client euid = (UID2Client) EUIDClientFactory.create(null, null, null)) {
            euid.refreshJson(noScope);
            assertEquals(RAW_UID, uid2.decrypt(token, NOW).getUid());
            assertEquals(DecryptionStatus.INVALID_IDENTITY_SCOPE, euid.decrypt(token, NOW).getStatus());
        }
    }

    @Test
    void refreshFailureThrowsWithTheReasonAndKeepsKeys() throws Exception {
        try (Sharing sites = new Sharing()) {
            try (IUID2Client ok = UID2ClientFactory.create(sites.service.url, sites.receiver.apiKey, sites.receiver.secret)) {
                ok.refresh();
                assertEquals(RAW_UID, ok.decrypt(sites.senderToken()).getUid());
            }
            try (IUID2Client bad = UID2ClientFactory.create(sites.service.url, "wrong-key", sites.receiver.secret)) {
                UID2ClientException e = assertThrows(UID2ClientException.class, bad::refresh);
                assertTrue(e.getMessage().contains("401"), e.getMessage());
                assertFalse(e.getMessage().contains(sites.receiver.secret), e.getMessage());
            }
        }
        UID2Client c = legacy(KEYS_A);
        assertThrows(IllegalArgumentException.class, () -> c.refreshJson("{}"));
        assertTrue(c.encrypt(RAW_UID).isSuccess(), "the previous keys are kept");
        c.close();
        assertThrows(IllegalStateException.class, () -> c.encrypt(RAW_UID));
    }

    @Test
    void dataRoundTripsForASite() throws Exception {
        try (IUID2Client c = legacy(LEGACY_KEYS)) {
            EncryptionDataResponse e = c.encryptData(EncryptionDataRequest.forData(DATA).withSiteId(CALLER_SITE).withNow(NOW));
            assertEquals(EncryptionStatus.SUCCESS, e.getStatus());
            DecryptionDataResponse d = c.decryptData(e.getEncryptedData());
            assertEquals(DecryptionStatus.SUCCESS, d.getStatus());
            assertArrayEquals(DATA, d.getDecryptedData());
            assertEquals(NOW.toEpochMilli(), d.getEncryptedAt().toEpochMilli());
            // A random IV each time, unless one is given (tests only).
            assertNotEquals(e.getEncryptedData(), c.encryptData(EncryptionDataRequest.forData(DATA).withSiteId(CALLER_SITE)).getEncryptedData());
            byte[] iv = bytes(12, 5);
            EncryptionDataRequest fixed = new EncryptionDataRequest().withData(DATA).withSiteId(CALLER_SITE).withNow(NOW)
                    .withInitializationVector(iv);
            assertEquals(c.encryptData(fixed).getEncryptedData(), c.encryptData(fixed).getEncryptedData());
            // Empty data.
            String empty = c.encryptData(EncryptionDataRequest.forData(new byte[0]).withSiteId(CALLER_SITE)).getEncryptedData();
            assertArrayEquals(new byte[0], c.decryptData(empty).getDecryptedData());
        }
    }

    @Test
    void dataForTheSiteOfAnAdvertisingToken() throws Exception {
        try (UID2Client c = legacy(LEGACY_KEYS); SharingClient sharer = ApiTest.sharing(KEYS_A)) {
            // A token of CALLER_SITE, made with the same secrets (key 1 master, key 2 of the site).
            String token = sharer.encryptRawUidIntoToken(RAW_UID, NOW).getEncryptedData();
            EncryptionDataResponse e = c.encryptData(EncryptionDataRequest.forData(DATA).withAdvertisingToken(token).withNow(NOW));
            assertEquals(EncryptionStatus.SUCCESS, e.getStatus());
            assertArrayEquals(DATA, c.decryptData(e.getEncryptedData()).getDecryptedData());
            assertEquals(EncryptionStatus.TOKEN_DECRYPT_FAILURE,
                    c.encryptData(EncryptionDataRequest.forData(DATA).withAdvertisingToken("not a token").withNow(NOW)).getStatus());
        }
    }

    @Test
    void dataStatusesAndProgrammerErrors() throws Exception {
        try (UID2Client none = (UID2Client) UID2ClientFactory.create(null, null, null); IUID2Client c = legacy(LEGACY_KEYS)) {
            assertEquals(EncryptionStatus.NOT_INITIALIZED,
                    none.encryptData(EncryptionDataRequest.forData(DATA).withSiteId(CALLER_SITE)).getStatus());
            assertEquals(DecryptionStatus.NOT_INITIALIZED, none.decryptData("AAAA").getStatus());
            assertEquals(EncryptionStatus.NOT_AUTHORIZED_FOR_KEY,
                    c.encryptData(EncryptionDataRequest.forData(DATA).withSiteId(777).withNow(NOW)).getStatus());
            assertEquals(EncryptionStatus.KEYS_NOT_SYNCED, c.encryptData(EncryptionDataRequest.forData(DATA)
                    .withSiteId(CALLER_SITE).withNow(Instant.ofEpochSecond(EXPIRES + 1))).getStatus());
            String blob = c.encryptData(EncryptionDataRequest.forData(DATA).withSiteId(CALLER_SITE).withNow(NOW)).getEncryptedData();
            char last = blob.charAt(blob.length() - 3);
            String tampered = blob.substring(0, blob.length() - 3) + (last == 'A' ? 'B' : 'A') + blob.substring(blob.length() - 2);
            for (String bad : new String[] {null, "", "not base64!", tampered}) {
                DecryptionDataResponse d = c.decryptData(bad);
                assertEquals(DecryptionStatus.INVALID_PAYLOAD, d.getStatus(), String.valueOf(bad));
                assertNull(d.getDecryptedData());
                assertEquals(Instant.MIN, d.getEncryptedAt());
            }
            assertThrows(IllegalArgumentException.class, () -> c.encryptData(new EncryptionDataRequest().withSiteId(CALLER_SITE)));
            assertThrows(IllegalArgumentException.class,
                    () -> c.encryptData(EncryptionDataRequest.forData(DATA).withSiteId(CALLER_SITE).withAdvertisingToken("t")));
            assertThrows(IllegalArgumentException.class, () -> c.encryptData(EncryptionDataRequest.forData(DATA)));
            assertThrows(IllegalArgumentException.class,
                    () -> c.encryptData(EncryptionDataRequest.forData(DATA).withSiteId(CALLER_SITE).withInitializationVector(new byte[16])));
        }
        assertThrows(IllegalArgumentException.class, () -> new UID2Client(null, null, null, null));
    }

    @Test
    void resultObjectsAsUsersBuildThemInTheirTests() {
        DecryptionDataResponse ok = new DecryptionDataResponse(DecryptionStatus.SUCCESS, DATA, NOW);
        assertTrue(ok.isSuccess());
        assertSame(DATA, ok.getDecryptedData());
        DecryptionDataResponse err = DecryptionDataResponse.makeError(DecryptionStatus.NOT_AUTHORIZED_FOR_KEY);
        assertFalse(err.isSuccess());
        assertEquals(DecryptionStatus.NOT_AUTHORIZED_FOR_KEY, err.getStatus());
    }
}
