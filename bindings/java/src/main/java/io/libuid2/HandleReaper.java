package io.libuid2;

import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;
import java.util.Collections;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Frees the native handle of a client once, either when it is closed or, for a client that was never
 * closed, once it has become unreachable: a phantom reference per client and one daemon thread that waits
 * on their queue (java.lang.ref.Cleaner, which does the same, is Java 9+).
 */
final class HandleReaper {
    private HandleReaper() {}

    private static final ReferenceQueue<Object> QUEUE = new ReferenceQueue<>();

    /** Keeps every registered reference itself reachable until its handle is freed. */
    private static final Set<Handle> LIVE = Collections.newSetFromMap(new ConcurrentHashMap<>());

    static {
        Thread t = new Thread(HandleReaper::reap, "libuid2-reaper");
        t.setDaemon(true);
        t.start();
    }

    /** A client's handle; holds no strong reference to the client, so the client can become unreachable. */
    static final class Handle extends PhantomReference<Object> {
        final long value;
        private final AtomicBoolean freed = new AtomicBoolean();

        private Handle(Object owner, long value) {
            super(owner, QUEUE);
            this.value = value;
        }

        /** Frees the native client, the first time only; later calls do nothing. */
        void free() {
            if (!freed.compareAndSet(false, true)) return;
            LIVE.remove(this);
            clear();
            Native.clientFree(value);
        }
    }

    /** Registers owner's handle, to be freed when owner becomes phantom reachable (unless freed before). */
    static Handle register(Object owner, long handle) {
        Handle h = new Handle(owner, handle);
        LIVE.add(h);
        return h;
    }

    private static void reap() {
        while (true) {
            try {
                ((Handle) QUEUE.remove()).free();
            } catch (InterruptedException e) {
                // Nobody should interrupt this thread; it must outlive such mistakes.
            }
        }
    }
}
