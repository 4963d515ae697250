package io.libuid2;

import static io.libuid2.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The README's Java examples, as written: each block after a {@code <!-- readme-example: NAME -->} line
 * is compiled for Java 8 against the jar, inside a method whose parameters are the names the example
 * uses (baseUrl, clientApiKey, base64SecretKey, token, rawUid) and with the use(uid) it calls, then run
 * against the local key service. The raw UID it hands to use() must be the token's.
 */
class ReadmeExamplesTest {

    static String example(String name) throws Exception {
        List<String> lines = Files.readAllLines(repoRoot().resolve("bindings/java/README.md"), StandardCharsets.UTF_8);
        int i = lines.indexOf("<!-- readme-example: " + name + " -->");
        assertTrue(i >= 0 && lines.get(i + 1).equals("```java"), "no example " + name + " in the README");
        StringBuilder b = new StringBuilder();
        for (int j = i + 2; !lines.get(j).equals("```"); j++) b.append(lines.get(j)).append('\n');
        return b.toString();
    }

    /** Compiles the example into a class and runs it; returns what it passed to use(). */
    static String run(String name, String baseUrl, String apiKey, String secret, String token) throws Exception {
        StringBuilder imports = new StringBuilder(), body = new StringBuilder();
        for (String line : example(name).split("\n")) (line.startsWith("import ") ? imports : body).append(line).append('\n');
        String cls = "ReadmeExample_" + name;
        String src = imports + "public class " + cls + " {\n"
                + "    static String used;\n"
                + "    static void use(String uid) { used = uid; }\n"
                + "    public static String run(String baseUrl, String clientApiKey, String base64SecretKey, String token,\n"
                + "                             String rawUid) throws Exception {\n"
                + body + "        return used;\n    }\n}\n";
        Path dir = Files.createTempDirectory(scratch(), "readme");
        Path file = dir.resolve(cls + ".java");
        Files.write(file, src.getBytes(StandardCharsets.UTF_8));
        Path jar = Paths.get(NativeClient.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int rc = javac.run(null, null, null, "--release", "8", "-Xlint:all", "-Werror", "-cp", jar.toString(),
                "-d", dir.toString(), file.toString());
        assertEquals(0, rc, "the README example '" + name + "' does not compile:\n" + src);
        // The test's class loader as parent: io.libuid2 (and the native library) are loaded once.
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, ReadmeExamplesTest.class.getClassLoader())) {
            Method m = loader.loadClass(cls).getMethod("run", String.class, String.class, String.class, String.class, String.class);
            return (String) m.invoke(null, baseUrl, apiKey, secret, token, RAW_UID);
        }
    }

    @Test
    void theExamplesRunAsWritten() throws Exception {
        try (Sharing sites = new Sharing()) {
            String token = sites.senderToken();
            assertEquals(RAW_UID, run("bidstream", sites.service.url, sites.bidder.apiKey, sites.bidder.secret, token));
            assertEquals(RAW_UID, run("sharing", sites.service.url, sites.sender.apiKey, sites.sender.secret, token));
        }
    }
}
