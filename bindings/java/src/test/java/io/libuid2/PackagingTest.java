package io.libuid2;

import static org.junit.jupiter.api.Assertions.*;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What the jar promises its users: Java 8 class files (the build compiles with {@code --release 8}, which
 * also refuses any API newer than Java 8) and its version in the manifest.
 */
class PackagingTest {
    /** The jar (Bazel) or class directory (Maven, before packaging) io.libuid2 was loaded from. */
    static Path codeSource() throws Exception {
        return Paths.get(NativeClient.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    static int major(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        assertEquals(0xCAFEBABE, d.readInt());
        d.readUnsignedShort(); // minor
        return d.readUnsignedShort();
    }

    @Test
    void everyClassIsJava8Bytecode() throws Exception {
        Path src = codeSource();
        List<String> wrong = new ArrayList<>();
        int classes = 0;
        if (Files.isDirectory(src)) {
            try (Stream<Path> files = Files.walk(src)) {
                for (Path p : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class"))::iterator) {
                    classes++;
                    try (InputStream in = Files.newInputStream(p)) {
                        int m = major(in);
                        if (m != 52) wrong.add(p + ": " + m);
                    }
                }
            }
        } else {
            try (JarFile jar = new JarFile(src.toFile())) {
                assertNull(jar.getManifest().getMainAttributes().getValue("Multi-Release"));
                for (JarEntry e : java.util.Collections.list(jar.entries())) {
                    assertFalse(e.getName().endsWith("module-info.class"), e.getName());
                    if (!e.getName().endsWith(".class")) continue;
                    classes++;
                    try (InputStream in = jar.getInputStream(e)) {
                        int m = major(in);
                        if (m != 52) wrong.add(e.getName() + ": " + m);
                    }
                }
            }
        }
        assertTrue(classes > 20, classes + " classes in " + src);
        assertEquals(List.of(), wrong, "class files that Java 8 cannot load (52 is Java 8)");
    }

    @Test
    void theManifestCarriesTheVersion() throws Exception {
        Path src = codeSource();
        Attributes a;
        if (Files.isDirectory(src)) {
            // Maven runs the tests before it writes the jar; mvn's jar step writes the same attributes.
            Path mf = src.resolve("META-INF/MANIFEST.MF");
            org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(mf), "no jar yet");
            try (InputStream in = Files.newInputStream(mf)) {
                a = new java.util.jar.Manifest(in).getMainAttributes();
            }
        } else {
            try (JarFile jar = new JarFile(src.toFile())) {
                a = jar.getManifest().getMainAttributes();
            }
        }
        assertEquals(LibUid2.version(), a.getValue("Implementation-Version"), "the jar's version is libuid2's");
        assertEquals("libuid2", a.getValue("Implementation-Title"));
        assertEquals("io.libuid2", a.getValue("Automatic-Module-Name"));
    }
}
