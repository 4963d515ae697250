package io.libuid2;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Go runtime and the JVM both handle SIGSEGV. Without libjsig, Go's c-shared runtime installs its handlers
 * in front and forwards every signal that did not come from Go code to the JVM's (Go's own chaining). With
 * libjsig preloaded, the JVM's handlers stay in front and chain to Go's for signals in Go code (the JNI shim
 * gives them SA_ONSTACK, which Go's handler needs; see uid2_jni.c). Either way the JVM's implicit null
 * checks, stack guard pages and safepoint polls keep working and every libuid2 result is right.
 *
 * <p>Each test runs StressMain in a JVM of its own for {@code uid2.stress.seconds} (8 by default; Bazel's
 * stress targets run 30) and checks its results and its output: -Xcheck:jni may report nothing but its
 * notices that Go replaced the JVM's handlers (any JNI misuse by the shim shows up as "WARNING in native
 * method" or a FATAL ERROR). With libjsig the JVM trusts the chain and does not check its handlers at all, so
 * there -Xcheck:jni checks only the shim's JNI use. A child that hangs is killed with a thread dump.
 */
class SignalStressTest {
    static final long SECONDS = Long.getLong("uid2.stress.seconds", 8);

    @Test
    void withoutLibjsig() throws Exception {
        stress(Collections.emptyList(), Collections.emptyMap(), false);
    }

    @Test
    void withoutLibjsigUnderCheckJni() throws Exception {
        stress(Collections.singletonList("-Xcheck:jni"), Collections.emptyMap(), true);
    }

    @Test
    void withLibjsigUnderCheckJni() throws Exception {
        assumeTrue(java.nio.file.Files.isRegularFile(TestSupport.libjsig()), "this JDK has no " + TestSupport.libjsig());
        stress(Collections.singletonList("-Xcheck:jni"),
                Collections.singletonMap("LD_PRELOAD", TestSupport.libjsig().toString()), false);
    }

    /** Runs StressMain and checks it; handlerNotices: -Xcheck:jni's notices about Go's handlers are allowed. */
    static String stress(List<String> options, Map<String, String> env, boolean handlerNotices) throws Exception {
        List<String> jvm = new ArrayList<>(Arrays.asList("-Xmx256m", "-Xss512k"));
        jvm.addAll(options);
        TestSupport.Run run = TestSupport.runJava(jvm, env, SECONDS + 90, StressMain.class.getName(),
                Long.toString(SECONDS));
        String out = run.output;
        assertEquals(0, run.exitCode, out);
        Matcher m = Pattern.compile("stress: calls=(\\d+) bad=(\\d+) npe=(\\d+) soe=(\\d+) gcs=(\\d+)").matcher(out);
        assertTrue(m.find(), out);
        assertEquals("0", m.group(2), out);
        assertTrue(Long.parseLong(m.group(1)) > 10_000, out);
        assertTrue(Long.parseLong(m.group(5)) >= 10 * SECONDS, "garbage collections: " + m.group(5) + "\n" + out);
        assertFalse(out.contains("WARNING in native method"), out);
        assertFalse(out.contains("FATAL ERROR"), out);
        assertFalse(out.contains("fatal error"), out);
        for (String line : out.split("\n")) {
            if (line.startsWith("WARNING") || line.startsWith("Warning")) {
                assertTrue(handlerNotices && line.contains("handler modified"), "unexpected: " + line + "\n" + out);
            }
        }
        System.out.println(out.substring(m.start(), out.indexOf('\n', m.start())) + " " + options + " " + env);
        return out;
    }
}
