package io.libuid2;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Collections;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A fault inside libuid2's Go code (which only a bug in libuid2 would cause) comes back as INTERNAL_ERROR,
 * and SIGPIPE and SIGXFSZ arriving while a thread runs Go code change nothing (Go's HTTP refresh can raise
 * SIGPIPE writing to a closed socket); the JVM carries on, with and without libjsig. With libjsig preloaded
 * the JVM's handlers for these signals are in front and chain to Go's; without SA_ONSTACK on them (which the
 * JNI shim adds) Go aborts the process: "fatal error: non-Go code set up signal handler without SA_ONSTACK
 * flag". Needs the test-only JNI library (uid2.faultjni, built by Bazel; skipped elsewhere).
 */
class FaultTest {
    static String faultLibrary() {
        String p = System.getProperty("uid2.faultjni", "");
        assumeTrue(!p.isEmpty(), "uid2.faultjni (the test-only JNI library) is not set");
        return p;
    }

    static void faults(Map<String, String> env) throws Exception {
        TestSupport.Run r = TestSupport.runJava(Collections.emptyList(), env, 120, FaultMain.class.getName(),
                faultLibrary(), "2000");
        assertEquals(0, r.exitCode, r.output);
        assertTrue(r.output.contains("faults: internal=8000 other=0 bad=0 npe=8000"), r.output);
    }

    @Test
    void aGoFaultIsRecoveredWithoutLibjsig() throws Exception {
        faults(Collections.emptyMap());
    }

    @Test
    void aGoFaultIsRecoveredWithLibjsig() throws Exception {
        assumeTrue(java.nio.file.Files.isRegularFile(TestSupport.libjsig()), "this JDK has no " + TestSupport.libjsig());
        faults(Collections.singletonMap("LD_PRELOAD", TestSupport.libjsig().toString()));
    }
}
