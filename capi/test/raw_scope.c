/* In C, unlike C++, an enum parameter can carry any int: the C ABI's check
 * of a scope that is neither UID2 nor EUID is reached from here. */
#include "uid2.h"

uid2_status set_default_scope_raw(uid2_client client, int scope) {
  return uid2_client_set_default_identity_scope(client, (uid2_identity_scope)scope);
}
