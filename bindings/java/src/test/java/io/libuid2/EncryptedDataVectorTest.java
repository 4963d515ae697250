package io.libuid2;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every case of every file in tests/vectors/encrypted-data (legacy encrypted data; schema in
 * tests/vectors/README.md), byte-exact, through the legacy client's data calls: encrypt cases with their
 * fixed IV (the key-id cases through the package's entry point, as no public request names a key),
 * decrypt cases through {@link UID2Client#decryptData(String)}.
 */
@SuppressWarnings("deprecation")
class EncryptedDataVectorTest {

    @TestFactory
    List<DynamicNode> vectors() throws IOException {
        List<DynamicNode> nodes = new ArrayList<>();
        for (Path f : VectorTest.vectorFiles("tests/vectors/encrypted-data")) nodes.add(fileNode(f));
        return nodes;
    }

    @SuppressWarnings("unchecked")
    static DynamicContainer fileNode(Path file) throws IOException {
        Map<String, Object> doc = (Map<String, Object>) Json.parse(new String(Files.readAllBytes(file), StandardCharsets.UTF_8));
        assertEquals("sharing", doc.get("client"));
        Object keys = doc.get("keys");
        List<DynamicNode> tests = new ArrayList<>();
        for (Map<String, Object> c : (List<Map<String, Object>>) doc.get("cases")) {
            tests.add(DynamicTest.dynamicTest((String) c.get("name"), () -> {
                try (UID2Client client = new UID2Client(null, null, null, IdentityScope.UID2)) {
                    if (keys != null) client.refreshJson(Json.write(keys));
                    runCase(client, c);
                }
            }));
        }
        return DynamicContainer.dynamicContainer(file.getFileName().toString(), tests);
    }

    @SuppressWarnings("unchecked")
    static void runCase(UID2Client client, Map<String, Object> c) throws Exception {
        Map<String, Object> expect = (Map<String, Object>) c.get("expect");
        String status = (String) expect.get("status");
        if ("encrypt_data".equals(c.get("op"))) {
            byte[] data = VectorTest.hex((String) c.get("data"));
            byte[] iv = VectorTest.hex((String) c.get("iv"));
            long nowMs = ((Number) c.get("now_ms")).longValue();
            Number siteId = (Number) c.get("site_id"), keyId = (Number) c.get("key_id");
            String token = (String) c.get("advertising_token");
            EncryptionDataResponse r;
            if (keyId != null) {
                r = client.client.encryptData(data, 0, null, keyId.longValue(), iv, nowMs);
            } else {
                EncryptionDataRequest req = EncryptionDataRequest.forData(data).withInitializationVector(iv)
                        .withNow(java.time.Instant.ofEpochMilli(nowMs));
                r = client.encryptData(siteId != null ? req.withSiteId(siteId.intValue()) : req.withAdvertisingToken(token));
            }
            assertEquals(status, r.getStatus().name());
            String encrypted = (String) expect.get("encrypted");
            assertEquals(encrypted.isEmpty() ? null : encrypted, r.getEncryptedData());
        } else {
            assertEquals("decrypt_data", c.get("op"));
            DecryptionDataResponse r = client.decryptData((String) c.get("encrypted"));
            assertEquals(status, r.getStatus().name());
            if (r.isSuccess()) {
                assertArrayEquals(VectorTest.hex((String) expect.get("data")), r.getDecryptedData());
                assertEquals(((Number) expect.get("encrypted_at_ms")).longValue(), r.getEncryptedAt().toEpochMilli());
            } else {
                assertNull(r.getDecryptedData());
            }
        }
    }
}
