package io.libuid2.conformance;

import static io.libuid2.conformance.Canonical.ms;
import static io.libuid2.conformance.Canonical.orZero;
import static io.libuid2.conformance.Canonical.str;

import io.libuid2.BidstreamClient;
import io.libuid2.DecryptionResponse;
import io.libuid2.EncryptionDataResponse;
import io.libuid2.IdentityType;
import io.libuid2.InsecureForTests;
import io.libuid2.RefreshResponse;
import io.libuid2.SharingClient;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The Java conformance driver: runs the vectors (and the round trip) through io.libuid2. See ../README.md. */
public final class Driver {
    private Driver() {}

    // ---- canonical output (Canonical.java) ------------------------------------------------

    static String decrypted(DecryptionResponse r) {
        IdentityType type = r.getIdentityType();
        return "{\"established_ms\":" + ms(r.getEstablished()) + ",\"expiry_ms\":" + ms(r.getExpiry())
                + ",\"identity_scope\":" + str(r.getIdentityScope().name())
                + ",\"identity_type\":" + (type == null ? "null" : type == IdentityType.Email ? "\"EMAIL\"" : "\"PHONE\"")
                + ",\"is_client_side_generated\":" + r.getIsClientSideGenerated()
                + ",\"site_id\":" + orZero(r.getSiteId()) + ",\"site_key_site_id\":" + orZero(r.getSiteKeySiteId())
                + ",\"status\":" + str(r.getStatus().name())
                + ",\"uid\":" + str(r.getUid() == null ? "" : r.getUid())
                + ",\"version\":" + orZero(r.getAdvertisingTokenVersion()) + "}";
    }

    static String encrypted(EncryptionDataResponse r) {
        String token = r.getEncryptedData();
        return "{\"status\":" + str(r.getStatus().name()) + ",\"token\":" + str(token == null ? "" : token) + "}";
    }

    // ---- a minimal JSON reader --------------------------------------------------------------

    /** Objects become LinkedHashMap, arrays ArrayList, integers Long, other numbers Double; a value's text is kept for "keys". */
    static final class Reader {
        final String s;
        int i;
        final Map<Object, String> text = new java.util.IdentityHashMap<>();

        Reader(String s) { this.s = s; }

        void ws() { while (i < s.length() && " \n\r\t".indexOf(s.charAt(i)) >= 0) i++; }

        Object value() {
            ws();
            int start = i;
            char c = s.charAt(i);
            Object v;
            if (c == '{') {
                Map<String, Object> m = new LinkedHashMap<>();
                for (i++, ws(); s.charAt(i) != '}'; ws()) {
                    String k = string();
                    ws();
                    i++; // :
                    m.put(k, value());
                    ws();
                    if (s.charAt(i) == ',') i++;
                }
                i++;
                v = m;
            } else if (c == '[') {
                List<Object> a = new ArrayList<>();
                for (i++, ws(); s.charAt(i) != ']'; ws()) {
                    a.add(value());
                    ws();
                    if (s.charAt(i) == ',') i++;
                }
                i++;
                v = a;
            } else if (c == '"') {
                v = string();
            } else if (s.startsWith("null", i)) {
                i += 4;
                v = null;
            } else if (s.startsWith("true", i) || s.startsWith("false", i)) {
                v = s.charAt(i) == 't';
                i += (Boolean) v ? 4 : 5;
            } else {
                // Key JSON may write integers as 259200.0: such a number is kept as a Double.
                while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
                String t = s.substring(start, i);
                v = t.matches("-?[0-9]+") ? (Object) Long.parseLong(t) : (Object) Double.parseDouble(t);
            }
            if (v != null) text.put(v, s.substring(start, i));
            return v;
        }

        String string() {
            StringBuilder b = new StringBuilder();
            for (i++; s.charAt(i) != '"'; i++) {
                char c = s.charAt(i);
                if (c != '\\') { b.append(c); continue; }
                char e = s.charAt(++i);
                switch (e) {
                    case 'n': b.append('\n'); break;
                    case 'r': b.append('\r'); break;
                    case 't': b.append('\t'); break;
                    case 'b': b.append('\b'); break;
                    case 'f': b.append('\f'); break;
                    case 'u': b.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16)); i += 4; break;
                    default: b.append(e);
                }
            }
            i++;
            return b.toString();
        }
    }

    // ---- modes ----------------------------------------------------------------------------------

    static void load(RefreshResponse r) {
        if (!r.isSuccess()) throw new IllegalStateException("keys not loaded: " + r.getReason());
    }

    static byte[] hex(String h) {
        byte[] b = new byte[h.length() / 2];
        for (int j = 0; j < b.length; j++) b[j] = (byte) Integer.parseInt(h.substring(2 * j, 2 * j + 2), 16);
        return b;
    }

    @SuppressWarnings("unchecked")
    static void runVectors(Path dir, Writer out) throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().collect(Collectors.toList());
        }
        for (Path file : files) {
            Reader reader = new Reader(Files.readString(file, StandardCharsets.UTF_8));
            Map<String, Object> v = (Map<String, Object>) reader.value();
            boolean sharing = "sharing".equals(v.get("client"));
            try (SharingClient sc = new SharingClient(null, null, null);
                 BidstreamClient bc = new BidstreamClient(null, null, null)) {
                Object keys = v.get("keys");
                if (keys != null) load(sharing ? sc.refreshJson(reader.text.get(keys)) : bc.refreshJson(reader.text.get(keys)));
                for (Object o : (List<Object>) v.get("cases")) {
                    Map<String, Object> c = (Map<String, Object>) o;
                    Instant now = Instant.ofEpochMilli((Long) c.get("now_ms"));
                    String result;
                    if ("encrypt".equals(c.get("op"))) {
                        Long keyset = (Long) c.get("keyset_id");
                        result = encrypted(InsecureForTests.encryptWithNoncesInsecureForTests(sc, (String) c.get("raw_uid"),
                                now, keyset == null ? 0 : keyset, hex((String) c.get("nonces"))));
                    } else if (sharing) {
                        result = decrypted(sc.decryptTokenIntoRawUid((String) c.get("token"), now));
                    } else {
                        result = decrypted(bc.decryptTokenIntoRawUid((String) c.get("token"), (String) c.get("domain"), now));
                    }
                    out.write("{\"case\":" + str((String) c.get("name")) + ",\"file\":" + str(file.getFileName().toString())
                            + ",\"result\":" + result + "}\n");
                }
            }
        }
    }

    /** A client with the keys of a key file, or refreshed over HTTP from a key service's base URL
     *  with the API key and secret in UID2_API_KEY and UID2_SECRET_KEY. */
    static SharingClient sharingClientFor(String keys) throws IOException {
        if (keys.startsWith("http://") || keys.startsWith("https://")) {
            SharingClient client = new SharingClient(keys, System.getenv("UID2_API_KEY"), System.getenv("UID2_SECRET_KEY"));
            load(client.refresh());
            return client;
        }
        SharingClient client = new SharingClient(null, null, null);
        load(client.refreshJson(Files.readString(Paths.get(keys), StandardCharsets.UTF_8)));
        return client;
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 3) throw new IllegalArgumentException("usage: vectors DIR OUT | encrypt KEYS IN OUT | decrypt KEYS IN OUT | bidstream URL IN OUT");
        try (Writer out = Files.newBufferedWriter(Paths.get(args[args.length - 1]), StandardCharsets.US_ASCII)) {
            if (args[0].equals("vectors")) {
                runVectors(Paths.get(args[1]), out);
                return;
            }
            if (args[0].equals("bidstream")) {
                // A DSP decrypts bid requests' tokens with keys refreshed from a key service's URL
                // (no domain: tokens generated server-side carry none to check).
                try (BidstreamClient client = new BidstreamClient(args[1], System.getenv("UID2_API_KEY"), System.getenv("UID2_SECRET_KEY"))) {
                    load(client.refresh());
                    for (String line : Files.readAllLines(Paths.get(args[2]), StandardCharsets.UTF_8)) {
                        out.write(decrypted(client.decryptTokenIntoRawUid(line, null)));
                        out.write("\n");
                    }
                }
                return;
            }
            try (SharingClient client = sharingClientFor(args[1])) {
                for (String line : Files.readAllLines(Paths.get(args[2]), StandardCharsets.UTF_8)) {
                    // The real clock and, for encrypt, the real nonce source.
                    out.write(args[0].equals("encrypt") ? encrypted(client.encryptRawUidIntoToken(line))
                            : decrypted(client.decryptTokenIntoRawUid(line)));
                    out.write("\n");
                }
            }
        }
    }
}
