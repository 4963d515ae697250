package io.libuid2;

import static io.libuid2.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Null, empty, huge and non-ASCII input: a status or IllegalArgumentException, never a crash. */
class BadInputTest {
    static final Instant NOW = ApiTest.NOW;

    static List<String> badStrings() {
        char[] big = new char[1 << 20];
        Arrays.fill(big, 'A');
        return Arrays.asList(null, "", "A", "AAAA", "A4A", "\u0000", "A4\u0000AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                "\u00e9\u00e8\u00ea", "\u4e2d\u6587\u5b57\u7b26", "\ud83d\ude00\ud83d\ude00", "\ud800", // lone surrogate
                "A4AAAA\uffff", new String(big), "====", "-_-_-_-_", "AgAAAA" + "A".repeat(300));
    }

    @Test
    void decryptGivesAStatusForAnyToken() {
        EnumSet<DecryptionStatus> allowed = EnumSet.of(DecryptionStatus.INVALID_PAYLOAD,
                DecryptionStatus.VERSION_NOT_SUPPORTED, DecryptionStatus.NOT_AUTHORIZED_FOR_MASTER_KEY,
                DecryptionStatus.NOT_AUTHORIZED_FOR_KEY, DecryptionStatus.INVALID_IDENTITY_SCOPE);
        try (SharingClient s = ApiTest.sharing(KEYS_A);
             BidstreamClient b = new BidstreamClient(null, null, null);
             SharingClient empty = new SharingClient(null, null, null)) {
            assertTrue(b.refreshJson(bidstreamKeys(1, 2)).isSuccess());
            for (String t : badStrings()) {
                String label = t == null ? "null" : t.length() > 40 ? t.substring(0, 40) + "...(" + t.length() + ")" : t;
                DecryptionResponse d = s.decryptTokenIntoRawUid(t, NOW);
                assertTrue(allowed.contains(d.getStatus()), label + ": " + d);
                assertNull(d.getUid());
                for (String domain : badStrings()) {
                    DecryptionResponse x = b.decryptTokenIntoRawUid(t, domain, NOW);
                    assertTrue(allowed.contains(x.getStatus()), label + ": " + x);
                }
                assertEquals(DecryptionStatus.NOT_INITIALIZED, empty.decryptTokenIntoRawUid(t, NOW).getStatus());
            }
            List<DecryptionResponse> batch = s.decryptTokensIntoRawUids(badStrings(), NOW);
            assertEquals(badStrings().size(), batch.size());
            for (DecryptionResponse d : batch) assertTrue(allowed.contains(d.getStatus()), d.toString());
        }
    }

    @Test
    void encryptGivesAStatusForAnyRawUid() {
        try (SharingClient s = ApiTest.sharing(KEYS_A)) {
            for (String raw : badStrings()) {
                EncryptionDataResponse e = s.encryptRawUidIntoToken(raw, NOW);
                if (e.isSuccess()) {
                    // Valid base64 (e.g. "AAAA", or 1 MiB of 'A'): the same bytes must come back (as
                    // canonical, padded base64).
                    String back = s.decryptTokenIntoRawUid(e.getEncryptedData(), NOW).getUid();
                    assertArrayEquals(Base64.getDecoder().decode(raw), Base64.getDecoder().decode(back), raw.length() + "");
                } else {
                    assertEquals(EncryptionStatus.ENCRYPTION_FAILURE, e.getStatus(), String.valueOf(raw).length() + ": " + e);
                    assertNull(e.getEncryptedData());
                }
            }
            List<EncryptionDataResponse> batch = s.encryptRawUidsIntoTokens(badStrings(), NOW);
            for (int i = 0; i < batch.size(); i++) {
                assertEquals(s.encryptRawUidIntoToken(badStrings().get(i), NOW).getStatus(), batch.get(i).getStatus());
            }
        }
    }

    @Test
    void refreshJsonGivesAStatusForAnyJson() {
        try (SharingClient s = new SharingClient(null, null, null)) {
            for (String j : badStrings()) {
                if (j == null) continue;
                assertFalse(s.refreshJson(j).isSuccess(), String.valueOf(j.length()));
            }
            assertThrows(IllegalArgumentException.class, () -> s.refreshJson(null));
        }
    }

    @Test
    void programmerErrorsThrowIllegalArgumentException() {
        assertThrows(IllegalArgumentException.class, () -> new SharingClient("http://x", "k", "not a secret"));
        assertThrows(IllegalArgumentException.class, () -> new BidstreamClient("http://x", "k", "c2hvcnQ="));
        assertThrows(IllegalArgumentException.class, () -> new SharingClient("http://x\u0000y", "k", SECRET));
        try (SharingClient s = ApiTest.sharing(KEYS_A); BidstreamClient b = new BidstreamClient(null, null, null)) {
            assertThrows(IllegalArgumentException.class, () -> s.decryptTokenIntoRawUid("x", null));
            assertThrows(IllegalArgumentException.class, () -> s.encryptRawUidIntoToken(RAW_UID, null));
            assertThrows(IllegalArgumentException.class, () -> s.decryptTokenIntoRawUid("x", Instant.MAX));
            assertThrows(IllegalArgumentException.class, () -> s.decryptTokensIntoRawUids(null));
            assertThrows(IllegalArgumentException.class, () -> s.encryptRawUidsIntoTokens(null, NOW));
            assertThrows(IllegalArgumentException.class, () -> s.decryptTokensIntoRawUids(Collections.singletonList("x"), null));
            assertThrows(IllegalArgumentException.class, () -> b.decryptTokenIntoRawUid("x", "d", null));
            assertThrows(IllegalArgumentException.class, () -> s.startAutoRefresh(Duration.ofSeconds(-1)));
            assertThrows(IllegalArgumentException.class, () -> s.refresh(Duration.ZERO));
            assertThrows(IllegalArgumentException.class, () -> s.startAutoRefresh(Duration.ofDays(400)));
        }
        // The client is still usable after all of that, and nothing leaked.
        try (SharingClient s = ApiTest.sharing(KEYS_A)) {
            assertTrue(s.encryptRawUidIntoToken(RAW_UID, NOW).isSuccess());
        }
    }

    @Test
    void largeBatchesOfMalformedTokens() {
        try (SharingClient s = ApiTest.sharing(KEYS_A)) {
            List<String> tokens = new ArrayList<>();
            String good = s.encryptRawUidIntoToken(RAW_UID, NOW).getEncryptedData();
            for (int i = 0; i < 5000; i++) tokens.add(i % 3 == 0 ? good : good.substring(0, i % good.length()));
            List<DecryptionResponse> r = s.decryptTokensIntoRawUids(tokens, NOW);
            for (int i = 0; i < tokens.size(); i++) {
                if (i % 3 == 0) assertEquals(RAW_UID, r.get(i).getUid());
                else assertNotEquals(DecryptionStatus.SUCCESS, r.get(i).getStatus());
            }
        }
    }
}
