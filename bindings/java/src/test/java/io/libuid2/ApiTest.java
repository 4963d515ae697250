package io.libuid2;

import static io.libuid2.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The public API over real keys: round trips, every reachable status, batches, lifecycle. */
class ApiTest {
    static final Instant NOW = Instant.parse("2030-06-01T12:00:00Z");

    static SharingClient sharing(String keys) {
        SharingClient c = new SharingClient(null, null, null);
        RefreshResponse r = c.refreshJson(keys);
        assertTrue(r.isSuccess(), r.toString());
        return c;
    }

    @Test
    void libraryLoadsWithAbiMajor1() {
        assertEquals(1, LibUid2.abiVersion() >>> 16);
        assertFalse(LibUid2.version().isEmpty());
        assertFalse(LibUid2.loadedFrom().isEmpty());
    }

    @Test
    void enumCodesMatchTheLibrarysStatusNames() {
        for (DecryptionStatus s : DecryptionStatus.values()) {
            assertEquals(s.name(), NativeClient.statusName(s.getCode()), "code " + s.getCode());
            assertSame(s, DecryptionStatus.of(s.getCode()));
        }
        for (EncryptionStatus s : EncryptionStatus.values()) {
            assertEquals(s.name(), NativeClient.statusName(s.getCode()), "code " + s.getCode());
            assertSame(s, EncryptionStatus.of(s.getCode()));
        }
        assertEquals(DecryptionStatus.INTERNAL_ERROR, DecryptionStatus.of(99)); // a status from a newer library
        assertEquals("BUFFER_TOO_SMALL", NativeClient.statusName(Native.BUFFER_TOO_SMALL));
        assertEquals("WRONG_CLIENT_TYPE", NativeClient.statusName(Native.WRONG_CLIENT_TYPE));
    }

    @Test
    void encryptThenDecryptRoundTrips() {
        try (SharingClient c = sharing(KEYS_A)) {
            EncryptionDataResponse e = c.encryptRawUidIntoToken(RAW_UID, NOW);
            assertTrue(e.isSuccess(), e.toString());
            assertEquals(EncryptionStatus.SUCCESS, e.getStatus());
            String token = e.getEncryptedData();
            assertTrue(token.startsWith("A4"), token); // v4, UID2, email
            assertFalse(token.contains("+") || token.contains("/") || token.contains("="), token);

            DecryptionResponse d = c.decryptTokenIntoRawUid(token, NOW.plusSeconds(60));
            assertTrue(d.isSuccess(), d.toString());
            assertEquals(RAW_UID, d.getUid());
            assertEquals(Integer.valueOf(CALLER_SITE), d.getSiteId());
            assertEquals(Integer.valueOf(4), d.getAdvertisingTokenVersion());
            assertEquals(IdentityType.Email, d.getIdentityType());
            assertEquals(IdentityScope.UID2, d.getIdentityScope());
            assertFalse(d.getIsClientSideGenerated());
            assertEquals(NOW, d.getEstablished());
            assertEquals(NOW.plus(Duration.ofDays(30)), d.getExpiry());

            // The system clock overloads: the token was made for 2030, so now it is valid too.
            assertTrue(c.decryptTokenIntoRawUid(c.encryptRawUidIntoToken(RAW_UID).getEncryptedData()).isSuccess());
        }
    }

    @Test
    void expiredTokenKeepsItsFieldsButNotTheUid() {
        try (SharingClient c = sharing(KEYS_A)) {
            String token = c.encryptRawUidIntoToken(RAW_UID, NOW).getEncryptedData();
            DecryptionResponse d = c.decryptTokenIntoRawUid(token, NOW.plus(Duration.ofDays(31)));
            assertEquals(DecryptionStatus.EXPIRED_TOKEN, d.getStatus());
            assertFalse(d.isSuccess());
            assertNull(d.getUid());
            assertEquals(Integer.valueOf(CALLER_SITE), d.getSiteId());
            assertEquals(NOW.plus(Duration.ofDays(30)), d.getExpiry());
            assertEquals(NOW, d.getEstablished());
        }
    }

    @Test
    void statusesWithoutKeysOrPermissions() {
        try (SharingClient none = new SharingClient(null, null, null);
             SharingClient a = sharing(KEYS_A);
             SharingClient b = sharing(KEYS_B);
             SharingClient masterOnly = sharing(sharingKeys(key(1, MASTER_KEYSET, ACTIVATES, EXPIRES)));
             SharingClient siteOnly = sharing(sharingKeys(key(2, DEFAULT_KEYSET, ACTIVATES, EXPIRES)))) {
            String token = a.encryptRawUidIntoToken(RAW_UID, NOW).getEncryptedData();

            DecryptionResponse d = none.decryptTokenIntoRawUid(token, NOW);
            assertEquals(DecryptionStatus.NOT_INITIALIZED, d.getStatus());
            assertNull(d.getUid());
            assertNull(d.getSiteId());
            assertNull(d.getAdvertisingTokenVersion());
            assertEquals(Instant.MIN, d.getEstablished());
            assertEquals(EncryptionStatus.NOT_INITIALIZED, none.encryptRawUidIntoToken(RAW_UID, NOW).getStatus());
            assertNull(none.encryptRawUidIntoToken(RAW_UID, NOW).getEncryptedData());

            assertEquals(DecryptionStatus.NOT_AUTHORIZED_FOR_MASTER_KEY, b.decryptTokenIntoRawUid(token, NOW).getStatus());
            assertEquals(DecryptionStatus.NOT_AUTHORIZED_FOR_KEY, masterOnly.decryptTokenIntoRawUid(token, NOW).getStatus());
            assertEquals(EncryptionStatus.NOT_AUTHORIZED_FOR_KEY, masterOnly.encryptRawUidIntoToken(RAW_UID, NOW).getStatus());
            assertEquals(EncryptionStatus.NOT_AUTHORIZED_FOR_MASTER_KEY, siteOnly.encryptRawUidIntoToken(RAW_UID, NOW).getStatus());

            Instant after = Instant.ofEpochSecond(EXPIRES + 1);
            assertEquals(DecryptionStatus.KEYS_NOT_SYNCED, a.decryptTokenIntoRawUid(token, after).getStatus());
            assertEquals(EncryptionStatus.KEYS_NOT_SYNCED, a.encryptRawUidIntoToken(RAW_UID, after).getStatus());

            assertEquals(DecryptionStatus.INVALID_PAYLOAD, a.decryptTokenIntoRawUid(token.substring(0, token.length() - 1), NOW).getStatus());
            assertEquals(DecryptionStatus.INVALID_PAYLOAD, a.decryptTokenIntoRawUid("abc", NOW).getStatus());
            assertEquals(EncryptionStatus.ENCRYPTION_FAILURE, a.encryptRawUidIntoToken("not base64!", NOW).getStatus());
        }
    }

    @Test
    void euidKeysRejectUid2Tokens() {
        try (SharingClient a = sharing(KEYS_A);
             SharingClient euid = sharing(KEYS_A.replace("\"UID2\"", "\"EUID\""))) {
            String token = a.encryptRawUidIntoToken(RAW_UID, NOW).getEncryptedData();
            DecryptionResponse d = euid.decryptTokenIntoRawUid(token, NOW);
            assertEquals(DecryptionStatus.INVALID_IDENTITY_SCOPE, d.getStatus());
            assertEquals(IdentityScope.EUID, d.getIdentityScope());
            String euidToken = euid.encryptRawUidIntoToken(RAW_UID, NOW).getEncryptedData();
            assertTrue(euidToken.startsWith("E4"), euidToken);
            assertEquals(RAW_UID, euid.decryptTokenIntoRawUid(euidToken, NOW).getUid());
        }
    }

    @Test
    void bidstreamClientDecryptsWithItsKeys() {
        try (SharingClient a = sharing(KEYS_A);
             BidstreamClient bid = new BidstreamClient(null, null, null)) {
            String token = a.encryptRawUidIntoToken(RAW_UID, NOW).getEncryptedData();
            assertEquals(DecryptionStatus.NOT_INITIALIZED, bid.decryptTokenIntoRawUid(token, "example.com", NOW).getStatus());
            assertTrue(bid.refreshJson(bidstreamKeys(1, 2)).isSuccess());
            // Not client-side generated: the domain is not checked.
            for (String domain : Arrays.asList("example.com", "other.org", null, "")) {
                DecryptionResponse d = bid.decryptTokenIntoRawUid(token, domain, NOW);
                assertTrue(d.isSuccess(), domain + ": " + d);
                assertEquals(RAW_UID, d.getUid());
            }
            List<DecryptionResponse> batch = bid.decryptTokensIntoRawUids(Arrays.asList(token, "x", token), "example.com", NOW);
            assertEquals(RAW_UID, batch.get(0).getUid());
            assertEquals(DecryptionStatus.INVALID_PAYLOAD, batch.get(1).getStatus());
            assertEquals(RAW_UID, batch.get(2).getUid());
        }
    }

    @Test
    void batchesGiveTheSameResultsAsSingleCalls() {
        try (SharingClient a = sharing(KEYS_A); SharingClient b = sharing(KEYS_B)) {
            List<String> raws = new ArrayList<>();
            for (int i = 0; i < 300; i++) raws.add(Base64.getEncoder().encodeToString(bytes(32, 1000 + i)));
            raws.add("not base64!");
            raws.add(null);
            raws.add("");
            List<EncryptionDataResponse> enc = a.encryptRawUidsIntoTokens(raws, NOW);
            assertEquals(raws.size(), enc.size());
            List<String> tokens = new ArrayList<>();
            for (int i = 0; i < raws.size(); i++) {
                EncryptionDataResponse single = a.encryptRawUidIntoToken(raws.get(i), NOW);
                assertEquals(single.getStatus(), enc.get(i).getStatus(), "item " + i);
                tokens.add(enc.get(i).getEncryptedData());
            }
            tokens.add(b.encryptRawUidIntoToken(RAW_UID, NOW).getEncryptedData()); // unknown master key
            tokens.add("garbage");
            List<DecryptionResponse> dec = a.decryptTokensIntoRawUids(tokens, NOW);
            assertEquals(tokens.size(), dec.size());
            for (int i = 0; i < tokens.size(); i++) {
                DecryptionResponse single = a.decryptTokenIntoRawUid(tokens.get(i), NOW);
                assertEquals(single.toString(), dec.get(i).toString(), "item " + i);
                if (i < 300) assertEquals(raws.get(i), dec.get(i).getUid());
            }
            assertEquals(DecryptionStatus.NOT_AUTHORIZED_FOR_MASTER_KEY, dec.get(raws.size()).getStatus());
            assertTrue(a.decryptTokensIntoRawUids(Collections.emptyList(), NOW).isEmpty());
            assertTrue(a.encryptRawUidsIntoTokens(Collections.emptyList(), NOW).isEmpty());
            // The batch call over the system clock, too.
            assertEquals(RAW_UID, a.decryptTokensIntoRawUids(Collections.singletonList(
                    a.encryptRawUidIntoToken(RAW_UID).getEncryptedData())).get(0).getUid());
        }
    }

    @Test
    void rawUidsLongerThanTheInlineBufferComeBackWhole() {
        try (SharingClient a = sharing(KEYS_A)) {
            for (int n : new int[] {180, 192, 193, 600, 3000}) { // 240, 256, 260, 800, 4000 base64 chars
                String raw = Base64.getEncoder().encodeToString(bytes(n, n));
                EncryptionDataResponse e = a.encryptRawUidIntoToken(raw, NOW);
                assertTrue(e.isSuccess(), n + ": " + e);
                assertEquals(raw, a.decryptTokenIntoRawUid(e.getEncryptedData(), NOW).getUid(), "length " + raw.length());
                List<DecryptionResponse> batch = a.decryptTokensIntoRawUids(
                        Arrays.asList(e.getEncryptedData(), "x", e.getEncryptedData()), NOW);
                assertEquals(raw, batch.get(0).getUid());
                assertEquals(raw, batch.get(2).getUid());
                List<EncryptionDataResponse> encBatch = a.encryptRawUidsIntoTokens(Collections.nCopies(20, raw), NOW);
                for (EncryptionDataResponse x : encBatch) {
                    assertEquals(raw, a.decryptTokenIntoRawUid(x.getEncryptedData(), NOW).getUid());
                }
            }
        }
    }

    @Test
    void keysetIdChoosesTheEncryptionKey() {
        int otherKeyset = 4242;
        String keys = sharingKeys(key(1, MASTER_KEYSET, ACTIVATES, EXPIRES), key(2, DEFAULT_KEYSET, ACTIVATES, EXPIRES),
                key(5, otherKeyset, ACTIVATES, EXPIRES));
        try (SharingClient c = sharing(keys); SharingClient without5 = sharing(KEYS_A)) {
            String t = c.encryptRawUidIntoToken(RAW_UID, NOW, otherKeyset).getEncryptedData();
            assertEquals(RAW_UID, c.decryptTokenIntoRawUid(t, NOW).getUid());
            assertEquals(DecryptionStatus.NOT_AUTHORIZED_FOR_KEY, without5.decryptTokenIntoRawUid(t, NOW).getStatus());
            assertEquals(EncryptionStatus.NOT_AUTHORIZED_FOR_KEY, c.encryptRawUidIntoToken(RAW_UID, NOW, 777).getStatus());
        }
    }

    @Test
    void failedRefreshJsonKeepsTheKeys() {
        try (SharingClient c = sharing(KEYS_A)) {
            String token = c.encryptRawUidIntoToken(RAW_UID, NOW).getEncryptedData();
            for (String bad : Arrays.asList("", "{", "[]x", "{\"body\":{}}", "null", "\u00e9\u0000")) {
                RefreshResponse r = c.refreshJson(bad);
                assertFalse(r.isSuccess(), bad);
                assertFalse(r.getReason().isEmpty(), bad);
                assertEquals(RAW_UID, c.decryptTokenIntoRawUid(token, NOW).getUid(), bad);
            }
            RefreshState s = c.getRefreshState();
            assertTrue(s.hasKeys());
            assertEquals(2, s.getKeyCount());
            assertEquals(6, s.getConsecutiveFailures());
            assertNotNull(s.getLastSuccess());
            assertNotNull(s.getLastFailure());
            assertFalse(s.getLastError().isEmpty());
            assertFalse(s.isAutoRefreshRunning());
            assertTrue(c.refreshJson(KEYS_A).isSuccess());
            assertEquals(0, c.getRefreshState().getConsecutiveFailures());
            assertEquals("", c.getRefreshState().getLastError());
        }
    }

    @Test
    void closeIsIdempotentAndLaterCallsThrow() {
        long before = LibUid2.clientCount();
        SharingClient c = sharing(KEYS_A);
        BidstreamClient b = new BidstreamClient(null, null, null);
        assertEquals(before + 2, LibUid2.clientCount());
        c.close();
        c.close();
        b.close();
        assertEquals(before, LibUid2.clientCount());
        assertThrows(IllegalStateException.class, () -> c.decryptTokenIntoRawUid("x"));
        assertThrows(IllegalStateException.class, () -> c.encryptRawUidIntoToken(RAW_UID));
        assertThrows(IllegalStateException.class, () -> c.decryptTokensIntoRawUids(Arrays.asList("a")));
        assertThrows(IllegalStateException.class, () -> c.encryptRawUidsIntoTokens(Arrays.asList("a")));
        assertThrows(IllegalStateException.class, () -> c.refreshJson(KEYS_A));
        assertThrows(IllegalStateException.class, c::getRefreshState);
        assertThrows(IllegalStateException.class, () -> b.decryptTokenIntoRawUid("x", null));
    }

    @Test
    void refreshWithoutCredentialsIsAProgrammerError() {
        try (SharingClient c = new SharingClient(null, null, null)) {
            assertThrows(IllegalStateException.class, c::refresh);
            assertThrows(IllegalStateException.class, () -> c.startAutoRefresh(Duration.ofMinutes(5)));
            c.stopAutoRefresh(); // not running: fine
        }
    }

    @Test
    void insecureNoncesGiveByteExactTokens() {
        byte[] nonces = bytes(24, 99);
        try (SharingClient c = sharing(KEYS_A)) {
            EncryptionDataResponse x = InsecureForTests.encryptWithNoncesInsecureForTests(c, RAW_UID, NOW, 0, nonces);
            EncryptionDataResponse y = InsecureForTests.encryptWithNoncesInsecureForTests(c, RAW_UID, NOW, 0, nonces);
            assertTrue(x.isSuccess(), x.toString());
            assertEquals(x.getEncryptedData(), y.getEncryptedData());
            assertNotEquals(x.getEncryptedData(), c.encryptRawUidIntoToken(RAW_UID, NOW).getEncryptedData());
            assertEquals(RAW_UID, c.decryptTokenIntoRawUid(x.getEncryptedData(), NOW).getUid());
            assertThrows(IllegalArgumentException.class,
                    () -> InsecureForTests.encryptWithNoncesInsecureForTests(c, RAW_UID, NOW, 0, new byte[23]));
        }
    }
}
