package io.libuid2;

/** The kind of identity a v3/v4 token was made from (as {@code com.uid2.client.IdentityType}). */
public enum IdentityType {
    Email(0),
    Phone(1);

    public final int value;

    IdentityType(int value) { this.value = value; }

    public static IdentityType fromValue(int value) {
        switch (value) {
            case 0: return Email;
            case 1: return Phone;
            default: throw new IllegalArgumentException("unknown identity type " + value);
        }
    }
}
