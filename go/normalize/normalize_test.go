package normalize

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The valid emails of the operator's and the Python SDK's normalisation
// tests, with their hashes (uid2-spec-publisher §2.4).
var validEmails = []struct{ in, normalized, hash string }{
	{"TEst.TEST@Test.com ", "test.test@test.com", "dvECjPKZHya0/SIhSGwP0m8SgTv1vzLxPULUOsm880M="},
	{"test.test@test.com", "test.test@test.com", "dvECjPKZHya0/SIhSGwP0m8SgTv1vzLxPULUOsm880M="},
	{"test.test@gmail.com", "testtest@gmail.com", "LkLfFrut8Tc3h/fIvYDiBKSbaMiau/DtaLBPQYszdMw="},
	{"test+test@test.com", "test+test@test.com", "rQ4yzdOz4uG8N54326QyZD6/JwqrXn4lmy34cVCojB8="},
	{"+test@test.com", "+test@test.com", "weFizOVVWKlLfyorbBU8oxYDv4HJtTZCPMyZ4THzUQE="},
	{"test+test@gmail.com", "test@gmail.com", "h5JGBrQTGorO7q6IaFMfu5cSqqB6XTp1aybOD11spnQ="},
	{"testtest@test.com", "testtest@test.com", "d1Lr/s4GLLX3SvQVMoQdIMfbQPMAGZYry+2V+0pZlQg="},
	{" testtest@test.com", "testtest@test.com", "d1Lr/s4GLLX3SvQVMoQdIMfbQPMAGZYry+2V+0pZlQg="},
	{"testtest@test.com ", "testtest@test.com", "d1Lr/s4GLLX3SvQVMoQdIMfbQPMAGZYry+2V+0pZlQg="},
	{" testtest@test.com ", "testtest@test.com", "d1Lr/s4GLLX3SvQVMoQdIMfbQPMAGZYry+2V+0pZlQg="},
	{"  testtest@test.com  ", "testtest@test.com", "d1Lr/s4GLLX3SvQVMoQdIMfbQPMAGZYry+2V+0pZlQg="},
	{" test.test@gmail.com", "testtest@gmail.com", "LkLfFrut8Tc3h/fIvYDiBKSbaMiau/DtaLBPQYszdMw="},
	{"test.test@gmail.com ", "testtest@gmail.com", "LkLfFrut8Tc3h/fIvYDiBKSbaMiau/DtaLBPQYszdMw="},
	{" test.test@gmail.com ", "testtest@gmail.com", "LkLfFrut8Tc3h/fIvYDiBKSbaMiau/DtaLBPQYszdMw="},
	{"  test.test@gmail.com  ", "testtest@gmail.com", "LkLfFrut8Tc3h/fIvYDiBKSbaMiau/DtaLBPQYszdMw="},
	{"TEstTEst@gmail.com  ", "testtest@gmail.com", "LkLfFrut8Tc3h/fIvYDiBKSbaMiau/DtaLBPQYszdMw="},
	{"TEstTEst@GMail.Com  ", "testtest@gmail.com", "LkLfFrut8Tc3h/fIvYDiBKSbaMiau/DtaLBPQYszdMw="},
	{" TEstTEst@GMail.Com  ", "testtest@gmail.com", "LkLfFrut8Tc3h/fIvYDiBKSbaMiau/DtaLBPQYszdMw="},
	{"TEstTEst@GMail.Com", "testtest@gmail.com", "LkLfFrut8Tc3h/fIvYDiBKSbaMiau/DtaLBPQYszdMw="},
	{"TEst.TEst@GMail.Com", "testtest@gmail.com", "LkLfFrut8Tc3h/fIvYDiBKSbaMiau/DtaLBPQYszdMw="},
	{"TEst.TEst+123@GMail.Com", "testtest@gmail.com", "LkLfFrut8Tc3h/fIvYDiBKSbaMiau/DtaLBPQYszdMw="},
	{"😊testtest@test.com", "😊testtest@test.com", "fAFEUqApQ0V/M9mLj/IO54CgKgtQuARKsOMqtFklD4k="},
	{"testtest@😊test.com", "testtest@😊test.com", "tcng5pttf7Y2z4ylZTROvIMw1+IVrMpR4D1KeXSrdiM="},
	{"testtest@test.com😊", "testtest@test.com😊", "0qI21FPLkuez/8RswfmircHPYz9Dtf7/Nch1rSWEQf0="},
	// The documentation's table and the Java SDK's InputUtilTests.
	{"MyEmail@example.com", "myemail@example.com", "FsGNM28LJQ8OLZB0Us65ZYp07NrovJSGTCMSKnLMJ6U="},
	{"MYEMAIL@example.com", "myemail@example.com", "FsGNM28LJQ8OLZB0Us65ZYp07NrovJSGTCMSKnLMJ6U="},
	{"My.Email@example.com", "my.email@example.com", "4itTvG+HEnTzpiqzejyu1yFPwU1nYhWpaiQvz62hyB8="},
	{"JANESAOIRSE@example.com", "janesaoirse@example.com", "1mcOepIAfxtf94Xx/IHlOqbT170GvfXEc83HKGwoS20="},
	{"JaneSaoirse@example.com", "janesaoirse@example.com", "1mcOepIAfxtf94Xx/IHlOqbT170GvfXEc83HKGwoS20="},
	{"jane.saoirse@example.com", "jane.saoirse@example.com", "sZZDLHuYmiypHIN5mVfFFdpT5sE6vyC3j+qU8RfpC/g="},
	{"Jane.Saoirse@example.com", "jane.saoirse@example.com", "sZZDLHuYmiypHIN5mVfFFdpT5sE6vyC3j+qU8RfpC/g="},
	{"JaneSaoirse+Work@example.com", "janesaoirse+work@example.com", "KKruSBUjDNO069iMUVImVQZm6RrAGZKeOtrD9mwogYA="},
	{"JaneSaoirse+UID2@example.com", "janesaoirse+uid2@example.com", "bhQ2aMIGWT1ey4p7JyavdNlIQ4pe11/rrcv0u1jrxCc="},
	{"JANE.SAOIRSE@gmail.com", "janesaoirse@gmail.com", "ku4mBX7Z3qJTXWyLFB1INzkyR2WZGW4ANSJUiW21iI8="},
	{"Jane.Saoirse@gmail.com", "janesaoirse@gmail.com", "ku4mBX7Z3qJTXWyLFB1INzkyR2WZGW4ANSJUiW21iI8="},
	{"JaneSaoirse+Work@gmail.com", "janesaoirse@gmail.com", "ku4mBX7Z3qJTXWyLFB1INzkyR2WZGW4ANSJUiW21iI8="},
	{"JaneSaoirse+UID2@gmail.com", "janesaoirse@gmail.com", "ku4mBX7Z3qJTXWyLFB1INzkyR2WZGW4ANSJUiW21iI8="},
	{"janesaoirse@gmail.com", "janesaoirse@gmail.com", "ku4mBX7Z3qJTXWyLFB1INzkyR2WZGW4ANSJUiW21iI8="},
	{"USER@example.com", "user@example.com", "tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ="},
	{"user@example.com", "user@example.com", "tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ="},
	{"   USER@EXAMPLE.COM   ", "user@example.com", "tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ="},
	{"janedoe@gmail.com", "janedoe@gmail.com", "1hFzBkhe0OUK+rOshx6Y+BaZFR8wKBUn1j/18jNlbGk="},
	{"   jane.doe+home@gmail.com   ", "janedoe@gmail.com", "1hFzBkhe0OUK+rOshx6Y+BaZFR8wKBUn1j/18jNlbGk="},
	{"user2@example.com", "user2@example.com", "KzsrnOhCq4tqbGFMsflgS7ig1QLRr0nFJrcrEIlOlbU="},
	{"validate@example.com", "validate@example.com", "ntI244ZRTXwAwpki6/M5cyBYW7h/Wq576lnN3l9+W/c="},
	{"foo@bar.com", "foo@bar.com", "DH5qQFhi5ALrdqcPiib8cy0Hwykx6frpqxWCkR0uijs="},
	// The operator's rule where the Python SDK differs (§2.1): every space
	// of the local part goes; the domain keeps its inner spaces.
	{"jane doe@example.com", "janedoe@example.com", ""},
	{" a b@c.com", "ab@c.com", ""},
	{"a@b c.com", "a@b c.com", ""},
	{"a@ b.com", "a@ b.com", ""},
	// Only ASCII changes case, and only gmail.com is special.
	{"Ä.B@X.COM", "Ä.b@x.com", ""},
	{"a.b+c@googlemail.com", "a.b+c@googlemail.com", ""},
	{"a.b+c@gmail.co", "a.b+c@gmail.co", ""},
	{"a.b@gmail.\u212aom", "a.b@gmail.\u212aom", ""}, // Kelvin sign: no Unicode folding
	{"a\tb@c.com", "a\tb@c.com", ""},
}

var invalidEmails = []string{
	"", " @", "@", "a@", "@b", "@b.com", "+", " ", "+@gmail.com", ".+@gmail.com", "a@ba@z.com",
	"this is not an email address", "neither.is@this@", "a@   ",
}

func TestValidEmails(t *testing.T) {
	for _, v := range validEmails {
		got, err := Email(v.in)
		require.NoError(t, err, "%q", v.in)
		assert.Equal(t, v.normalized, got, "%q", v.in)
		h, err := EmailHash(v.in)
		require.NoError(t, err)
		assert.Equal(t, Hash(v.normalized), h, "%q", v.in)
		if v.hash != "" {
			assert.Equal(t, v.hash, h, "%q", v.in)
		}
	}
}

func TestInvalidEmails(t *testing.T) {
	for _, in := range invalidEmails {
		_, err := Email(in)
		assert.ErrorIs(t, err, ErrInvalidEmail, "%q", in)
		_, err = EmailHash(in)
		assert.ErrorIs(t, err, ErrInvalidEmail, "%q", in)
		dst, ok := AppendEmailHash([]byte("keep"), in)
		assert.False(t, ok)
		assert.Equal(t, "keep", string(dst), "dst is unchanged on failure")
	}
}

func TestErrorsDoNotRepeatTheInput(t *testing.T) {
	_, err := Email("secret.person")
	assert.NotContains(t, err.Error(), "secret")
	_, err = PhoneHash("+1secret")
	assert.NotContains(t, err.Error(), "secret")
}

func TestAppendEmailHashAfterExistingBytes(t *testing.T) {
	dst, ok := AppendEmailHash([]byte("x:"), "USER@example.com")
	require.True(t, ok)
	assert.Equal(t, "x:tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=", string(dst))
}

func TestPhones(t *testing.T) {
	valid := []string{"+1234567890", "+12345678901", "+123456789012", "+1234567890123", "+12345678901234", "+123456789012345"}
	invalid := []string{
		"", "asdaksjdakfj", "DH5qQFhi5ALrdqcPiib8cy0Hwykx6frpqxWCkR0uijs", "QFhi5ALrdqcPiib8cy0Hwykx6frpqxWCkR0uijs",
		"06a418f467a14e1631a317b107548a1039d26f12ea45301ab14e7684b36ede58",
		"0C7E6A405862E402EB76A70F8A26FC732D07C32931E9FAE9AB1582911D2E8A3B",
		"+", "12345678", "123456789", "1234567890", "+12345678", "+123456789", "+ 12345678", "+ 123456789",
		"+ 1234 5678", "+ 1234 56789", "+1234567890123456", "+1234567890A", "+1234567890 ", "+1234567890+",
		"+12345+67890", "555-555-5555", "(555) 555-5555",
		"+123 44 555-66-77", "1 (123) 456-7890", "this is not a phone number",
		// Non-ASCII digits, which Python's isdigit accepts (§2.2).
		"+١٢٣٤٥٦٧٨٩٠", "+１２３４５６７８９０", "+1234567890²",
	}
	for _, p := range valid {
		assert.True(t, IsPhoneNormalized(p), p)
	}
	for _, p := range invalid {
		assert.False(t, IsPhoneNormalized(p), p)
		_, err := PhoneHash(p)
		assert.ErrorIs(t, err, ErrInvalidPhone, p)
	}
	h, err := PhoneHash("+12345678901")
	require.NoError(t, err)
	assert.Equal(t, "EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4=", h)
	h, err = PhoneHash("+441234567890")
	require.NoError(t, err)
	assert.Equal(t, "Rx8SW4ZyKqbPypXmswDNuq0SPxStFXBTG/yvPns/2NQ=", h)
}

func TestHashInput(t *testing.T) {
	const want = "DH5qQFhi5ALrdqcPiib8cy0Hwykx6frpqxWCkR0uijs="
	for _, in := range []string{
		want,
		"0C7E6A405862E402EB76A70F8A26FC732D07C32931E9FAE9AB1582911D2E8A3B",
		"0c7e6a405862e402eb76a70f8a26fc732d07c32931e9fae9ab1582911d2e8a3b",
	} {
		got, err := HashInput(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got)
	}
	for _, in := range []string{
		"", "asdaksjdakfj",
		"DH5qQFhi5ALrdqcPiib8cy0Hwykx6frpqxWCkR0uijs",
		"QFhi5ALrdqcPiib8cy0Hwykx6frpqxWCkR0uijs",
		"0C7E6A405862E402EB76A70F8A26FC732D07C32931E9FAE9AB1582911D2E8A3Z",
		"0C7E6A405862E402EB76A70F8A26FC732D07C32931E9FAE9AB1582911D2E8A3B00",
		"000C7E6A405862E402EB76A70F8A26FC732D07C32931E9FAE9AB1582911D2E8A3B",
		"DH5qQFhi5ALrdqcPiib8cy0Hwykx6frpqxWCkR0ui\njs",
		"DH5qQFhi5ALrdqcPiib8cy0Hwykx6frpqxWCkR0u-_s=",
	} {
		_, err := HashInput(in)
		assert.ErrorIs(t, err, ErrInvalidHash, "%q", in)
	}
}

func TestAppendEmailHashAllocatesNothing(t *testing.T) {
	buf := make([]byte, 0, 256)
	allocs := testing.AllocsPerRun(100, func() { buf, _ = AppendEmailHash(buf[:0], " Jane.Saoirse+Work@GMail.com ") })
	assert.Zero(t, allocs)
}

// BenchmarkEmailHash measures normalise + hash of one email (the goal is a
// million or more a second on one core: ns/op ≤ 1000).
func BenchmarkEmailHash(b *testing.B) {
	emails := []string{
		"JaneSaoirse+Work@gmail.com", "john.smith@example.com", " Someone.Else@Company.co.uk ",
		"a.much.longer.local.part.with.dots@subdomain.example.org",
	}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		buf, _ = AppendEmailHash(buf[:0], emails[i%len(emails)])
	}
}
