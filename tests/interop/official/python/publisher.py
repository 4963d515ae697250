"""The official UID2 Python SDK (uid2-client, pinned in ../requirements.txt) as a publisher, a
mapper and a bidder against a key service (`uid2 serve`), over the SDK's own HTTP stack. Runs
under the SDK's virtual environment, never with libuid2 on the path; tests/interop/interop.py
drives it and asserts what it prints (one JSON object on standard output):

    publisher.py generate URL EMAIL        Uid2PublisherClient.generate_token(from_email)
    publisher.py refresh URL IDENTITY      Uid2PublisherClient.refresh_token(IdentityTokens JSON)
    publisher.py map URL KIND:VALUE...     IdentityMapV3Client.generate_identity_map, the input built
                                           with with_email, with_phone, with_hashed_email and
                                           with_hashed_phone (KIND email, phone, email_hash, phone_hash)
    publisher.py load URL IDENTITY         IdentityTokens.from_json_string: what its getters return
    publisher.py decrypt URL TOKEN         BidstreamClient, after refresh()

The API key and secret are in UID2_API_KEY and UID2_SECRET_KEY.
"""

import json
import os
import sys

from uid2_client import (BidstreamClient, IdentityMapV3Client, IdentityMapV3Input, IdentityTokens,
                         TokenGenerateInput, Uid2PublisherClient)


def tokens(response):
    out = {"status": "success" if response.is_success() else "optout" if response.is_optout() else "other"}
    if response.is_success():
        out["identity"] = response.get_identity_json_string()
    return out


def main(argv):
    command, url, args = argv[1], argv[2], argv[3:]
    key, secret = os.environ["UID2_API_KEY"], os.environ["UID2_SECRET_KEY"]
    if command == "generate":
        out = tokens(Uid2PublisherClient(url, key, secret).generate_token(TokenGenerateInput.from_email(args[0])))
    elif command == "refresh":
        identity = IdentityTokens.from_json_string(args[0])
        out = tokens(Uid2PublisherClient(url, key, secret).refresh_token(identity))
    elif command == "map":
        given = IdentityMapV3Input()
        add = {"email": given.with_email, "phone": given.with_phone, "email_hash": given.with_hashed_email,
               "phone_hash": given.with_hashed_phone}
        for arg in args:
            kind, value = arg.split(":", 1)
            add[kind](value)
        r = IdentityMapV3Client(url, key, secret).generate_identity_map(given)
        out = {"mapped": {k: {"u": v.current_raw_uid, "p": v.previous_raw_uid,
                              "r": int(v.refresh_from.timestamp())} for k, v in r.mapped_identities.items()},
               "unmapped": {k: v.raw_reason for k, v in r.unmapped_identities.items()}}
    elif command == "load":
        t = IdentityTokens.from_json_string(args[0])
        out = {"advertising_token": t.get_advertising_token(), "refresh_token": t.get_refresh_token(),
               "refresh_response_key": t.get_refresh_response_key(), "identity_expires": t.get_identity_expires(),
               "refresh_expires": t.get_refresh_expires(), "refresh_from": t.get_refresh_from(),
               "is_refreshable": t.is_refreshable(), "json": json.loads(t.get_json_string())}
    elif command == "decrypt":
        client = BidstreamClient(url, key, secret)
        client.refresh()
        r = client.decrypt_token_into_raw_uid(args[0], None)
        out = {"status": r.status.name, "uid": r.uid, "site_id": r.site_id}
    else:
        raise SystemExit("unknown command " + command)
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv)
