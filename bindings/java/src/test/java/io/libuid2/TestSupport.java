package io.libuid2;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Fixtures shared by the tests: key JSON, paths, the key test server, child JVMs. */
final class TestSupport {
    private TestSupport() {}

    static final int CALLER_SITE = 123;
    static final int MASTER_KEYSET = 9999999;
    static final int DEFAULT_KEYSET = 99999;
    static final long ACTIVATES = 1609459200L; // 2021-01-01
    static final long EXPIRES = 4102444800L;   // 2100-01-01
    static final String RAW_UID = "ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=";
    static final String API_KEY = "test-api-key";
    static final String SECRET = Base64.getEncoder().encodeToString(bytes(32, 7));

    /** n bytes, deterministic per seed. */
    static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (seed * 37 + i * 11);
        return b;
    }

    /** One key of a key response; the secret is derived from the id. */
    static String key(int id, Integer keysetId, long activates, long expires) {
        return "{\"id\":" + id + (keysetId == null ? "" : ",\"keyset_id\":" + keysetId)
                + ",\"created\":" + activates + ",\"activates\":" + activates + ",\"expires\":" + expires
                + ",\"secret\":\"" + Base64.getEncoder().encodeToString(bytes(32, id)) + "\"}";
    }

    /** A /v2/key/sharing response: master key masterId, site key siteKeyId in the default keyset. */
    static String sharingKeys(int masterId, int siteKeyId) {
        return sharingKeys(key(masterId, MASTER_KEYSET, ACTIVATES, EXPIRES),
                key(siteKeyId, DEFAULT_KEYSET, ACTIVATES, EXPIRES));
    }

    static String sharingKeys(String... keys) {
        return "{\"body\":{\"caller_site_id\":" + CALLER_SITE + ",\"master_keyset_id\":" + MASTER_KEYSET
                + ",\"default_keyset_id\":" + DEFAULT_KEYSET + ",\"token_expiry_seconds\":\"2592000\","
                + "\"identity_scope\":\"UID2\",\"allow_clock_skew_seconds\":1800,\"keys\":["
                + String.join(",", keys) + "]}}";
    }

    /** A /v2/key/bidstream response with the same secrets (no keyset ids) and site_data. */
    static String bidstreamKeys(int... ids) {
        List<String> keys = new ArrayList<>();
        for (int id : ids) keys.add(key(id, null, ACTIVATES, EXPIRES));
        return "{\"body\":{\"identity_scope\":\"UID2\",\"allow_clock_skew_seconds\":1800,"
                + "\"max_bidstream_lifetime_seconds\":2592010,\"keys\":[" + String.join(",", keys) + "],"
                + "\"site_data\":[{\"id\":" + CALLER_SITE + ",\"domain_names\":[\"example.com\"]}]}}";
    }

    static final String KEYS_A = sharingKeys(1, 2);
    static final String KEYS_B = sharingKeys(3, 4);

    static Path repoRoot() {
        String p = System.getProperty("uid2.repoRoot", System.getenv("UID2_REPO_ROOT"));
        if (p != null && !p.isEmpty()) return Paths.get(p).toAbsolutePath().normalize();
        for (Path d = Paths.get("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("capi/uid2.h"))) return d;
        }
        throw new IllegalStateException("cannot find the repository root (set -Duid2.repoRoot)");
    }

    static Path scratch() throws IOException {
        String p = System.getProperty("uid2.scratch", System.getenv("TEST_TMPDIR"));
        Path d = p != null && !p.isEmpty() ? Paths.get(p) : Paths.get(System.getProperty("java.io.tmpdir"), "libuid2-java-tests");
        Files.createDirectories(d);
        return d;
    }

    /** Resident set size of this process, in KiB. */
    static long rssKiB() throws IOException {
        for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        throw new IllegalStateException("no VmRSS");
    }

    // ---- the key test server (go/cmd/uid2-testserver) ----------------------------------------------

    private static Path testServerBinary;

    /** UID2_TESTSERVER, else built once with go build; null if its source is not in the tree. */
    static synchronized Path testServerBinary() throws IOException, InterruptedException {
        if (testServerBinary != null) return testServerBinary;
        String env = System.getenv("UID2_TESTSERVER");
        if (env != null && !env.isEmpty()) return testServerBinary = Paths.get(env);
        Path src = repoRoot().resolve("go/cmd/uid2-testserver");
        if (!Files.isDirectory(src)) return null;
        Path out = scratch().resolve("uid2-testserver");
        String go = new File("/usr/local/go/bin/go").canExecute() ? "/usr/local/go/bin/go" : "go";
        ProcessBuilder pb = new ProcessBuilder(go, "build", "-o", out.toString(), "./cmd/uid2-testserver")
                .directory(repoRoot().resolve("go").toFile()).redirectErrorStream(true);
        Process p = pb.start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IllegalStateException("go build uid2-testserver failed:\n" + log);
        return testServerBinary = out;
    }

    /** A running uid2-testserver on a loopback port. */
    static final class TestServer implements AutoCloseable {
        final Process process;
        final String url;

        TestServer(Path binary, String keysJson) throws IOException {
            Path keys = Files.createTempFile(scratch(), "keys", ".json");
            Files.write(keys, keysJson.getBytes(StandardCharsets.UTF_8));
            process = new ProcessBuilder(binary.toString(), "--keys", keys.toString(), "--api-key", API_KEY,
                    "--secret", SECRET, "--listen", "127.0.0.1:0")
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String line = r.readLine();
            Files.deleteIfExists(keys);
            if (line == null || !line.startsWith("http://")) {
                process.destroy();
                throw new IllegalStateException("uid2-testserver did not print its URL: " + line);
            }
            url = line.trim();
        }

        void setKeys(String json) throws IOException { post("/test/keys", json); }

        /** 500, garbage, wrong-nonce, wrong-secret, slow, or none. */
        void fail(String mode) throws IOException { post("/test/fail?mode=" + mode, ""); }

        private void post(String path, String body) throws IOException {
            HttpURLConnection c = (HttpURLConnection) new URL(url + path).openConnection();
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            try (OutputStream o = c.getOutputStream()) {
                o.write(body.getBytes(StandardCharsets.UTF_8));
            }
            int code = c.getResponseCode();
            c.getInputStream().readAllBytes();
            if (code / 100 != 2) throw new IOException("POST " + path + ": HTTP " + code);
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---- child JVMs -----------------------------------------------------------------------------------

    static final class Run {
        final int exitCode;
        final String output;

        Run(int exitCode, String output) {
            this.exitCode = exitCode;
            this.output = output;
        }
    }

    /** Runs mainClass in a new JVM with this test class path, the given JVM options and environment additions. */
    static Run runJava(List<String> jvmOptions, java.util.Map<String, String> env, String mainClass,
                       String... args) throws IOException, InterruptedException {
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(cp);
        cmd.add(mainClass);
        for (String a : args) cmd.add(a);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("UID2_LIBRARY_PATH");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Run(-1, out + "\n(timed out)");
        }
        return new Run(p.exitValue(), out);
    }
}
