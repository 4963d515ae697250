package uid2

// Status is the outcome of a decrypt or encrypt: one enum, a superset of
// the official SDKs' decryption and encryption statuses (uid2-spec §5,
// §6.2). The numbers are those of the C ABI (capi/uid2.h) and never change.
type Status int32

const (
	Success                    Status = 0
	NotAuthorizedForKey        Status = 1
	NotAuthorizedForMasterKey  Status = 2
	NotInitialized             Status = 3
	InvalidPayload             Status = 4
	ExpiredToken               Status = 5
	KeysNotSynced              Status = 6
	VersionNotSupported        Status = 7
	InvalidPayloadType         Status = 8 // legacy encrypted-data API; never returned
	InvalidIdentityScope       Status = 9
	InvalidTokenLifetime       Status = 10
	DomainOrAppNameCheckFailed Status = 11
	UserOptedOut               Status = 12
	EncryptionFailure          Status = 13
	TokenDecryptFailure        Status = 14 // legacy encrypted-data API; never returned
	KeyInactive                Status = 15 // legacy encrypted-data API; never returned
)

var statusNames = [...]string{
	Success:                    "SUCCESS",
	NotAuthorizedForKey:        "NOT_AUTHORIZED_FOR_KEY",
	NotAuthorizedForMasterKey:  "NOT_AUTHORIZED_FOR_MASTER_KEY",
	NotInitialized:             "NOT_INITIALIZED",
	InvalidPayload:             "INVALID_PAYLOAD",
	ExpiredToken:               "EXPIRED_TOKEN",
	KeysNotSynced:              "KEYS_NOT_SYNCED",
	VersionNotSupported:        "VERSION_NOT_SUPPORTED",
	InvalidPayloadType:         "INVALID_PAYLOAD_TYPE",
	InvalidIdentityScope:       "INVALID_IDENTITY_SCOPE",
	InvalidTokenLifetime:       "INVALID_TOKEN_LIFETIME",
	DomainOrAppNameCheckFailed: "DOMAIN_OR_APP_NAME_CHECK_FAILED",
	UserOptedOut:               "USER_OPTED_OUT",
	EncryptionFailure:          "ENCRYPTION_FAILURE",
	TokenDecryptFailure:        "TOKEN_DECRYPT_FAILURE",
	KeyInactive:                "KEY_INACTIVE",
}

// String is the status's name as the C ABI and the CLI print it, e.g.
// "EXPIRED_TOKEN".
func (s Status) String() string {
	if s >= 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "UNKNOWN_STATUS"
}
