#!/usr/bin/env python3
"""spotipy 2.26, the most used Spotify client, against `playkeeper emulator`.

Runs a real client through what Playkeeper and others ask of Spotify: both logins and their refreshes, /me,
paging /me/playlists by offset, reading items with `fields` and `additional_types`, creating and editing a
playlist (add at a position, remove every occurrence, replace, reorder with a snapshot), Liked Songs and the
/me/library save and remove, following and unfollowing, recently played, and the errors (401, 403, 404, 429,
400). Every call Spotify answers successfully must succeed; every error must carry Spotify's status and shape.

    python3 Tests/Conformance/spotipy_conformance.py .build/debug/playkeeper

Prints each check and "N passed, N failed"; exits 1 if any failed, 2 if the emulator cannot be started.
"""
import json
import subprocess
import sys
import traceback
import urllib.parse
import warnings

import requests
import spotipy
from spotipy.cache_handler import MemoryCacheHandler
from spotipy.exceptions import SpotifyException
from spotipy.oauth2 import SpotifyOAuth, SpotifyPKCE

# spotipy warns about the endpoints Spotify deprecated; the checks call some of them on purpose.
warnings.simplefilter("ignore", DeprecationWarning)

CLIENT_ID = "playkeeper-demo"
CLIENT_SECRET = "playkeeper-demo-secret"
REDIRECT_URI = "http://127.0.0.1:8765/callback"
SCOPES = (
    "playlist-read-private playlist-read-collaborative playlist-modify-public playlist-modify-private "
    "user-library-read user-library-modify user-read-private user-read-recently-played "
    "user-follow-read user-follow-modify"
)


class Emulator:
    """`playkeeper emulator --port 0`, with spotipy's redirect URI registered; its URLs read from what it prints."""

    def __init__(self, binary):
        self.process = subprocess.Popen(
            [binary, "emulator", "--port", "0", "--redirect-uri", REDIRECT_URI],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        urls = {}
        while len(urls) < 2:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError("the emulator stopped: " + self.process.stderr.read())
            key, _, value = line.strip().partition("=")
            if key in ("SPOTIFY_API_URL", "SPOTIFY_ACCOUNTS_URL"):
                urls[key] = value
        self.api = urls["SPOTIFY_API_URL"]
        self.accounts = urls["SPOTIFY_ACCOUNTS_URL"]
        self.admin = self.accounts + "/__emulator"

    def knobs(self, **values):
        requests.patch(self.admin + "/knobs", json=values, timeout=10).raise_for_status()

    def state(self):
        return requests.get(self.admin + "/state", timeout=10).json()

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def run(self, name, check):
        try:
            check()
        except Exception as error:  # a failed check reports and the next one runs
            self.failed += 1
            print(f"FAIL {name}: {error}")
            if not isinstance(error, AssertionError):
                traceback.print_exc(limit=3)
        else:
            self.passed += 1
            print(f"ok   {name}")


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def expect_error(status, call, message=None):
    """The call fails as Spotify fails it: this status, a Web API error body."""
    try:
        call()
    except SpotifyException as error:
        expect(error.http_status == status, f"expected {status}, got {error.http_status}: {error.msg}")
        # spotipy reads the message from Spotify's `{"error": {"status", "message"}}`; another shape leaves None.
        told = error.msg.split(":\n ", 1)[-1]
        expect(told and told != "None", f"no Web API error message in {error.msg!r}")
        if message is not None:
            expect(message in error.msg, f"expected {message!r} in {error.msg!r}")
        return error
    raise AssertionError(f"expected {status}, the call succeeded")


def approve(authorize_url):
    """The emulator approves at once; its redirect carries the code (no browser, nothing listens there)."""
    answer = requests.get(authorize_url, allow_redirects=False, timeout=10)
    expect(answer.status_code in (302, 303), f"/authorize answered {answer.status_code}: {answer.text[:200]}")
    location = answer.headers["Location"]
    expect(location.startswith(REDIRECT_URI), f"redirected to {location}")
    query = urllib.parse.parse_qs(urllib.parse.urlparse(location).query)
    expect("code" in query, f"no code in {location}")
    return query["code"][0]


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    print(f"spotipy {spotipy.__version__ if hasattr(spotipy, '__version__') else '?'} against playkeeper emulator")
    try:
        emulator = Emulator(sys.argv[1])
    except Exception as error:
        print(f"cannot start the emulator: {error}")
        return 2
    try:
        checks = Checks()
        run_checks(emulator, checks)
    finally:
        emulator.stop()
    print(f"{checks.passed} passed, {checks.failed} failed")
    return 1 if checks.failed else 0


def run_checks(emulator, checks):
    def oauth_manager(scope=SCOPES):
        manager = SpotifyOAuth(
            client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri=REDIRECT_URI, scope=scope,
            open_browser=False, cache_handler=MemoryCacheHandler())
        manager.OAUTH_AUTHORIZE_URL = emulator.accounts + "/authorize"
        manager.OAUTH_TOKEN_URL = emulator.accounts + "/api/token"
        return manager

    def client(auth_manager=None, auth=None):
        # No retries, and a 429 answered as it comes (spotipy retries 429s by default, and then drops the headers).
        sp = spotipy.Spotify(
            auth_manager=auth_manager, auth=auth, retries=0, status_retries=0, requests_timeout=10,
            status_forcelist=(500, 502, 503, 504))
        sp.prefix = emulator.api + "/"
        return sp

    # The generated library's cast: a playlist of the person's with songs and an episode, a friend's playlist the
    # person follows (metadata only), Spotify's editorial one, and an album and an artist of the catalogue.
    state = emulator.state()
    library = requests.get(emulator.admin + "/library", timeout=10).json()
    playlists = state["playlists"]
    road_trip = next(p["id"] for p in playlists
                     if p["owner"] == "demo" and any(uri.startswith("spotify:episode:") for uri in p["uris"]))
    friends = next(p["id"] for p in playlists if p["owner"] not in ("demo", "spotify") and "demo" not in p["collaborators"])
    editorial = next(p["id"] for p in playlists if p["owner"] == "spotify")
    tracks = library["tracks"] if isinstance(library["tracks"], list) else list(library["tracks"].values())
    album, artist = tracks[0]["album"]["id"], tracks[0]["artists"][0]["id"]
    context = {}

    # Logins.
    def code_login():
        manager = oauth_manager()
        token = manager.get_access_token(approve(manager.get_authorize_url(state="s1")), check_cache=False)
        expect(token["token_type"] == "Bearer" and token["expires_in"] == 3600, f"token {token}")
        expect(token.get("refresh_token") and token.get("access_token"), "no refresh or access token")
        expect(set(SCOPES.split()) <= set(token["scope"].split()), f"scopes {token['scope']}")
        context["manager"], context["token"] = manager, token
    checks.run("authorization-code login (client secret)", code_login)

    def code_refresh():
        manager, token = context["manager"], context["token"]
        refreshed = manager.refresh_access_token(token["refresh_token"])
        expect(refreshed["access_token"] != token["access_token"], "the access token did not change")
        # A confidential refresh returns no new refresh token: spotipy keeps the old one, which still works.
        expect(refreshed["refresh_token"] == token["refresh_token"], "the refresh token changed")
        again = manager.refresh_access_token(token["refresh_token"])
        expect(again["access_token"], "the kept refresh token stopped working")
        context["sp"] = client(auth_manager=manager)
    checks.run("refresh with the client secret (the refresh token is kept)", code_refresh)

    def pkce_login_and_refresh():
        manager = SpotifyPKCE(
            client_id=CLIENT_ID, redirect_uri=REDIRECT_URI, scope=SCOPES, open_browser=False,
            cache_handler=MemoryCacheHandler())
        manager.OAUTH_AUTHORIZE_URL = emulator.accounts + "/authorize"
        manager.OAUTH_TOKEN_URL = emulator.accounts + "/api/token"
        url = manager.get_authorize_url()
        expect("code_challenge_method=S256" in url, f"not a PKCE authorization: {url}")
        manager.get_access_token(approve(url), check_cache=False)
        token = manager.cache_handler.get_cached_token()
        expect(token and token.get("refresh_token"), "no PKCE token")
        expect(client(auth=token["access_token"]).me()["id"] == "demo", "the PKCE token reads another user")
        refreshed = manager.refresh_access_token(token["refresh_token"])
        # A PKCE refresh rotates the refresh token; the old one stops working, with the Accounts service's shape.
        expect(refreshed["refresh_token"] != token["refresh_token"], "the PKCE refresh token did not rotate")
        old = requests.post(emulator.accounts + "/api/token", data={
            "grant_type": "refresh_token", "refresh_token": token["refresh_token"], "client_id": CLIENT_ID}, timeout=10)
        expect(old.status_code == 400 and old.json().get("error") == "invalid_grant", f"old token: {old.text}")
    checks.run("PKCE login and refresh (the refresh token rotates)", pkce_login_and_refresh)

    def unregistered_redirect():
        manager = SpotifyOAuth(
            client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri="http://127.0.0.1:8766/elsewhere",
            scope=SCOPES, open_browser=False, cache_handler=MemoryCacheHandler())
        manager.OAUTH_AUTHORIZE_URL = emulator.accounts + "/authorize"
        answer = requests.get(manager.get_authorize_url(), allow_redirects=False, timeout=10)
        expect(answer.status_code == 400 and "Location" not in answer.headers, f"answered {answer.status_code}")
        expect("INVALID_CLIENT: Invalid redirect URI" in answer.text, answer.text[:200])
    checks.run("an unregistered redirect URI is refused, with no redirect", unregistered_redirect)

    sp = context.get("sp")
    if sp is None:
        return

    def me():
        user = sp.me()
        expect(user["id"] == "demo" and user["type"] == "user" and user["uri"] == "spotify:user:demo", f"{user}")
        expect("account_id" in user, "no account_id")
        context["me"] = user
    checks.run("/me", me)

    def paging_playlists():
        follows = emulator.state()["follows"]["demo"]
        seen, offset = [], 0
        while True:
            page = sp.current_user_playlists(limit=4, offset=offset)
            expect(page["limit"] == 4 and page["offset"] == offset, f"page {page['limit']}, {page['offset']}")
            seen += [item["id"] for item in page["items"]]
            offset += 4
            if offset >= page["total"]:
                break
        expect(seen == follows, f"{seen} != {follows}")
        # The dev-mode `next` link goes to /users/{id}/playlists, which Development Mode refuses.
        first = sp.current_user_playlists(limit=4)
        expect("/users/demo/playlists" in first["next"], f"next {first['next']}")
        expect_error(403, lambda: sp.next(first))
    checks.run("paging /me/playlists by offset; the next link is refused", paging_playlists)

    def reading_items():
        page = sp.playlist_items(
            road_trip, fields="total,items(item(uri,type))", limit=50, additional_types=("track", "episode"))
        expect(set(page.keys()) == {"total", "items"}, f"fields kept {set(page.keys())}")
        expect(page["total"] == len(page["items"]), f"total {page['total']}")
        # An entry's item is null when the song is no longer available.
        items = [entry["item"] for entry in page["items"] if entry.get("item")]
        types = {item["type"] for item in items}
        expect(types == {"track", "episode"}, f"types {types}")
        expect(all(set(item.keys()) <= {"uri", "type"} for item in items), "fields not applied")
        details = sp.playlist(road_trip, fields="name,snapshot_id")
        expect(set(details.keys()) == {"name", "snapshot_id"} and details["name"], f"{details}")
        context["tracks"] = [item["uri"] for item in items if item["type"] == "track"]
    checks.run("reading items with fields and additional_types", reading_items)

    def editing():
        tracks = list(dict.fromkeys(context["tracks"]))[:6]
        a, b, c, d, e, f = tracks
        created = sp.current_user_playlist_create("spotipy conformance", public=False, description="made by spotipy")
        pid = created["id"]
        expect(created["owner"]["id"] == "demo" and created["public"] is False, f"{created}")

        def order():
            return [entry["item"]["uri"] for entry in sp.playlist_items(pid, additional_types=("track",))["items"]]

        sp.playlist_add_items(pid, [a, b, c])
        sp.playlist_add_items(pid, [d], position=1)
        sp.playlist_add_items(pid, [a])
        expect(order() == [a, d, b, c, a], f"after adds {order()}")
        sp.playlist_remove_all_occurrences_of_items(pid, [a])
        expect(order() == [d, b, c], f"after removing every {a}: {order()}")
        sp.playlist_replace_items(pid, [c, d, e, f])
        expect(order() == [c, d, e, f], f"after replace {order()}")
        snapshot = sp.playlist(pid, fields="snapshot_id")["snapshot_id"]
        moved = sp.playlist_reorder_items(pid, range_start=0, insert_before=4, range_length=2, snapshot_id=snapshot)
        expect(moved["snapshot_id"] != snapshot, "the snapshot did not move")
        expect(order() == [e, f, c, d], f"after reorder {order()}")
        sp.playlist_replace_items(pid, [])
        expect(order() == [], "replace with nothing did not clear it")
        context["created"] = pid
    checks.run("create, add at a position, remove every occurrence, replace, reorder", editing)

    def saved_tracks():
        first = sp.current_user_saved_tracks(limit=5)
        expect(len(first["items"]) == 5 and first["total"] > 5, f"saved page {first['total']}")
        song = next(uri for uri in context["tracks"] if not sp.current_user_saved_tracks_contains([uri])[0])
        sp.current_user_saved_tracks_add([song])
        top = sp.current_user_saved_tracks(limit=1)["items"][0]
        expect(top["track"]["uri"] == song, f"the saved song is not at the top: {top['track']['uri']}")
        expect(sp.current_user_saved_tracks_contains([song]) == [True], "contains says no")
        sp.current_user_saved_tracks_delete([song])
        expect(sp.current_user_saved_tracks_contains([song]) == [False], "contains still says yes")
    checks.run("Liked Songs through /me/tracks and /me/library", saved_tracks)

    def library_types():
        album_uri = f"spotify:album:{album}"
        sp.current_user_saved_albums_add([album_uri])
        expect(sp.current_user_saved_items([album_uri]) == [True], "the saved album is not in the library")
        sp.current_user_saved_albums_delete([album_uri])
        expect(sp.current_user_saved_items([album_uri]) == [False], "the removed album is still there")
        # Artists are followed through /me/following, not saved: /me/library refuses them, and more than 40 URIs.
        expect_error(400, lambda: sp._put("me/library", uris=f"spotify:artist:{artist}"), "Unsupported URL / URI")
        expect_error(400, lambda: sp._put("me/library", uris=",".join([album_uri] * 41)))
        expect_error(400, lambda: sp._put("me/library", uris="spotify:track:not-a-track"))
    checks.run("/me/library with albums; artists, 41 URIs and unknown songs refused", library_types)

    def follow_unfollow():
        sp.current_user_unfollow_playlist(friends)
        ids = [item["id"] for item in sp.current_user_playlists(limit=50)["items"]]
        expect(friends not in ids, "still followed")
        expect(sp.current_user_saved_items([f"spotify:playlist:{friends}"]) == [False], "contains says followed")
        sp.current_user_follow_playlist(friends)
        ids = [item["id"] for item in sp.current_user_playlists(limit=50)["items"]]
        expect(ids[0] == friends, f"not at the top of /me/playlists: {ids[:3]}")
        expect(sp.current_user_saved_items([f"spotify:playlist:{friends}"]) == [True], "contains says not followed")
        # Unfollowing one's own playlist is what deleting it in the app does: it stays readable by id.
        own = context["created"]
        sp._delete("me/library", uris=f"spotify:playlist:{own}")
        ids = [item["id"] for item in sp.current_user_playlists(limit=50)["items"]]
        expect(own not in ids and sp.playlist(own, fields="id")["id"] == own, "deleted playlist not as Spotify's")
    checks.run("follow and unfollow (/me/library and the deprecated followers path)", follow_unfollow)

    def recently_played():
        page = sp.current_user_recently_played(limit=3)
        items = page["items"]
        expect(len(items) == 3, f"{len(items)} plays")
        times = [item["played_at"] for item in items]
        expect(times == sorted(times, reverse=True), "not newest first")
        expect(all(item["track"]["type"] == "track" for item in items), "not tracks")
        before = int(page["cursors"]["before"])
        older = sp.current_user_recently_played(limit=3, before=before)["items"]
        expect(older and older[0]["played_at"] < times[-1], "the before cursor did not page back")
        expect_error(400, lambda: sp.current_user_recently_played(limit=51))
    checks.run("recently played with cursors", recently_played)

    def not_the_persons():
        expect_error(403, lambda: sp.playlist_items(friends))
        expect_error(403, lambda: sp.playlist_add_items(friends, [context["tracks"][0]]))
        expect_error(404, lambda: sp.playlist(editorial))
        # Gone for Development Mode apps since February 2026.
        expect_error(403, lambda: sp.user_playlist_create("demo", "refused"))
        expect_error(403, lambda: sp._get(f"playlists/{road_trip}/tracks"))
    checks.run("403 for a playlist not the person's, 404 editorial, 403 removed paths", not_the_persons)

    def scopes():
        manager = oauth_manager(scope="user-read-private playlist-read-private")
        token = manager.get_access_token(approve(manager.get_authorize_url()), check_cache=False)
        narrow = client(auth=token["access_token"])
        expect_error(403, lambda: narrow.current_user_saved_tracks_add([context["tracks"][0]]), "Insufficient client scope")
        expect_error(403, lambda: narrow.current_user_follow_playlist(friends))
    checks.run("403 for a call outside the granted scopes", scopes)

    def bad_requests():
        pid = context["created"]
        expect_error(400, lambda: sp.playlist_add_items(pid, ["spotify:artist:otzWm1ERIctyOLVkC41hQZ"]))
        expect_error(400, lambda: sp.playlist_add_items(pid, [context["tracks"][0]], position=99))
        expect_error(400, lambda: sp.current_user_playlists(limit=51))
        answer = requests.post(
            f"{emulator.api}/playlists/{pid}/items", data="[not json", timeout=10,
            headers={"Authorization": f"Bearer {context['token']['access_token']}", "Content-Type": "application/json"})
        expect(answer.status_code in (400, 401), f"bad JSON answered {answer.status_code}")
    checks.run("400 for bad URIs, positions, limits and bodies", bad_requests)

    def expired():
        emulator_token = sp.auth_manager.get_access_token(as_dict=False)
        requests.post(emulator.admin + "/tokens/expire", timeout=10).raise_for_status()
        stale = client(auth=emulator_token)
        expect_error(401, stale.me, "Missing/invalid/expired access token")
        answer = requests.get(emulator.api + "/me", headers={"Authorization": f"Bearer {emulator_token}"}, timeout=10)
        body = answer.json()
        expect(answer.status_code == 401 and body == {"error": {"status": 401, "message": body["error"]["message"]}},
               f"401 body {body}")
        # spotipy's manager refreshes with the kept refresh token, and the client works again.
        manager = context["manager"]
        fresh = manager.refresh_access_token(context["token"]["refresh_token"])
        expect(client(auth=fresh["access_token"]).me()["id"] == "demo", "the refreshed token does not work")
        context["fresh"] = fresh["access_token"]
    checks.run("401 with an expired token, Spotify's error shape; a refresh mends it", expired)

    def rate_limited():
        fresh = client(auth=context["fresh"])
        emulator.knobs(rate_limit=2)
        try:
            error = None
            for _ in range(5):
                try:
                    fresh.me()
                except SpotifyException as caught:
                    error = caught
                    break
            expect(error is not None and error.http_status == 429, f"no 429: {error}")
            retry_after = error.headers.get("Retry-After")
            expect(retry_after is not None and int(retry_after) >= 1, f"Retry-After {retry_after}")
        finally:
            emulator.knobs(rate_limit=None)
        expect(fresh.me()["id"] == "demo", "the limit did not lift")
    checks.run("429 with Retry-After from the rate-limit knob", rate_limited)


if __name__ == "__main__":
    sys.exit(main())
