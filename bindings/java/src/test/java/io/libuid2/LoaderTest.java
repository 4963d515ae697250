package io.libuid2;

import static org.junit.jupiter.api.Assertions.*;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import org.junit.jupiter.api.Test;

/** The lookup order of NativeLoader, each in a fresh JVM: the jar, UID2_LIBRARY_PATH, java.library.path. */
class LoaderTest {
    static final String RES = "/io/libuid2/native/" + NativeLoader.platform() + "/";

    /** The native files the jar carries, copied to a new directory. */
    static Path copyNatives(String libName) throws Exception {
        Path dir = Files.createTempDirectory(TestSupport.scratch(), "natives");
        for (String[] f : new String[][] {{"libuid2.so", libName}, {"libuid2jni.so", "libuid2jni.so"}}) {
            try (InputStream in = LoaderTest.class.getResourceAsStream(RES + f[0])) {
                assertNotNull(in, "resource " + RES + f[0]);
                Files.copy(in, dir.resolve(f[1]));
            }
        }
        return dir;
    }

    @Test
    void fromTheJarByDefault() throws Exception {
        TestSupport.Run r = TestSupport.runJava(Collections.emptyList(), Collections.emptyMap(), LoaderMain.class.getName());
        assertEquals(0, r.exitCode, r.output);
        assertTrue(r.output.contains("loaded: library=jar:" + NativeLoader.platform()), r.output);
    }

    @Test
    void uid2LibraryPathWins() throws Exception {
        Path dir = copyNatives("custom-name.so");
        String lib = dir.resolve("custom-name.so").toString();
        TestSupport.Run r = TestSupport.runJava(Collections.emptyList(),
                Collections.singletonMap("UID2_LIBRARY_PATH", lib), LoaderMain.class.getName());
        assertEquals(0, r.exitCode, r.output);
        assertTrue(r.output.contains("loaded: library=" + lib + " shim=jar:"), r.output);
        r = TestSupport.runJava(Arrays.asList("-Duid2.library.path=" + lib), Collections.emptyMap(), LoaderMain.class.getName());
        assertEquals(0, r.exitCode, r.output);
        assertTrue(r.output.contains("loaded: library=" + lib), r.output);
    }

    @Test
    void javaLibraryPathWhenItHasTheShim() throws Exception {
        Path dir = copyNatives("libuid2.so");
        TestSupport.Run r = TestSupport.runJava(Arrays.asList("-Djava.library.path=" + dir), Collections.emptyMap(),
                LoaderMain.class.getName());
        assertEquals(0, r.exitCode, r.output);
        assertTrue(r.output.contains("loaded: library=" + dir.resolve("libuid2.so") + " shim=" + dir.resolve("libuid2jni.so")), r.output);
        // Only the shim there: it finds libuid2.so.1 beside itself (RUNPATH $ORIGIN).
        Path dir2 = copyNatives("libuid2.so.1");
        r = TestSupport.runJava(Arrays.asList("-Djava.library.path=" + dir2), Collections.emptyMap(), LoaderMain.class.getName());
        assertEquals(0, r.exitCode, r.output);
        assertTrue(r.output.contains("shim=" + dir2.resolve("libuid2jni.so")), r.output);
    }

    @Test
    void aMissingExplicitLibraryIsAnUnsatisfiedLinkError() throws Exception {
        TestSupport.Run r = TestSupport.runJava(Collections.emptyList(),
                Collections.singletonMap("UID2_LIBRARY_PATH", "/nonexistent/libuid2.so"), LoaderMain.class.getName());
        assertNotEquals(0, r.exitCode, r.output);
        assertTrue(r.output.contains("UnsatisfiedLinkError"), r.output);
    }
}
