package io.libuid2;

import static io.libuid2.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import example.DspSample;
import example.LegacySample;
import example.SharerSample;
import example.UserCode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The samples in samples/ are written for the official SDK (import com.uid2.client.*); the build renames
 * the package to io.libuid2 and nothing else, compiles them against libuid2's jar, and this test runs them
 * against the local key service, expecting what the official SDK does.
 */
@SuppressWarnings("deprecation")
class CompatSamplesTest {

    @Test
    void dspSample() throws Exception {
        try (Sharing sites = new Sharing()) {
            String token = sites.senderToken();
            DspSample dsp = new DspSample(sites.service.url, sites.bidder.apiKey, sites.bidder.secret);
            assertTrue(dsp.refreshKeys());
            assertEquals(RAW_UID, dsp.rawUidOf(token, "example.com"));
            assertNull(dsp.rawUidOf("not a token", "example.com"));
            assertFalse(new DspSample(sites.service.url, "wrong-key", sites.bidder.secret).refreshKeys());
        }
    }

    @Test
    void sharerSample() throws Exception {
        try (Sharing sites = new Sharing()) {
            SharerSample sender = new SharerSample(sites.service.url, sites.sender.apiKey, sites.sender.secret);
            SharerSample receiver = new SharerSample(sites.service.url, sites.receiver.apiKey, sites.receiver.secret);
            Participant stranger = sites.service.participant("stranger", List.of("advertiser"), List.of("sharer"), List.of());
            SharerSample other = new SharerSample(sites.service.url, stranger.apiKey, stranger.secret);
            assertTrue(sender.refreshKeys() && receiver.refreshKeys() && other.refreshKeys());
            String token = sender.tokenFor(RAW_UID);
            assertNotNull(token);
            assertEquals(RAW_UID, receiver.rawUidOf(token));
            assertEquals(DecryptionStatus.NOT_AUTHORIZED_FOR_KEY, other.statusOf(token));
            assertNull(sender.tokenFor("not base64!"));
        }
    }

    @Test
    void legacySample() throws Exception {
        try (Sharing sites = new Sharing()) {
            String token = sites.senderToken();
            LegacySample legacy = new LegacySample(sites.service.url, sites.receiver.apiKey, sites.receiver.secret);
            assertNull(legacy.refresh());
            assertEquals(RAW_UID, legacy.rawUidOf(token));
            assertEquals(RAW_UID, legacy.rawUidOf(legacy.tokenFor(RAW_UID)));
            String failure = new LegacySample(sites.service.url, "wrong-key", sites.receiver.secret).refresh();
            assertTrue(failure != null && failure.contains("401"), failure);
        }
        // Legacy encrypted data, for the site of a token, with a legacy key array (keys that name their site).
        String keys = "{\"body\":[" + LegacyClientTest.siteKey(1, -1) + "," + LegacyClientTest.siteKey(2, CALLER_SITE) + "]}";
        String token;
        try (SharingClient s = new SharingClient(null, null, null)) {
            assertTrue(s.refreshJson(KEYS_A).isSuccess()); // the same secrets: a token of CALLER_SITE
            token = s.encryptRawUidIntoToken(RAW_UID).getEncryptedData();
        }
        byte[] data = "a cookie".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(data, LegacySample.withKeys(keys, SECRET).sealAndOpen(data, token));
    }

    @Test
    void userCodeOverEnumsAndResults() throws Exception {
        assertEquals("unauthorized", UserCode.label(DecryptionStatus.NOT_AUTHORIZED_FOR_KEY));
        assertEquals("no master key", UserCode.label(EncryptionStatus.NOT_AUTHORIZED_FOR_MASTER_KEY));
        // Ordinals as the official enums have them (a stored ordinal means the same status).
        assertEquals(EncryptionStatus.NOT_AUTHORIZED_FOR_MASTER_KEY, UserCode.encryptionStatusFromColumn(1));
        assertEquals(EncryptionStatus.NOT_AUTHORIZED_FOR_KEY, UserCode.encryptionStatusFromColumn(2));
        assertEquals(EncryptionStatus.ENCRYPTION_FAILURE, UserCode.encryptionStatusFromColumn(7));
        assertEquals(DecryptionStatus.NOT_AUTHORIZED_FOR_MASTER_KEY, UserCode.decryptionStatusFromColumn(1));
        assertEquals(DecryptionStatus.DOMAIN_OR_APP_NAME_CHECK_FAILED, UserCode.decryptionStatusFromColumn(11));
        assertEquals(IdentityType.Phone, UserCode.typeFromWire(1));
        assertEquals(IdentityScope.EUID, UserCode.scopeFromWire(1));
        try (SharingClient s = new SharingClient(null, null, null)) {
            s.refreshJson(KEYS_A);
            DecryptionResponse d = s.decryptTokenIntoRawUid(s.encryptRawUidIntoToken(RAW_UID).getEncryptedData());
            assertTrue(UserCode.isV4(d));
        }
        UserCode.FakeClient fake = new UserCode.FakeClient();
        fake.refresh();
        assertEquals(1, fake.refreshes);
        assertEquals(DecryptionStatus.INVALID_PAYLOAD, fake.decryptData("").getStatus());
        assertEquals(Instant.EPOCH, fake.decryptData("x").getEncryptedAt());
    }
}
