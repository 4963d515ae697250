package io.libuid2;

import java.time.Instant;

/** What a client knows about its keys and refreshes (from {@code uid2_refresh_state_get}). */
public final class RefreshState {
    private final Instant lastSuccess;
    private final Instant lastFailure;
    private final int consecutiveFailures;
    private final boolean autoRefreshRunning;
    private final boolean hasKeys;
    private final int keyCount;
    private final String lastError;

    RefreshState(long[] v, String lastError) {
        this.lastSuccess = v[0] == 0 ? null : Instant.ofEpochMilli(v[0]);
        this.lastFailure = v[1] == 0 ? null : Instant.ofEpochMilli(v[1]);
        this.consecutiveFailures = (int) v[2];
        this.autoRefreshRunning = v[3] != 0;
        this.hasKeys = v[4] != 0;
        this.keyCount = (int) v[5];
        this.lastError = lastError;
    }

    /** The last successful refresh (HTTP or JSON), or null. */
    public Instant getLastSuccess() { return lastSuccess; }

    /** The last failed refresh, or null. */
    public Instant getLastFailure() { return lastFailure; }

    /** Failures since the last success. */
    public int getConsecutiveFailures() { return consecutiveFailures; }

    public boolean isAutoRefreshRunning() { return autoRefreshRunning; }

    public boolean hasKeys() { return hasKeys; }

    /** Keys in the current snapshot. */
    public int getKeyCount() { return keyCount; }

    /** Why the last refresh failed; empty if it succeeded. */
    public String getLastError() { return lastError; }

    @Override
    public String toString() {
        return "RefreshState{lastSuccess=" + lastSuccess + ", lastFailure=" + lastFailure
                + ", consecutiveFailures=" + consecutiveFailures + ", autoRefreshRunning=" + autoRefreshRunning
                + ", hasKeys=" + hasKeys + ", keyCount=" + keyCount + ", lastError='" + lastError + "'}";
    }
}
