package io.libuid2;

import java.time.Instant;
import java.util.List;

/**
 * Decrypts UID2 tokens from bid requests, with the keys of {@code /v2/key/bidstream}, checking the domain or
 * app name of client-side-generated tokens. The public names are those of the official Java SDK ({@code
 * com.uid2.client.BidstreamClient}); the work is done by the native libuid2.
 *
 * <p>Thread-safe: any number of threads may decrypt at once, and never wait for a refresh. Results are
 * reported by status, never by exception; exceptions mean a programmer error (e.g. a null {@code now}, a
 * closed client) or an unusable native library.
 */
public class BidstreamClient extends NativeClient {

    /**
     * @param baseUrl         the UID2 service, e.g. {@code https://prod.uidapi.com}
     * @param clientApiKey    the API key (null for a client that only uses {@code refreshJson})
     * @param base64SecretKey the client secret, base64 of 32 bytes (null likewise)
     * @throws IllegalArgumentException if the secret is not base64 of 32 bytes
     */
    public BidstreamClient(String baseUrl, String clientApiKey, String base64SecretKey) {
        super(Native.CLIENT_BIDSTREAM, baseUrl, clientApiKey, base64SecretKey);
    }

    /**
     * Decrypts a token from a bid request.
     *
     * @param domainOrAppName the registrable domain (lower case, no subdomain) or app name of the bid
     *                        request, or null; checked only for client-side-generated tokens
     */
    public DecryptionResponse decryptTokenIntoRawUid(String token, String domainOrAppName) {
        return decryptImpl(token, domainOrAppName, 0L);
    }

    /** As {@link #decryptTokenIntoRawUid(String, String)}, as at {@code now}. */
    public DecryptionResponse decryptTokenIntoRawUid(String token, String domainOrAppName, Instant now) {
        return decryptImpl(token, domainOrAppName, epochMillis(now));
    }

    /** Decrypts many tokens of one domain or app with one native call; result i is for token i. */
    public List<DecryptionResponse> decryptTokensIntoRawUids(List<String> tokens, String domainOrAppName) {
        return decryptBatchImpl(tokens, domainOrAppName, 0L);
    }

    public List<DecryptionResponse> decryptTokensIntoRawUids(List<String> tokens, String domainOrAppName,
                                                             Instant now) {
        return decryptBatchImpl(tokens, domainOrAppName, epochMillis(now));
    }
}
