/*
 * Test only: makes Go code inside libuid2 fault, as a bug in libuid2 would.
 * uid2_decrypt reads the token from an address in the first page, which
 * raises SIGSEGV in Go code; Go turns it into a panic and the export
 * recovers it into UID2_STATUS_INTERNAL_ERROR. FaultTest checks that this
 * holds in the JVM with and without libjsig.
 */
#include <jni.h>

#include "uid2.h"

JNIEXPORT jint JNICALL Java_io_libuid2_FaultMain_decryptAtBadAddress(JNIEnv *env, jclass cls, jlong client) {
  (void)env;
  (void)cls;
  uid2_decryption_result r;
  return uid2_decrypt((uid2_client)client, (const char *)16, 32, NULL, 0, 0, &r);
}
