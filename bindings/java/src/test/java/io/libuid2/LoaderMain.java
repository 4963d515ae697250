package io.libuid2;

/** Run by LoaderTest in a fresh JVM: prints where the library came from, and checks it works. */
public final class LoaderMain {
    public static void main(String[] args) {
        try (SharingClient c = new SharingClient(null, null, null)) {
            if (!c.refreshJson(TestSupport.KEYS_A).isSuccess()) throw new AssertionError("refreshJson");
            String t = c.encryptRawUidIntoToken(TestSupport.RAW_UID).getEncryptedData();
            if (!TestSupport.RAW_UID.equals(c.decryptTokenIntoRawUid(t).getUid())) throw new AssertionError("decrypt");
        }
        System.out.println("loaded: " + LibUid2.loadedFrom());
    }
}
