// Package pubvectors holds the fixed publisher vectors of
// uid2-spec-publisher §1.11 that several packages' tests replay: the Java
// SDK's PublisherTests (envelopes and responses of 2022, with the keys and
// salts of the operator's local test configuration of that time) and the
// current-format set computed for the spec.
package pubvectors

// The Java SDK's request/response fixtures (§1.11.1, §1.11.2).
const (
	ClientSecret  = "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo="
	RequestTimeMs = 1667885597644
	NonceHex      = "312fe5aa08b2a049"
	IVHex         = "cc3ccaca9889eab3800e787e"

	// GenerateResponse is the envelope-encrypted answer to a generate
	// request with the nonce above; GenerateBody is its "body", as the
	// operator wrote it (Java's getJsonString must give it back exactly).
	GenerateResponse       = "RUlLWcXlSdRhpf82J8iDqeVFbZQx2MCcVaTjhf1gVPpSS3SfOMzfCB8tW8VHzY15b5ZN6FKlZ/3FjHi54H7uyyVp2BS7puWgzGiv5jxhp0hpP2fL1KdmRs8UpX2XgmdEkfeYjTzFHFhq8SfocV2MIK8Gu4QtCtQdMg1Vk9fyeIOwgRUODkHnFZN8rcZIPDdqkZRS6Rftgdizss1FSkInYNpT2Cq07iIHVREmuJdZIinK0qDjIXcXUI3oE8WzdEtd/e4/8xEEZ4HRYuhNF640hX/O+ivBgygW/nqctAr6r9zYu65zs45UYClSUNaWsvE34IWq4q61T99z8etf81lS8E/PWrskOnH968azv0/FVFlLiKks0a1W1iDqq0/pps8LBq/Eo8ByadXQITDFwT6LN9qQE1lW4bGQrY3ZgALZQHsW1eAdaedaYwGOhp81xLlrq9aRaKXdiLuil/lgUNQX51yW8U8izYIq8cue0cUMg/TDV+5YtcC5eZiQskTjMFkInjfDI8k5F5KGnVRfsj8w+mcXv0O9E7djTy6Mmt4OQ1MxDFYuzptf3GnC7GK8VHpxHc84rOZADzBcgVOfYz4x8jA3fPVMkE08fMMpzH8OpH0riQHjk95rAF3KcOss5IvmPsUy+ZgCwOloWH+dwgYy8CDTR3RYPA+zOmEk4bGwvy6hQ5JJwah43ba73IrWZpiANfyCFMr7PY1HFvp7fC+i8w8zLTxMcLgH0m8zXMJXo6IVJDhuQKM/ViSkS/ONatlQvbtFehZfMwzPeD/mDmy1JAcvAAqmiAl13ULdNrIET9zyqmJVEaDEawVckomeIJoznbBS7WEFelcueYcXBi+Tl7qTlPL8UI4AjrzYp/sfMCvCoBtQnFYQAmChmE5OCpnE0X/uCa9oUK7HrVEqgBLft25w4d1mYtMV02gZ0SB/T2MA3BeSEp6RUKrYO63+/8eYUF4pEuQEjDcdRX6rxs9lpPPLKglnn9VteJ61BjsLphwYxqwgdlHZhS6xSvqYveHwwe94QyOYeyiJiEqJ+QooUciWSyRXBfJdcE4inuzO4T/wZauocgw8ZiKJMAfPzXjSLdVNM/sosd0vIhgXvlMpj+a+B4lbsfcVjRGrwU1VPZvHlubVCxJGieW7hQ8ugzpSYibMxxvhFBCyzjKHYodllp/umuq2KmoMdbB2lOsVFtZ3ufYs7cqSTcZIgPFUXlEJs/hUFvTnUCfZ1vC+YNF4d7ngVvCdMYsOCLQNAZeMaVoSG8m/cvY2FT0MGAgLhuu+IGWMcGVYPUrjP6Hy9gpq/wEkRnnfDAo+ENmMQsYcdzg+VNREZ4p4"
	GenerateBody           = `{"advertising_token":"AgAAAAN6QZRCFTau+sfOlMMUY2ftElFMq2TCrcu1EAaD9WmEfoT2BWm2ZKz1tumbT00tWLffRDQ/9POXfA0O/Ljszn7FLtG5EzTBM3HYs4f5irkqeEvu38DhVCxUEpI+gZZZkynRap1oYx6AmC/ip3rk+7pmqa3r3saDs1mPRSSTm+Nh6A==","user_token":"AgAAAAL6aleYI4BubI5ZXMBshqmMEfCkbCJF4fLeg1sdI0BTLzj9sXsSISjkG0lMC743diC2NVy3ElkbO1lLysd+Lm6alkqevPrcuWDisQ1939YdoH6LqpwBH3FNSE4/xa3Q+94=","refresh_token":"AAAAAARomrP3NjjH+8mt5djfTHbmRZXjOMnAN8WpjJoe30AhUCvYksO/xoDSj77GzWv4M99DhnPl2cVco8CZFTcE10nauXI4Barr890ILnH0IIacOei5Zjwh6DycFkoXkAAuHY1zjmxb7niGLfSP2RctWkZdRVGWQv/UW/grw6+paU9bnKEWPzVvLwwdW2NgjDKu+szE6A+b5hkY+I3voKoaz8/kLDmX8ddJGLy/YOh/LIveBspSAvEg+v89OuUCwAqm8L3Rt8PxDzDnt0U4Na+AUawvvfsIhmsn/zMpRRks6GHhIAB/EQUHID8TedU8Hv1WFRsiraG9Dfn1Kc5/uYnDJhEagWc+7RgTGT+U5GqI6+afrAl5091eBLbmvXnXn9ts","identity_expires":1668059799628,"refresh_expires":1668142599628,"refresh_from":1668056202628,"refresh_response_key":"P941vVeuyjaDRVnFQ8DPd0AZnW4bPeiJPXER2K9QXcU="}`
	GenerateResponseTimeMs = 1668056199629

	// RefreshResponse answers a refresh with GenerateBody's refresh token,
	// encrypted under GenerateBody's refresh_response_key.
	RefreshResponse         = "suJBe05BsUlmulBse8Kuq6haiirs5O8wokoXQz8rxK047Q60vZQrWGy3+ufTwpIKpoMGLFGvVXpE8ifoN4Z34qPrGaJaVuCmcVTbQ8kkou/RwLp+hjoXaaTBmlqVGGbVrBzFg14KMlZLKKEh7EfABSQeUvbi3TtOzbluHZn0jCri3qJEDnSFP4tXhGjJw5ufB4GiSGOzfuw6rvRrWh+FjpNein8ijVNzA4MQAYMGrZEeKd639hCu5Q4tdkuOZKrkLTUPoeKNmt3moyQtKxztpPa/UCDJ/bOpIiLXI+vLScHG0ekhRq/5eQ7nFk3wUd9mlrA3f/+MyqkaPSjIVYvmcpzC55qh0PXLXkOzhIrLUjaIP8UzU30us+pHL2exdUZrrh4w8Pp7MZkdYzEBvc7ZyeXObNzBJNED62T7GI5UxKAndMoSPxsewttZ2MpAepfRQ9RH97eIX+Bg2KJa5WOOLK5KfVS01oKxXbwcCsGpw5sDAIiobrYdWWn9UMUhbFpbuqsmSWW4vFZR02RMHzif8N/vJkBLyvxSAlP363QULrEVMOueG91MI1W9BICYvTM06ZHYt5dz2l1GkKu+OSKAaTLvCJAWsCDgowtJcHtl0kYmZBJn/yfcc3a8SQC1dv2el1l3DWG6J8Udrci6rmOzox0MqIWkBfOqEOHFOPpV8RqYTJVYuKEigYAiAvw7RFA7ZSCwJ3nhc6GUD7XoCK96Y/TrLud3gagxRUz4D+OZUidQP01LeVW9XfBi/UGxQC1WcZ/AS7MF3byjXDJRR6MZRbTm4hkLJm1hQzGsiVNBbBR/qCwoaAI9PwvBKoZpujMzH3+HdUOubCw6sOCWfgO4cwn7TTyQAf9KJ1B6Tj+RNWe3HyImcCpfBMl8suMRh8cZX48r/Z3um4w0bNLog7L1VVA4J6G8EXvpDdkE/78mIdL7dNraZdioF/X/vP7efkDTHTLiJsGq7fZxGqqrFt/ENqhsgpq7punMq8k96sDQ7ujVc4LN0M6qPqIYiC7lT4haXtdugFaKBZp80bbV5ZM1s0VH9nw7SgJUA9RZcxYkU5x77kY+i6fUK45bDC0x0j4lPpC027CgzJhGZffZyvRCPzXYDTa9s40JswKLnKf27HwwYCTJNsnIMRBJlUSnU/JqLvzYFIBSEa2SNsD4qlvdoWqo0bZvpDquqz2mH36w3u7j5L/CoTy7dcjORPdC9/nJN/b+b/G5vjE5bcDtfek3Kc6n6ABjRnXYVstK43ghUeczUHzRwUjdX616pphGliP+bTZHtcfr2DBp2N5vMgxf4bMmhseDlzc="
	RefreshAdvertisingToken = "AgAAAANVKWUKoXWL9OdHdxoEhRlHC9BEJucY44HF3RmJHlXzjEJ/nvySkVFeRbo3W/2Mpe9qi4haYz6psljI6ZwUq8n6jPyAR0WK5LDrTxUPibeaV9aZJoa6gNCKfJ/Z8tZtG/iWUbZkkDPmJiF7LTxqB1TQX0UvtLDbDbewsa+b+PJgEw=="
	RefreshRefreshToken     = "AAAAAARS93G4B29nG5kXD5C97S5wGBJcGU3NXBYME+vMqlvvgXG4RuRt+UHG6fe7hiGoK7QtQVL1qj1SdpyuiJQHeM1PfRzk5vjXEv39wedDxQNWAnJsF6I6W6HPFCJADcUd/IEk2FKTq5+al5KwL9woU82WNCCt+n6ut29Bb/F3S/blW2G7/Q2i+tImcwuTTiAZ2uYzgg/t4HfB880rpa28E/cfqJ3vsJHFGiDOUqU9JpNPFByOnxay5PQgkRlMjmea6ZfAwOCyFC69E51B3NZb3+mdx9zaHB4e6hCmk3BLPhSQzV3zOM1IRS4Rq2xO5EuEGEaSU1K3iluXTXBAOoalbjj1qln+BCu0ohA9sqfEOC/hZcmYL0YEkPHLXW2C094g"
	RefreshResponseKey2     = "3df27Us3KXIy4LhebjNt0DDfF0N5zGXEQ1MmJ7jIU8o="

	OptOutRefreshResponse    = "d9I6qCdlJ6mkWYLyw2iGnCnJ5OocyQDtbbvW6YXAYKpxTXaOePQzPPJIrHnI7Io="
	OptOutRefreshResponseKey = "WL0AYr41Db9m6dCIPtQlTz2kE4NMx3nLmloGHkQPGSQ="

	// V1SessionRefreshResponse is the unencrypted answer a legacy
	// ("v1 session") identity, one without refresh_response_key, gets.
	V1SessionRefreshResponse = `{"body":{"advertising_token":"AgAAAANsVKE9wmkKhBhOucQ26SXHAAr02EnIkXxJQP2kalEEov3h18AP7nGIhQUQQVAPKaL6y8iyyA65YtZhYHLKW+eJhXUFqm4vl+F2Gg3Q7bBu+GZ6DzY5rpDfukw3vztJccEqdkKaEdbJIIKi/jwRazQWbAJNXF4V4HUd9SExMJ+QKQ==","user_token":"AgAAAAJd/kXzNcUdHRt4iyZIzYYD+DegEYk8brfvjFFtjmJZysI82h01mo4J8mkdt8vZ6e30Zbor6rcLAJ3MeDOPG0eRD5agLn0/bgP5kAFF0HCLOtEgmaTQ0mC0NIAcQUxznKQ=","refresh_token":"AAAAAAT7HUXdgdgMjz5isYkZTlgWtgiW5YesZEZIIfFqvtqCeXGYZUvfzO896LhNeL6jlJZRfNMl8Pr63NRG0zS5atNKKU3OzVLLqd+W8xgtQd3VUndq7l6eHtVMckiQ5Z/XyuAcYP+vCe1JXzM/67SQ9VMgPV8UFMyo3UZQDuOyKlPQaav91gq/L4yTA/6EnOTUxs/sc2zegIQeYRasSMuQqXAHLOGy4v86/fLVxdjj+eEtIvrBDVAdubrITHgFmLALSHx0sdAgq+yRiEvOM+i7vfqTxcNI6zfL8y6dypI243Pm+D4n145CURT243n7ZrmF6bWUayGOZTkLdRJe4E3Mf+QewkAUZsShrofUB4ylehe1U1wedh5648+zLaTmBwC1","identity_expires":1668398943517,"refresh_expires":1668481743517,"refresh_from":1668395346517,"refresh_response_key":"7Cm2fFFbM2klAzTHEqbDnE8BFJKm02doDxI5uIcCl3Y="},"status":"success"}`
)

// The operator's local test keys and salts of that time (§1.11.3).
const (
	MasterKeyID      = 3
	MasterKeySecret  = "2m4mNGTExXEq7IoIB6ZpKRB2NmdGP2grhsuHsKiziKQ="
	SiteKeyID        = 2
	SiteKeySecret    = "RgyxkP4yP1gYhCINq7O9PxM6jX+etPqSQluZxjB1aG8="
	RefreshKeyID     = 4
	RefreshKeySecret = "c2yMYeezHfDvZ6haknCFaj0t+eAEJp/C/uh+fUAm1fo="
	SiteID           = 6

	FirstLevelSalt = "test_first_level_salt"
	SaltBuckets    = 8
	Bucket3Salt    = "wAL6U+lu9gcMhSEySzWG9RQyoo446zAyGWKTW8VVoVw="

	// The chain of user@example.com: its hash, first-level hash (bucket 3)
	// and raw UID.
	Email          = "user@example.com"
	EmailHash      = "tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ="
	FirstLevelHash = "N9nj64ZkdWpHpQK/dp7V4SagjmXPmefhrQoBFR0gPJ0="
	RawUID         = "DV+U/c/kb0a+sME2zDkOvz2EiIBo5q83UxaRJKmVqIs="

	// The inner v2 refresh tokens of GenerateBody and RefreshResponse.
	GenerateCreatedMs    = 1668056199628
	GenerateValidTillMs  = 1668142659628
	RefreshCreatedMs     = 1668062278329
	RefreshValidTillMs   = 1668148678329 + 60000
	EstablishedMs        = 1668056199628
	RefreshPrivacyBits   = 1
	GenerateResponseKey  = "P941vVeuyjaDRVnFQ8DPd0AZnW4bPeiJPXER2K9QXcU="
	V1SessionRawUID      = "oKg0ZY9ieD/CGMEjAA0kcq+8aUbLMBG0MgCT3kWUnJs="
	V1SessionEmail       = "test@example.com"
	V1SessionFirstLevel  = "365zRZfpJvY5BIIhjQ09Xx0uX9cjja9D/xuim90MeRs="
	V1SessionEstablished = 1668395340499
)

// The current-format set (§1.11.4): the keys above, site 6, now =
// generated = established = EstablishedMs, lifetimes 3600 / 86400 / 900 s,
// privacy bits 1, UID2, email, fixed IVs.
const (
	CurrentNowMs             = 1668056199628
	CurrentIdentityExpiresMs = 1668059799628
	CurrentRefreshExpiresMs  = 1668142599628
	CurrentRefreshFromMs     = 1668057099628
	CurrentIdentityLifetimeS = 3600
	CurrentRefreshLifetimeS  = 86400
	CurrentRefreshAfterS     = 900
	// IVs: site layer 00..0b, master layer 10..1b, inner refresh 20..2b,
	// wrapper 30..3b; the response key is the bytes 40..5f.
	CurrentResponseKey      = "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8="
	CurrentAdvertisingToken = "A4AAAAADEBESExQVFhcYGRobqIVVk5_cSNa7coLsUK-z8Wsp6wwsxvUg3xqzWnuemB5k58pcyXJNz-yjnZbIPAdP6pygH7G98r6hfWZCBGrmxrwpFgyRDr5s4PhXay7GnJOqiE2OMIdjGNMH8TPE4rMxuebCWNIBnxBiqKU5EgtWJN0OSULTQDu6vzVCs1WZvqJ_S6pXW9F2ljxy3lRHb3OIlQ"
	CurrentRefreshTokenV3   = "A3AAAAAEICEiIyQlJicoKSorJKem84DTnph0M9KA/d9AWJd+TzHLgBbXOr5UusBF/ZNQFUwG0OVQhDTAjyVjUsDnJmKK2V3CkoCSb/tkv0hEoppzKMG8MukpE9TGk/07ufJdhM6haozkvXNwrG9PCRyjS3cwVBw3vIoErQ=="
	CurrentWrapper          = "AAAAAAQwMTIzNDU2Nzg5Ojth5UzEuFPYEkps/KOVNVzLD+zqWurKHfbP6/nYGGf1ZzkOafUhTEVuJxsdMIOS9HwWGqHFMI2gTsmhoW8NU/MZn2WcJUnzvKabkRClMkWZEKK8wAgLk011aSyrzES7qu029vR0ytJNno++1HyelYHV6nUOaKuG6zM0JMtmghak5lH2UCov1uF8d+myI0I3SerziRwpoYwLxGeoR9sVX9OJZrlE6fLyPUZ8/cHTk3liwtsp87J5oHispMv/X6BtL+Y0HRBKUBMoHGHhGptbg1DkZpN3rlZB583IbF0C/OaAZO6neUgwVuV2iruNO6+ymEFvMFbxZdqSJCT301KnTMKRoHOmaAGMqR75QDWKNpdj1yYn"
)

// Counting returns n bytes counting up from first: the spec's fixed IVs
// and keys.
func Counting(first byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = first + byte(i)
	}
	return b
}
