package io.libuid2;

/** The result of a key refresh (as {@code com.uid2.client.RefreshResponse}). A failed refresh keeps the previous keys. */
public class RefreshResponse {
    private final boolean success;
    private final String reason;

    private RefreshResponse(boolean success, String reason) {
        this.success = success;
        this.reason = reason;
    }

    static RefreshResponse makeSuccess() { return new RefreshResponse(true, ""); }

    static RefreshResponse makeError(String reason) { return new RefreshResponse(false, reason); }

    public boolean isSuccess() { return success; }

    /** Why the refresh failed; empty on success. Never contains keys, secrets or API keys. */
    public String getReason() { return reason; }

    @Override
    public String toString() {
        return success ? "RefreshResponse{success}" : "RefreshResponse{failed: " + reason + "}";
    }
}
