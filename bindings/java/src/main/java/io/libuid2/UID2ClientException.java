package io.libuid2;

/** A failed {@link IUID2Client#refresh()} (as {@code com.uid2.client.UID2ClientException}). */
public class UID2ClientException extends Exception {
    private static final long serialVersionUID = 1L;

    public UID2ClientException(Throwable cause) { super(cause); }

    public UID2ClientException(String message) { super(message); }

    public UID2ClientException(String message, Throwable cause) { super(message, cause); }
}
