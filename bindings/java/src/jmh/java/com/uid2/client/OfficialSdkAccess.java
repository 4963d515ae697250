package com.uid2.client;

/** The official SDK's SharingClient.refreshJson is package-private; the benchmark loads keys through this. */
public final class OfficialSdkAccess {
    private OfficialSdkAccess() {}

    public static boolean refreshJson(SharingClient client, String json) {
        return client.refreshJson(json).isSuccess();
    }
}
