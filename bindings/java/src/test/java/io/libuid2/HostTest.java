package io.libuid2;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Collections;
import org.junit.jupiter.api.Test;

/** The binding in its host process: loaded by the first client, not by class loading; a prompt exit. */
class HostTest {
    @Test
    void classLoadingDoesNotLoadTheLibraryTheFirstClientDoes() throws Exception {
        TestSupport.Run r = TestSupport.runJava(Collections.emptyList(), Collections.emptyMap(), 60,
                HostMain.class.getName(), "lazy");
        assertEquals(0, r.exitCode, r.output);
        assertTrue(r.output.contains("after class loading: libuid2 mapped=false"), r.output);
        assertTrue(r.output.contains("after the first client: libuid2 mapped=true"), r.output);
    }

    @Test
    void leavingMainWhileThreadsAreInsideLibuid2IsPrompt() throws Exception {
        exitsPromptly("return");
    }

    @Test
    void systemExitWhileThreadsAreInsideLibuid2IsPrompt() throws Exception {
        exitsPromptly("exit");
    }

    static void exitsPromptly(String how) throws Exception {
        long t0 = System.nanoTime();
        TestSupport.Run r = TestSupport.runJava(Collections.emptyList(), Collections.emptyMap(), 60,
                HostMain.class.getName(), how);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, r.exitCode, r.output);
        assertTrue(r.output.contains("leaving with threads inside libuid2"), r.output);
        assertTrue(seconds < 20, "took " + seconds + " s:\n" + r.output);
        System.out.printf("exit (%s) with 9 threads inside libuid2: %.2f s in all%n", how, seconds);
    }
}
