"""The Portal (go/portal) in a real browser: headless Chromium driven by Playwright against
`uid2 serve`. Every test fails if a page logs a console error or throws.

Covers uid2-spec-publisher §5.10's checklist, adding and deleting with confirmations, the
request -> accept / decline flow between two participants in two browser contexts, API keys
made in the page and used by the Python binding, the security cases (another site's pages and
forged forms, a missing CSRF token, wrong passwords and their rate limit, a signed-out cookie),
the page on a narrow window and by keyboard, and end to end with the official Python SDK.

Environment: UID2_CLI (the uid2 command), UID2_LIBRARY_PATH (libuid2.so) and LIBUID2_PY_SRC (the
Python binding's src/) for the binding; UID2_OFFICIAL_PYTHON and UID2_OFFICIAL_DRIVER for the
official SDK; PORTAL_SCREENSHOTS: a directory to write the main pages' screenshots to (default
$TEST_UNDECLARED_OUTPUTS_DIR; docs/portal is refreshed from them by hand).
"""

import os
import re
import secrets
import sys
import tempfile
import unittest

from playwright.sync_api import expect

import harness
from harness import PASSWORD, first_sign_in, sign_in

RAW_UID = "ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM="


class PortalTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="portal-test-")
        os.environ.setdefault("HOME", cls.tmp)
        cls.svc = harness.Service(os.environ["UID2_CLI"], cls.tmp)
        cls.portal = cls.svc.portal
        cls.browser = harness.Browser()
        cls.shots = os.environ.get("PORTAL_SCREENSHOTS") or os.environ.get("TEST_UNDECLARED_OUTPUTS_DIR")

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.svc.stop()

    def setUp(self):
        self.browser.errors.clear()
        self.contexts = []

    def tearDown(self):
        for c in self.contexts:
            c.close()
        self.assertEqual(self.browser.errors, [], "console errors")

    def context(self, **kw):
        c = self.browser.context(**kw)
        self.contexts.append(c)
        return c

    def participant(self, name, types, roles=("sharer",), **kw):
        """A site with a key and a signed-in user: (site id, page)."""
        allow = kw.pop("allow_status", ())
        site, _ = self.svc.site("%s %s" % (name, secrets.token_hex(3)), types, roles, **kw)
        email = "%s-%d@example.com" % (name.lower().replace(" ", "-"), site)
        otp = self.svc.user(site, email)
        page = self.browser.page(self.context(), allow_status=allow)
        first_sign_in(page, self.portal, email, otp)
        return site, page

    def shot(self, page, name, full_page=True):
        """Saves a screenshot of the page (only the window for a dialog, whose backdrop covers
        only the window)."""
        if self.shots:
            os.makedirs(self.shots, exist_ok=True)
            page.screenshot(path=os.path.join(self.shots, name + ".png"), full_page=full_page)

    def open_sharing(self, page, site):
        page.goto("%ssite/%d/sharing" % (self.portal, site))

    # --- §5.10: the bulk box --------------------------------------------------------------

    def test_bulk_recommendation_view_participants_and_warnings(self):
        dsp, _ = self.svc.site("Bulk DSP " + secrets.token_hex(2), ["dsp"], ["bidder"])
        dsp_nokey, _ = self.svc.site("Keyless DSP " + secrets.token_hex(2), ["dsp"])
        adv, _ = self.svc.site("Bulk Advertiser " + secrets.token_hex(2), ["advertiser"], ["sharer"])
        pub, page = self.participant("Pub", ["publisher"], roles=("generator",))
        self.open_sharing(page, pub)
        bulk = page.locator("#bulk")
        # Recommendation mode: open, labelled, the DSP box pre-ticked for a Publisher.
        expect(bulk).to_have_attribute("open", "")
        expect(page.locator("#recommendation-label")).to_have_text("Recommendation")
        expect(page.locator("#recommendation")).to_have_text("As a Publisher, we recommend you share with all DSPs.")
        expect(page.locator("#bulk-form").get_by_label("DSP", exact=True)).to_be_checked()
        for t in ("Publisher", "Advertiser", "Data Provider"):
            expect(page.locator("#bulk-form").get_by_label(t, exact=True)).not_to_be_checked()
        # A publisher without a Sharer key is told how to be shared with.
        expect(page.locator("#publisher-note")).to_be_visible()
        # View Participants: shown while a box is ticked; lists the valid DSP targets.
        view = page.get_by_role("button", name="View Participants")
        expect(view).to_be_visible()
        view.click()
        table = page.locator("#bulk-participants")
        expect(table.locator("tr:visible", has_text="Bulk DSP")).to_have_count(1)
        expect(table.locator("tr:visible", has_text="Keyless DSP")).to_have_count(0)  # not a valid target
        expect(table.locator("tr:visible", has_text="Bulk Advertiser")).to_have_count(0)
        expect(page.get_by_role("button", name="Hide Participants")).to_be_visible()
        self.shot(page, "sharing-recommendation")
        # Unticking DSP in recommendation mode warns a publisher; no box ticked hides the link.
        page.locator("#bulk-form").get_by_label("DSP", exact=True).uncheck()
        expect(page.locator("#warn-publisher-dsp")).to_be_visible()
        expect(page.locator("#warn-remove-type")).to_be_hidden()
        expect(page.locator("#view-participants")).to_be_hidden()
        page.locator("#bulk-form").get_by_label("DSP", exact=True).check()
        expect(page.locator("#warn-publisher-dsp")).to_be_hidden()
        # Save: the type grant includes future DSPs.
        page.get_by_role("button", name="Save Permissions").click()
        expect(page.get_by_role("status")).to_have_text("1 participant type saved to your sharing permissions.")
        grants = self.svc.grants(pub)
        self.assertEqual([(g["type"], g.get("future")) for g in grants if g["sender"] == pub], [("dsp", True)])
        # After the first save: closed, no label, the boxes show the saved types, Save disabled.
        expect(bulk).not_to_have_attribute("open", "")
        expect(page.locator("#recommendation-label")).to_have_count(0)
        bulk.locator("summary").click()
        expect(page.locator("#bulk-form").get_by_label("DSP", exact=True)).to_be_checked()
        expect(page.get_by_role("button", name="Save Permissions")).to_be_disabled()
        # The list: the valid DSP is shown as Bulk, the keyless DSP (not a valid target) is not.
        rows = page.locator("#permissions-table tbody tr")
        expect(rows.filter(has_text="Bulk DSP")).to_contain_text("Bulk: DSP")
        expect(rows.filter(has_text="Keyless DSP")).to_have_count(0)
        # Bulk-only rows cannot be deleted here.
        expect(rows.filter(has_text="Bulk DSP").locator("button.trash")).to_be_disabled()
        # Unticking a saved type warns about removing the type (and, for a publisher, DSPs).
        page.locator("#bulk-form").get_by_label("DSP", exact=True).uncheck()
        expect(page.locator("#warn-remove-type")).to_be_visible()
        expect(page.locator("#warn-publisher-dsp")).to_be_visible()
        # Publisher box ticked when allowed_types contains PUBLISHER.
        page.locator("#bulk-form").get_by_label("DSP", exact=True).check()
        page.locator("#bulk-form").get_by_label("Publisher", exact=True).check()
        page.get_by_role("button", name="Save Permissions").click()
        expect(page.get_by_role("status")).to_have_text("2 participant types saved to your sharing permissions.")
        page.locator("#bulk summary").click()
        expect(page.locator("#bulk-form").get_by_label("Publisher", exact=True)).to_be_checked()
        self.assertEqual(sorted(g["type"] for g in self.svc.grants(pub) if g["sender"] == pub), ["dsp", "publisher"])
        del dsp_nokey, adv, dsp

    def test_recommendations_by_type(self):
        cases = {
            ("data-provider",): ("As a Data Provider, we recommend you share with all Publishers, Advertisers and DSPs.",
                                 ["Publisher", "Advertiser", "DSP"]),
            ("advertiser",): ("As an Advertiser, we recommend you share with all DSPs and Data Providers.", ["DSP", "Data Provider"]),
            ("dsp", "advertiser"): ("As a DSP and Advertiser, we recommend you share with all Advertisers, DSPs and Data Providers.",
                                    ["Advertiser", "DSP", "Data Provider"]),
            ("advertiser", "data-provider"): ("As an Advertiser and Data Provider, we recommend you share with all participants.",
                                              ["Publisher", "Advertiser", "DSP", "Data Provider"]),
        }
        for types, (text, ticked) in cases.items():
            site, page = self.participant("Rec", list(types))
            self.open_sharing(page, site)
            expect(page.locator("#recommendation")).to_have_text(text)
            for t in ("Publisher", "Advertiser", "DSP", "Data Provider"):
                box = expect(page.locator("#bulk-form").get_by_label(t, exact=True))
                box.to_be_checked() if t in ticked else box.not_to_be_checked()
            # Not a publisher: no DSP warning even with DSP unticked.
            page.locator("#bulk-form").get_by_label("DSP", exact=True).set_checked(False)
            expect(page.locator("#warn-publisher-dsp")).to_be_hidden()

    # --- §5.10: individual search, the list, delete ----------------------------------------

    def test_individual_add_list_search_and_delete(self):
        tag = secrets.token_hex(2)
        names = {"alpha": "Alpha Ads %s" % tag, "beta": "Beta Bids %s" % tag, "gamma": "Gamma Data %s" % tag}
        alpha, _ = self.svc.site(names["alpha"], ["advertiser"], ["sharer"])
        beta, _ = self.svc.site(names["beta"], ["dsp"], ["bidder"])
        gamma, _ = self.svc.site(names["gamma"], ["data-provider"], ["sharer"])
        keyless, _ = self.svc.site("Keyless Pub %s" % tag, ["publisher"])
        me, page = self.participant("Sender", ["advertiser"])
        # An explicitly shared site is listed even though it is not a valid target.
        self.svc.admin("sharing", "grant", "--site", me, "--to", keyless)
        self.open_sharing(page, me)
        expect(page.locator("#no-permissions")).to_have_count(0)
        # The dropdown opens only on click.
        dropdown = page.locator("#search-dropdown")
        expect(dropdown).to_be_hidden()
        page.get_by_placeholder("Search Participants").click()
        expect(dropdown).to_be_visible()
        expect(page.locator("#candidate-list li:visible", has_text=names["beta"])).to_have_count(1)
        expect(page.locator("#candidate-list li", has_text="Keyless Pub %s" % tag)).to_have_count(0)
        # Type chips: OR filter.
        page.get_by_role("button", name="DSP", exact=True).click()
        expect(page.locator("#candidate-list li:visible", has_text=tag)).to_have_count(1)
        page.get_by_role("button", name="Data Provider", exact=True).click()
        expect(page.locator("#candidate-list li:visible", has_text=tag)).to_have_count(2)
        page.get_by_role("button", name="DSP", exact=True).click()
        page.get_by_role("button", name="Data Provider", exact=True).click()
        # Search text: case-insensitive substring.
        page.get_by_placeholder("Search Participants").fill("beta bids " + tag.upper())
        expect(page.locator("#candidate-list li:visible")).to_have_count(1)
        page.get_by_label(names["beta"]).check()
        expect(page.locator("#selected-count")).to_have_text("1 Participant selected")
        # Clearing the text closes it; selections persist and show checked when it reopens.
        page.get_by_placeholder("Search Participants").fill("")
        expect(dropdown).to_be_hidden()
        page.get_by_placeholder("Search Participants").fill("Gamma")
        page.get_by_label(names["gamma"]).check()
        page.get_by_placeholder("Search Participants").fill("")
        page.get_by_placeholder("Search Participants").click()
        expect(page.get_by_label(names["beta"])).to_be_checked()
        expect(page.locator("#selected-count")).to_have_text("2 Participants selected")
        # Review dialog; Cancel changes nothing, Save adds both.
        page.locator("h1").click()
        page.get_by_role("button", name="Add Permissions").click()
        dialog = page.get_by_role("dialog", name="Please review the following changes")
        expect(dialog).to_be_visible()
        expect(dialog.locator("li")).to_have_text([names["beta"], names["gamma"]])
        self.shot(page, "sharing-add-review", full_page=False)
        dialog.get_by_role("button", name="Cancel").click()
        expect(dialog).to_be_hidden()
        self.assertEqual([g for g in self.svc.grants(me) if g["sender"] == me and g.get("site") in (beta, gamma)], [])
        page.get_by_role("button", name="Add Permissions").click()
        dialog.get_by_role("button", name="Save").click()
        expect(page.get_by_role("status")).to_have_text("2 participants added to your sharing permissions.")
        self.assertEqual(harness.low_contrast(page), [])
        shared = {g.get("site") for g in self.svc.grants(me) if g["sender"] == me}
        self.assertEqual(shared, {keyless, beta, gamma})
        # The list: all shared sites, Manual source; search filters; a check shows Delete.
        rows = page.locator("#permissions-table tbody tr")
        expect(rows).to_have_count(3)
        expect(rows.filter(has_text="Keyless Pub")).to_contain_text("Manual")
        page.get_by_placeholder("Search sharing permissions").fill("gamma")
        expect(page.locator("#permissions-table tbody tr:visible")).to_have_count(1)
        page.get_by_placeholder("Search sharing permissions").fill("")
        page.locator("#type-filter summary").click()
        page.locator("#type-filter").get_by_label("DSP").check()
        expect(page.locator("#type-filter-label")).to_have_text("Participant Type: DSP")
        expect(page.locator("#permissions-table tbody tr:visible")).to_have_count(1)
        page.locator("#type-filter").get_by_label("DSP").uncheck()
        page.locator("#type-filter summary").click()
        expect(page.get_by_role("button", name="Delete Permissions")).to_be_hidden()
        page.get_by_label("Select " + names["gamma"]).check()
        expect(page.get_by_role("button", name="Delete Permissions")).to_be_visible()
        self.shot(page, "sharing-permissions")
        # Delete with confirmation: Cancel keeps it, Delete Permissions removes it.
        page.get_by_role("button", name="Delete Permissions").click()
        dialog = page.get_by_role("dialog", name="Are you sure you want to delete these permissions?")
        expect(dialog.locator("li")).to_have_text([names["gamma"]])
        dialog.get_by_role("button", name="Cancel").click()
        self.assertIn(gamma, {g.get("site") for g in self.svc.grants(me)})
        page.get_by_role("button", name="Delete the permission of " + names["gamma"]).click()
        expect(dialog.locator("li")).to_have_text([names["gamma"]])
        self.shot(page, "sharing-delete-confirm", full_page=False)
        dialog.get_by_role("button", name="Delete Permissions").click()
        expect(page.get_by_role("status")).to_have_text("1 sharing permission deleted.")
        self.assertNotIn(gamma, {g.get("site") for g in self.svc.grants(me) if g["sender"] == me})
        # A manual row also covered in bulk says it stays shared.
        expect(page.locator("#bulk")).to_have_attribute("open", "")  # still recommending
        page.locator("#bulk-form").get_by_label("DSP", exact=True).check()
        page.locator("#bulk-form").get_by_label("Data Provider", exact=True).uncheck()
        page.get_by_role("button", name="Save Permissions").click()
        row = page.locator("#permissions-table tbody tr", has_text=names["beta"])
        expect(row).to_contain_text("Manual and Bulk: DSP")
        row.get_by_role("button", name="Delete the permission of " + names["beta"]).click()
        expect(dialog.locator("li")).to_have_text([names["beta"] + " (This site will remain shared by DSP)"])
        dialog.get_by_role("button", name="Delete Permissions").click()
        expect(page.get_by_role("status")).to_have_text("1 sharing permission deleted.")
        expect(page.locator("#permissions-table tbody tr", has_text=names["beta"])).to_contain_text("Bulk: DSP")
        # Home card counts.
        page.get_by_role("link", name="Home").click()
        expect(page.locator("#manual-count")).to_have_text("1")  # the keyless publisher
        # Automatic: every other site of a shared type, valid target or not (spec §5.6).
        dsps = [s for s in self.svc.admin("site", "list") if "dsp" in s["types"] and s["id"] != me]
        expect(page.locator("#automatic-count")).to_have_text(str(len(dsps)))
        self.shot(page, "home")
        del alpha

    def test_empty_list(self):
        me, page = self.participant("Empty", ["dsp"], roles=("bidder",))
        self.open_sharing(page, me)
        expect(page.locator("#no-permissions")).to_contain_text("No Participants")
        expect(page.locator("#no-permissions")).to_contain_text("You don't have any sharing permissions yet.")

    # --- requests: two participants, two browser contexts ----------------------------------

    def test_request_accept_and_decline(self):
        sender, sp = self.participant("Request Sender", ["publisher"])
        receiver, rp = self.participant("Request Receiver", ["dsp"], roles=("bidder",))
        other, op = self.participant("Request Other", ["advertiser"])
        sender_name = self.svc.admin("site", "list")
        sender_name = next(s["name"] for s in sender_name if s["id"] == sender)
        for page, site in ((rp, receiver), (op, other)):
            self.open_sharing(page, site)
            page.get_by_label("Participant to ask").select_option(str(sender))
            page.get_by_role("button", name="Send Request").click()
            expect(page.get_by_role("status")).to_have_text("Your request to %s is sent." % sender_name)
            expect(page.locator("#outgoing tr", has_text=sender_name)).to_contain_text("Pending")
        # Pending requests grant nothing.
        self.assertEqual([g for g in self.svc.grants(sender) if g["sender"] == sender], [])
        self.open_sharing(sp, sender)
        incoming = sp.locator("#incoming tbody tr")
        expect(incoming).to_have_count(2)
        self.shot(sp, "sharing-requests")
        sp.locator("#incoming tr", has_text="Request Receiver").get_by_role("button", name="Accept").click()
        expect(sp.get_by_role("status")).to_contain_text("is accepted")
        sp.locator("#incoming tr", has_text="Request Other").get_by_role("button", name="Decline").click()
        expect(sp.get_by_role("status")).to_contain_text("is declined")
        expect(sp.locator("#no-incoming")).to_be_visible()
        expect(sp.locator("#permissions-table tbody tr", has_text="Request Receiver")).to_contain_text("Manual")
        self.assertEqual([g["site"] for g in self.svc.grants(sender) if g["sender"] == sender], [receiver])
        rp.reload()
        expect(rp.locator("#outgoing tr", has_text=sender_name)).to_contain_text("Accepted")
        op.reload()
        expect(op.locator("#outgoing tr", has_text=sender_name)).to_contain_text("Declined")

    # --- API keys ---------------------------------------------------------------------------

    def test_api_key_made_in_page_refreshes_through_the_binding(self):
        me, page = self.participant("Keys", ["dsp"], roles=())
        page.get_by_role("link", name="API Keys").click()
        page.get_by_label("Name").fill("bidder box")
        page.get_by_label("Sharer").check()
        page.get_by_label("Bidder").check()
        page.get_by_role("button", name="Add API Key").click()
        expect(page.get_by_role("status")).to_contain_text("created")
        api_key = page.get_by_label("API key", exact=True).input_value()
        secret = page.get_by_label("Secret").input_value()
        self.assertTrue(api_key.startswith("UID2-C-L-%d-" % me))
        self.shot(page, "apikeys-created")
        # Closing asks first; cancelling stays.
        page.get_by_role("link", name="Done").click()
        dialog = page.locator("#confirm-dialog")
        expect(dialog).to_contain_text("cannot be shown again")
        dialog.get_by_role("button", name="Cancel").click()
        expect(page.locator("#credentials")).to_be_visible()
        page.get_by_role("link", name="Done").click()
        dialog.get_by_role("button", name="Yes").click()
        expect(page.locator("#credentials")).to_have_count(0)
        row = page.locator("#apikeys tbody tr", has_text="bidder box")
        expect(row).to_contain_text("Sharer")
        expect(row).to_contain_text("Active")
        self.assertEqual(self.refresh_with_binding(api_key, secret), "SUCCESS")
        # Disable, with confirmation: the key stops working.
        row.get_by_role("button", name=re.compile("Disable API key")).click()
        dialog.get_by_role("button", name="Yes").click()
        expect(page.get_by_role("status")).to_contain_text("is disabled")
        expect(page.locator("#apikeys tbody tr", has_text="bidder box")).to_contain_text("Disabled")
        self.assertNotEqual(self.refresh_with_binding(api_key, secret), "SUCCESS")
        self.assertEqual(harness.low_contrast(page), [])
        self.shot(page, "apikeys")

    def refresh_with_binding(self, api_key, secret):
        code = (
            "import json, sys; sys.path.insert(0, %r)\n"
            "from libuid2 import SharingClient\n"
            "with SharingClient(%r, %r, %r) as c:\n"
            "    r = c.refresh()\n"
            "print(json.dumps('SUCCESS' if r.success else str(r.reason)))\n"
        ) % (os.environ["LIBUID2_PY_SRC"], self.svc.url, api_key, secret)
        return harness.run_python(code, {"UID2_LIBRARY_PATH": os.environ["UID2_LIBRARY_PATH"]})

    def test_details_page(self):
        site, _ = self.svc.site("Details Co " + secrets.token_hex(2), ["publisher", "dsp"], ["generator"],
                                domains=["example.com", "news.example"])
        otp = self.svc.user(site, "details-%d@example.com" % site)
        page = self.browser.page(self.context())
        first_sign_in(page, self.portal, "details-%d@example.com" % site, otp)
        page.get_by_role("link", name="Participant Information").click()
        expect(page.locator("#detail-name")).to_contain_text("Details Co")
        expect(page.locator("#domains li")).to_have_text(["example.com", "news.example"])
        expect(page.locator(".details")).to_contain_text("Generator")
        self.shot(page, "details")

    # --- security ---------------------------------------------------------------------------

    def test_other_sites_pages_and_forms_are_refused(self):
        victim, vp = self.participant("Victim", ["advertiser"])
        dsp, _ = self.svc.site("Victim DSP " + secrets.token_hex(2), ["dsp"], ["bidder"])
        self.svc.admin("sharing", "grant", "--site", victim, "--to", dsp)
        key = self.svc.admin("apikey", "create", "--site", victim, "--roles", "sharer")
        mallory, mp = self.participant("Mallory", ["dsp"], roles=("bidder",), allow_status=(403, 409))
        # Mallory asks the victim; the victim's pending request is what Mallory tries to accept.
        req = self.svc.admin("sharing", "request", "--site", mallory, "--from", victim)
        before = self.svc.grants(victim)
        for path in ("", "sharing", "apikeys", "details"):
            resp = mp.goto("%ssite/%d/%s" % (self.portal, victim, path))
            self.assertEqual(resp.status, 403)
            expect(mp.locator("#refusal")).to_contain_text("only your own participant")
            expect(mp.locator("body")).not_to_contain_text("Victim DSP")
        self.shot(mp, "refused")
        self.open_sharing(mp, mallory)
        csrf = mp.locator("input[name=csrf]").first.input_value()
        # Forged forms with Mallory's own valid token: against the victim's URLs ...
        for action, fields in (("sharing/delete", {"site": dsp}), ("sharing/types", {"type": "dsp"}),
                               ("sharing/add", {"site": mallory}), ("apikeys/%s/disable" % key["key_id"], {}),
                               ("sharing/requests/%d/accept" % req["id"], {})):
            self.post(mp, "%ssite/%d/%s" % (self.portal, victim, action), dict(fields, csrf=csrf))
            expect(mp.locator("#refusal")).to_contain_text("only your own participant")
        # ... and through Mallory's own URLs naming the victim's things.
        self.post(mp, "%ssite/%d/sharing/requests/%d/accept" % (self.portal, mallory, req["id"]), {"csrf": csrf})
        expect(mp.get_by_role("alert")).to_have_text("There is no such request.")
        self.post(mp, "%ssite/%d/apikeys/%s/disable" % (self.portal, mallory, key["key_id"]), {"csrf": csrf})
        expect(mp.get_by_role("alert")).to_contain_text("has no API key")
        self.assertEqual(self.svc.grants(victim), before)
        keys = self.svc.admin("apikey", "list", "--site", victim)
        self.assertNotIn("disabled", keys[0])
        del vp

    def post(self, page, url, fields):
        """Submits a form built in the page (as a forged page would)."""
        page.evaluate("""([url, fields]) => {
            const f = document.createElement("form");
            f.method = "post"; f.action = url;
            for (const [k, v] of Object.entries(fields)) {
                const i = document.createElement("input"); i.type = "hidden"; i.name = k; i.value = String(v); f.append(i);
            }
            document.body.append(f); f.submit();
        }""", [url, fields])
        page.wait_for_load_state()

    def test_change_without_csrf_token_is_refused(self):
        me, page = self.participant("NoCSRF", ["advertiser"], allow_status=(403,))
        dsp, _ = self.svc.site("CSRF DSP " + secrets.token_hex(2), ["dsp"], ["bidder"])
        self.open_sharing(page, me)
        for fields in ({"site": dsp}, {"site": dsp, "csrf": "forged"}):
            self.post(page, "%ssite/%d/sharing/add" % (self.portal, me), fields)
            expect(page.locator("#refusal")).to_contain_text("security token")
        self.assertEqual([g for g in self.svc.grants(me) if g["sender"] == me], [])
        # The same form with the page's token goes through.
        self.open_sharing(page, me)
        csrf = page.locator("input[name=csrf]").first.input_value()
        self.post(page, "%ssite/%d/sharing/add" % (self.portal, me), {"site": dsp, "csrf": csrf})
        expect(page.get_by_role("status")).to_have_text("1 participant added to your sharing permissions.")

    def test_wrong_password_is_refused_and_rate_limited(self):
        site, _ = self.svc.site("Locked " + secrets.token_hex(2), ["publisher"])
        email = "locked-%d@example.com" % site
        otp = self.svc.user(site, email)
        page = self.browser.page(self.context(), allow_status=(401, 429))
        first_sign_in(page, self.portal, email, otp)
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("status")).to_have_text("You are signed out.")
        for _ in range(5):
            sign_in(page, self.portal, email, "not the password")
            expect(page.locator("#signin-error")).to_have_text("The email address or the password is wrong.")
        self.shot(page, "signin")
        self.assertEqual(harness.low_contrast(page), [])
        # The sixth try is refused even with the right password.
        sign_in(page, self.portal, email, PASSWORD)
        expect(page.locator("#signin-error")).to_contain_text("Too many failed sign-in attempts")
        self.assertIn("/portal/signin", page.url)
        # An unknown email is refused with the same words.
        sign_in(page, self.portal, "nobody-%d@example.com" % site, PASSWORD)
        expect(page.locator("#signin-error")).to_have_text("The email address or the password is wrong.")

    def test_signed_out_cookie_no_longer_works(self):
        me, page = self.participant("Signout", ["advertiser"])
        cookies = page.context.cookies()
        session = [c for c in cookies if c["name"] == "uid2_portal"]
        self.assertEqual(len(session), 1)
        self.assertTrue(session[0]["httpOnly"])
        self.assertTrue(session[0]["secure"])
        self.assertEqual(session[0]["sameSite"], "Strict")
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("status")).to_have_text("You are signed out.")
        # A browser that kept the old cookie gets the sign-in page and its changes are refused.
        thief = self.context()
        thief.add_cookies(session)
        tp = self.browser.page(thief, allow_status=(401,))
        tp.goto("%ssite/%d/sharing" % (self.portal, me))
        self.assertIn("/portal/signin", tp.url)
        self.post(tp, "%ssite/%d/sharing/types" % (self.portal, me), {"type": "dsp", "csrf": "x"})
        expect(tp.locator("#refusal")).to_contain_text("not signed in")

    # --- usability --------------------------------------------------------------------------

    def test_narrow_window_and_keyboard(self):
        target, _ = self.svc.site("Keyboard DSP " + secrets.token_hex(2), ["dsp"], ["bidder"])
        me, page = self.participant("Narrow", ["publisher"])
        page.set_viewport_size({"width": 360, "height": 740})
        self.open_sharing(page, me)
        # Nothing wider than the window but the tables' own scrolling boxes.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        self.assertLessEqual(overflow, 0)
        expect(page.get_by_role("link", name="Sharing Permissions")).to_be_visible()
        self.shot(page, "sharing-narrow")
        self.assertEqual(harness.low_contrast(page), [])
        # Keyboard only: the first Tab reaches the skip link; then search, pick, review, save.
        page.keyboard.press("Tab")
        self.assertEqual(page.evaluate("document.activeElement.textContent"), "Skip to main content")
        page.locator("#search-participants").focus()
        page.keyboard.type("Keyboard DSP")
        expect(page.locator("#search-dropdown")).to_be_visible()
        box = page.locator('#candidate-list input[value="%d"]' % target)
        for _ in range(12):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.name") == "site":
                break
        self.assertEqual(page.evaluate("document.activeElement.value"), str(target))
        page.keyboard.press("Space")
        expect(box).to_be_checked()
        page.keyboard.press("Escape")
        page.locator("#add-permissions").focus()
        page.keyboard.press("Enter")
        dialog = page.get_by_role("dialog", name="Please review the following changes")
        expect(dialog).to_be_visible()
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        self.assertEqual(page.evaluate("document.activeElement.id"), "add-permissions")
        # Every control has a name a screen reader can say.
        unnamed = page.evaluate("""() => Array.from(document.querySelectorAll('input:not([type=hidden]), select, button'))
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby')
                         && !(e.tagName === 'BUTTON' && e.textContent.trim()) && !e.getAttribute('placeholder'))
            .map(e => e.outerHTML)""")
        self.assertEqual(unnamed, [])

    # --- end to end with the official Python SDK --------------------------------------------

    def test_end_to_end_type_grant_with_future_members(self):
        python, driver = os.environ["UID2_OFFICIAL_PYTHON"], os.environ["UID2_OFFICIAL_DRIVER"]
        sender, page = self.participant("E2E Sender", ["publisher"])
        sender_key = self.svc.admin("apikey", "create", "--site", sender, "--roles", "sharer")
        self.open_sharing(page, sender)
        # Share with every Data Provider, including those that join later.
        page.locator("#bulk-form").get_by_label("DSP", exact=True).uncheck()
        page.locator("#bulk-form").get_by_label("Data Provider", exact=True).check()
        page.get_by_role("button", name="Save Permissions").click()
        expect(page.get_by_role("status")).to_have_text("1 participant type saved to your sharing permissions.")
        # No DSP warning for a publisher that never saved DSP, once past the recommendation.
        page.locator("#bulk summary").click()
        expect(page.locator("#bulk-form").get_by_label("DSP", exact=True)).not_to_be_checked()
        expect(page.locator("#warn-publisher-dsp")).to_be_hidden()
        page.locator("#bulk summary").click()
        # A data provider created after the grant.
        late, late_key = self.svc.site("Late Data Provider " + secrets.token_hex(2), ["data-provider"], ["sharer"])
        [enc] = harness.official(driver, python, "encrypt", self.svc.url, sender_key, [RAW_UID])
        self.assertEqual(enc["status"], "SUCCESS")
        [dec] = harness.official(driver, python, "decrypt", self.svc.url, late_key, [enc["token"]])
        self.assertEqual((dec["status"], dec["uid"], dec["site_id"]), ("SUCCESS", RAW_UID, sender))
        # The sender removes the type in the page; the receiver's next refresh loses the keys.
        page.locator("#bulk summary").click()
        page.locator("#bulk-form").get_by_label("Data Provider", exact=True).uncheck()
        expect(page.locator("#warn-remove-type")).to_be_visible()
        page.get_by_role("button", name="Save Permissions").click()
        expect(page.get_by_role("status")).to_have_text("0 participant types saved to your sharing permissions.")
        [dec] = harness.official(driver, python, "decrypt", self.svc.url, late_key, [enc["token"]])
        self.assertEqual(dec["status"], "NOT_AUTHORIZED_FOR_KEY")
        del late


if __name__ == "__main__":
    unittest.main(argv=sys.argv, verbosity=2)
