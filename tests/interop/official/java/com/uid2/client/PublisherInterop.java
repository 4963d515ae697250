package com.uid2.client;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.util.Arrays;
import java.util.Map;

/**
 * The official UID2 Java SDK (com.uid2:uid2-client, pinned in ../pom.xml) as a publisher and a
 * mapper against a key service ({@code uid2 serve}), over the SDK's own HTTP stack (OkHttp), with
 * the SDK's public API only. tests/interop/interop.py drives it and asserts what it prints (one
 * JSON object on standard output), as it does for python/publisher.py:
 *
 * <pre>
 * PublisherInterop generate URL EMAIL     PublisherUid2Client.generateTokenResponse(fromEmail)
 * PublisherInterop refresh URL IDENTITY   PublisherUid2Client.refreshToken(IdentityTokens JSON)
 * PublisherInterop map URL KIND:VALUE... IdentityMapV3Client.generateIdentityMap, the input built
 *                                        with withEmail, withPhone, withHashedEmail and
 *                                        withHashedPhone (KIND email, phone, email_hash, phone_hash)
 * PublisherInterop load URL IDENTITY      IdentityTokens.fromJsonString: what its getters return
 * </pre>
 *
 * <p>The API key and secret are in UID2_API_KEY and UID2_SECRET_KEY.
 */
public final class PublisherInterop {
  private PublisherInterop() {}

  public static void main(String[] args) {
    String url = args[1];
    String key = System.getenv("UID2_API_KEY");
    String secret = System.getenv("UID2_SECRET_KEY");
    JsonObject out = new JsonObject();
    switch (args[0]) {
      case "generate": {
        TokenGenerateResponse r = new PublisherUid2Client(url, key, secret)
            .generateTokenResponse(TokenGenerateInput.fromEmail(args[2]));
        tokens(out, r.isSuccess(), r.isOptout(), r.isSuccess() ? r.getIdentityJsonString() : null);
        break;
      }
      case "refresh": {
        TokenRefreshResponse r = new PublisherUid2Client(url, key, secret)
            .refreshToken(IdentityTokens.fromJsonString(args[2]));
        tokens(out, r.isSuccess(), r.isOptout(), r.isSuccess() ? r.getIdentityJsonString() : null);
        break;
      }
      case "map": {
        IdentityMapV3Input input = new IdentityMapV3Input();
        for (String arg : Arrays.asList(args).subList(2, args.length)) {
          String[] kindValue = arg.split(":", 2);
          switch (kindValue[0]) {
            case "email": input.withEmail(kindValue[1]); break;
            case "phone": input.withPhone(kindValue[1]); break;
            case "email_hash": input.withHashedEmail(kindValue[1]); break;
            case "phone_hash": input.withHashedPhone(kindValue[1]); break;
            default: throw new IllegalArgumentException("unknown kind " + kindValue[0]);
          }
        }
        IdentityMapV3Response r = new IdentityMapV3Client(url, key, secret).generateIdentityMap(input);
        JsonObject mapped = new JsonObject();
        for (Map.Entry<String, IdentityMapV3Response.MappedIdentity> e : r.getMappedIdentities().entrySet()) {
          JsonObject m = new JsonObject();
          m.addProperty("u", e.getValue().getCurrentRawUid());
          String previous = e.getValue().getPreviousRawUid();
          m.add("p", previous == null ? JsonNull.INSTANCE : new JsonPrimitive(previous));
          m.addProperty("r", e.getValue().getRefreshFrom().getEpochSecond());
          mapped.add(e.getKey(), m);
        }
        JsonObject unmapped = new JsonObject();
        for (Map.Entry<String, IdentityMapV3Response.UnmappedIdentity> e : r.getUnmappedIdentities().entrySet()) {
          unmapped.addProperty(e.getKey(), e.getValue().getRawReason());
        }
        out.add("mapped", mapped);
        out.add("unmapped", unmapped);
        break;
      }
      case "load": {
        IdentityTokens t = IdentityTokens.fromJsonString(args[2]);
        out.addProperty("advertising_token", t.getAdvertisingToken());
        out.addProperty("refresh_token", t.getRefreshToken());
        out.addProperty("is_refreshable", t.isRefreshable());
        out.add("json", JsonParser.parseString(t.getJsonString()));
        break;
      }
      default:
        throw new IllegalArgumentException("unknown command " + args[0]);
    }
    System.out.println(out);
  }

  private static void tokens(JsonObject out, boolean success, boolean optout, String identity) {
    out.addProperty("status", success ? "success" : optout ? "optout" : "other");
    if (identity != null) {
      out.addProperty("identity", identity);
    }
  }
}
