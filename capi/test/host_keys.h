/* The raw UID and the key response the C host tests (host_test.c,
 * mono_host_test.c) encrypt and decrypt with. */
#ifndef UID2_TEST_HOST_KEYS_H
#define UID2_TEST_HOST_KEYS_H

static const char kRawUid[] = "ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=";
/* A sharing key response: a master key and a site key in the default
 * keyset, active from 2021 to 2100. */
static const char kKeys[] =
    "{\"body\":{\"caller_site_id\":123,\"master_keyset_id\":1,"
    "\"default_keyset_id\":99999,\"token_expiry_seconds\":\"2592000\","
    "\"identity_scope\":\"UID2\",\"allow_clock_skew_seconds\":1800,\"keys\":["
    "{\"id\":1,\"keyset_id\":1,\"created\":1609459200,\"activates\":1609459200,"
    "\"expires\":4102444800,\"secret\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"},"
    "{\"id\":2,\"keyset_id\":99999,\"created\":1609459200,\"activates\":1609459200,"
    "\"expires\":4102444800,\"secret\":\"ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=\"}]}}";

#endif
