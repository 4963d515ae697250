package io.libuid2;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.Collections;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Go runtime and the JVM both handle SIGSEGV. Go's c-shared runtime installs its handlers in front and
 * forwards every signal that did not come from Go code to the JVM's (Go's own signal chaining), so the
 * JVM's implicit null checks, stack guard pages and safepoint polls keep working, and a Go panic from a
 * fault in Go code is still recovered. libjsig is deliberately NOT used: it puts the JVM's handler, which
 * lacks SA_ONSTACK, in front, and the Go runtime then aborts the process on the first recovered fault
 * ("non-Go code set up signal handler without SA_ONSTACK flag"); see README.md.
 *
 * <p>This runs StressMain under load in a JVM with -Xcheck:jni: it must exit 0 with correct results, and
 * -Xcheck:jni must report nothing but the expected "handler modified" notices (any JNI misuse by the shim
 * is reported as "WARNING in native method" or a FATAL ERROR, and fails the test).
 */
class SignalStressTest {
    @Test
    void goAndJvmSignalHandlingUnderLoadWithCheckJni() throws Exception {
        TestSupport.Run run = TestSupport.runJava(Arrays.asList("-Xcheck:jni", "-Xmx256m", "-Xss512k"),
                Collections.emptyMap(), StressMain.class.getName(), "8");
        String out = run.output;
        assertEquals(0, run.exitCode, out);
        Matcher m = Pattern.compile("stress: calls=(\\d+) bad=(\\d+) npe=(\\d+) soe=(\\d+) gcs=(\\d+)").matcher(out);
        assertTrue(m.find(), out);
        assertEquals("0", m.group(2), out);
        assertTrue(Long.parseLong(m.group(1)) > 10_000, out);
        assertFalse(out.contains("WARNING in native method"), out);
        assertFalse(out.contains("FATAL ERROR"), out);
        assertFalse(out.contains("fatal error"), out);
        for (String line : out.split("\n")) {
            // The only -Xcheck:jni output allowed: its one-time notices that Go's handlers are installed.
            if (line.startsWith("WARNING") || line.startsWith("Warning")) {
                assertTrue(line.contains("handler modified"), "unexpected: " + line + "\n" + out);
            }
        }
    }
}
