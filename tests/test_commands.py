"""`waqr codes ...` (list, get, create, edit, delete) and `waqr instances`, `waqr link --pairing`, on the sandbox:
output shapes, exit codes, what reaches the services."""

from __future__ import annotations

import asyncio
import io
import json
import threading
from pathlib import Path

import httpx
import pytest

from tests.cli_helpers import HOSTILE, CountingSandbox, Run, Tty, box, one_line, waqr  # noqa: F401 - fixtures
from tui.api.errors import RateLimitError
from tui.cli import main
from tui.commands import FAILED, error_line
from tui.commands.codes import delete_codes, list_codes
from tui.commands.instances import pair
from tui.commands.output import Console
from tui.config import load_settings
from tui.find import code_in, matches
from tui.sandbox import green as green_sandbox
from tui.sandbox import meta as meta_sandbox
from tui.services import build_codes_provider, build_green_client

def no_secret(*texts: str) -> None:
    for text in texts:
        for secret in (meta_sandbox.TOKEN, green_sandbox.TOKEN, "sandbox-cams-secret"):
            assert secret not in text


# -- list, find -----------------------------------------------------------------------------


def test_list_first_page_as_tsv_json_and_csv(waqr: Run, box: CountingSandbox) -> None:
    code, out, err = waqr("codes", "list")
    rows = [line.split("\t") for line in out.splitlines()]
    assert code == 0 and err == "" and len(rows) == 25 and all(len(r) == 3 for r in rows)
    assert all(r[2] == f"https://wa.me/message/{r[0]}" for r in rows)
    code, out, _ = waqr("codes", "list", "--json")
    items = json.loads(out)
    assert code == 0 and len(items) == 25
    assert all(list(item) == ["code", "prefilled_message", "deep_link_url"] for item in items)
    code, out, _ = waqr("codes", "list", "--csv")
    assert out.splitlines()[0] == "code,prefilled_message,deep_link_url" and len(out.splitlines()) == 26


def test_list_all_follows_cursors_one_request_per_page(waqr: Run, box: CountingSandbox) -> None:
    before = box.requests("/message_qrdls")
    code, out, _ = waqr("codes", "list", "--all", "--json")
    items = json.loads(out)
    assert code == 0 and len(items) == 60 and len({i["code"] for i in items}) == 60
    assert box.requests("/message_qrdls") - before == 3  # 25 + 25 + 10


def test_find_by_code_in_any_case_by_link_and_by_words(waqr: Run, box: CountingSandbox) -> None:
    newest = box.meta.newest_first()
    old = newest[40]  # not on the first page
    for query in (old.code.lower(), f"https://wa.me/message/{old.code}", f"see wa.me/message/{old.code} please"):
        code, out, _ = waqr("codes", "list", "--find", query, "--json")
        assert code == 0 and [i["code"] for i in json.loads(out)] == [old.code]
    words = "CYBER deals"
    expected = [c.code for c in newest if all(w in c.message.lower() for w in ("cyber", "deals"))]
    code, out, _ = waqr("codes", "list", "--all", "--find", words, "--json")
    assert code == 0 and expected and [i["code"] for i in json.loads(out)] == expected
    code, out, _ = waqr("codes", "list", "--find", "deals cyber monday", "--json")
    assert all("Cyber Monday" in i["prefilled_message"] for i in json.loads(out))


def test_find_rules() -> None:
    class Item:
        code = "2DTW22BXMZZNA1"
        prefilled_message = "Show me Cyber Monday deals!"

    assert code_in("https://wa.me/message/2DTW22BXMZZNA1?src=qr") == "2DTW22BXMZZNA1"
    assert code_in("2dtw22bxmzzna1") == "2dtw22bxmzzna1" and code_in("deals") is None
    assert matches(Item(), "2dtw22bxmzzna1") and matches(Item(), "22bxmz") and matches(Item(), "monday SHOW")
    assert not matches(Item(), "monday tuesday") and not matches(Item(), "https://wa.me/message/OTHER1")


def test_outside_text_is_shown_plain_and_kept_exact_in_json(waqr: Run, box: CountingSandbox) -> None:
    made = box.meta.add_code(HOSTILE)
    code, out, _ = waqr("codes", "list")
    first = out.splitlines()[0]
    assert first.startswith(made.code) and "Use code [/SALE] ␛]52;c;cm0gLXJmIH4=␇ now<U+202E>" in first
    assert "\x1b" not in out and "\u202e" not in out
    code, out, _ = waqr("codes", "get", made.code, "--json")
    assert "\x1b" not in out and "\\u001b]52" in out and "\\u202e" in out
    assert json.loads(out)["prefilled_message"] == HOSTILE


async def test_table_at_a_terminal_fits_the_width(settings, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import os

    monkeypatch.setattr("shutil.get_terminal_size", lambda: os.terminal_size((70, 24)))
    out, err = Tty(), Tty()
    provider = build_codes_provider(settings)
    try:
        assert await list_codes(provider, Console(out, err), fmt="table") == 0
    finally:
        await provider.aclose()
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["CODE", "MESSAGE", "LINK"] and len(lines) == 26
    assert all(len(line) <= 70 for line in lines) and "…" in out.getvalue()
    assert "--all lists every code" in err.getvalue()


# -- get, create, edit ------------------------------------------------------------------------


def test_get_known_and_unknown(waqr: Run, box: CountingSandbox) -> None:
    known = box.meta.newest_first()[3]
    code, out, _ = waqr("codes", "get", known.code, "--json")
    assert code == 0 and json.loads(out) == {"code": known.code, "prefilled_message": known.message,
                                             "deep_link_url": f"https://wa.me/message/{known.code}"}
    code, out, _ = waqr("codes", "get", known.code)
    assert out == f"{known.code}\t{known.message}\thttps://wa.me/message/{known.code}\n"
    code, out, err = waqr("codes", "get", "NOSUCHCODE41")
    assert code == 4 and out == "" and "no code 'NOSUCHCODE41'" in one_line(err)


def test_create_and_edit_on_meta(waqr: Run, box: CountingSandbox) -> None:
    code, out, _ = waqr("codes", "create", "Hello from a script", "--json")
    created = json.loads(out)
    assert code == 0 and list(created) == ["code", "prefilled_message", "deep_link_url"]
    assert box.meta.codes[created["code"]].message == "Hello from a script"
    code, out, _ = waqr("codes", "create", "With an image", "--image", "svg", "--json")
    image = httpx.get(json.loads(out)["qr_image_url"])  # the URL does not say the format; the answer does
    assert code == 0 and image.headers["content-type"] == "image/svg+xml" and b"<svg" in image.content
    code, out, err = waqr("codes", "edit", created["code"], "Edited [/b] text", "--json")
    assert code == 0 and json.loads(out)["code"] == created["code"] and err == ""
    assert box.meta.codes[created["code"]].message == "Edited [/b] text"
    code, _, err = waqr("codes", "create", "x" * 141)
    assert code == 2 and "141 characters; at most 140" in one_line(err)
    code, _, err = waqr("codes", "edit", "NOSUCHCODE41", "x")
    assert code == 4 and "NOSUCHCODE41" in one_line(err)


def test_edit_on_cams_prints_the_new_code_and_warns(waqr: Run, box: CountingSandbox) -> None:
    old = next(iter(box.cams.codes))
    code, out, err = waqr("codes", "edit", old, "New words", "--json", "--set", "ui.provider=alibaba")
    new = json.loads(out)["code"]
    assert code == 0 and new != old and new in box.cams.codes and old not in box.cams.codes
    line = one_line(err)
    assert f"new value: {new}" in line and f"The old code {old} stops working" in line


# -- delete -----------------------------------------------------------------------------------


def test_delete_needs_yes_without_a_terminal(waqr: Run, box: CountingSandbox) -> None:
    a, b = (c.code for c in box.meta.newest_first()[:2])
    code, out, err = waqr("codes", "delete", a)
    assert code == 2 and "--yes" in one_line(err) and a in box.meta.codes
    code, out, err = waqr("codes", "delete", a, b, "--yes")
    assert code == 0 and out == f"deleted\t{a}\ndeleted\t{b}\n" and a not in box.meta.codes
    code, out, err = waqr("codes", "delete", a, "--yes")
    assert code == 4 and "no code" in one_line(err)


async def test_delete_asks_at_a_terminal(settings) -> None:  # type: ignore[no-untyped-def]
    provider = build_codes_provider(settings)
    try:
        page = await provider.list_page()
        first, second = page.items[0].code, page.items[1].code
        err = Tty()
        said_no = Console(Tty(), err, stdin=Tty("n\n"))
        assert await delete_codes(provider, said_no, [first]) == 2
        assert "Delete this code" in err.getvalue() and "Printed copies stop working" in err.getvalue()
        assert await provider.get(first) is not None
        said_yes = Console(Tty(), Tty(), stdin=Tty("y\n"))
        assert await delete_codes(provider, said_yes, [first, second]) == 0
        assert await provider.get(first) is None and await provider.get(second) is None
    finally:
        await provider.aclose()


# -- errors -----------------------------------------------------------------------------------


def test_refused_credentials_are_one_line_naming_the_setting(waqr: Run) -> None:
    code, out, err = waqr("codes", "list", "--set", "meta.access_token=wrong-token-123")
    line = one_line(err)
    assert code == 1 and "meta.access_token (WAQR_META__ACCESS_TOKEN)" in line and "wrong-token-123" not in err
    no_secret(out, err)


def test_an_unreachable_service_names_its_address_setting(waqr: Run) -> None:
    code, out, err = waqr("codes", "list", "--set", "meta.base_url=http://127.0.0.1:9")
    line = one_line(err)
    assert code == 1 and "cannot connect to 127.0.0.1" in line and "meta.base_url, WAQR_META__BASE_URL" in line


def test_services_choose_the_provider_and_the_instance(settings) -> None:  # type: ignore[no-untyped-def]
    from tui.config import ConfigError, InstanceSettings
    from tui.services import codes_provider_name, find_instance

    assert codes_provider_name(settings) == "meta" and codes_provider_name(settings, "alibaba") == "alibaba"
    only_cams = load_settings(overrides={"alibaba.access_key_id": "k", "alibaba.access_key_secret": "s",
                                         "alibaba.phone_number": "1"})
    assert codes_provider_name(only_cams) == "alibaba"
    with pytest.raises(ConfigError, match="Alibaba CAMS needs alibaba.access_key_id"):
        build_codes_provider(load_settings(), "alibaba")
    shops = [InstanceSettings(id_instance=i, api_token_instance="t", name=n)
             for i, n in (("1101", "Shop"), ("1102", "shop"), ("1103", "Depot"))]
    assert find_instance(shops, "1102").name == "shop" and find_instance(shops, "depot").id_instance == "1103"
    with pytest.raises(ConfigError, match="2 instances are named 'SHOP': give the id"):
        find_instance(shops, "SHOP")
    with pytest.raises(ConfigError, match="known instances: Shop, shop, Depot"):
        find_instance(shops, "nobody")


def test_http_status_is_said_once() -> None:
    error = RateLimitError("Green API", "Too Many Requests (HTTP 429)", status=429, hint="waqr slows down.")
    assert error_line(error) == "Green API: Too Many Requests (HTTP 429). waqr slows down."


def test_profile_and_demo_work_on_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str], box: CountingSandbox) -> None:
    s = box.settings()
    config = tmp_path / "config.toml"
    config.write_text(f'[meta]\nphone_number_id = "1"\naccess_token = "nope"\n\n[profiles.sandbox.meta]\n'
                      f'base_url = "{s["meta.base_url"]}"\nphone_number_id = "{s["meta.phone_number_id"]}"\n'
                      f'access_token = "{s["meta.access_token"]}"\n')
    assert main(["codes", "list", "--config", str(config), "--profile", "sandbox", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 25
    assert main(["codes", "list", "--json", "--demo"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 25
    assert main(["--demo", "instances", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["id"] == green_sandbox.ID_INSTANCE


# -- instances, pairing -----------------------------------------------------------------------


def test_instances_json_attention_and_a_refused_token(waqr: Run, box: CountingSandbox, tmp_path: Path) -> None:
    code, out, err = waqr("instances", "--json")
    assert code == 0 and json.loads(out) == [{"id": green_sandbox.ID_INSTANCE, "name": "", "state": "notAuthorized",
                                              "phone": ""}]
    box.green.scan()
    code, out, _ = waqr("instances", "--json")
    assert json.loads(out)[0]["state"] == "authorized" and json.loads(out)[0]["phone"] == "79001234567"
    code, out, _ = waqr("instances", "--attention", "--json")
    assert code == 0 and json.loads(out) == []
    config = tmp_path / "c.toml"
    config.write_text(f'[[green.instances]]\nname = "Shop north"\nid_instance = "{green_sandbox.ID_INSTANCE}"\n'
                      'api_token_instance = "wrong-token-abc"\n')
    code, out, err = waqr("instances", "--config", str(config), "--set", "green.id_instance=7105000009",
                          "--attention")
    assert code == 1 and out.split("\t")[:3] == ["7105000009", "", "unknown"]
    assert "instance 7105000009: Green API: wrong instance or host" in err
    assert "wrong-token-abc" not in out + err
    no_secret(out, err)


def test_pairing_code_printed_then_linked(waqr: Run, box: CountingSandbox) -> None:
    threading.Timer(1.0, box.green.scan).start()
    code, out, err = waqr("link", "--pairing", "+79001234567")
    assert code == 0 and len(out.strip()) == 8 and out.strip().isalnum()
    code, out, err = waqr("link", "--pairing", "0049123")
    assert code == 2 and "without 00" in one_line(err)
    code, out, err = waqr("link", "--pairing", "1234567890123456789")
    assert code == 2 and "7 to 15 digits" in one_line(err)


async def test_pairing_code_expires(settings) -> None:  # type: ignore[no-untyped-def]
    from tui.commands import CommandError

    client = build_green_client(settings)
    out = io.StringIO()
    try:
        with pytest.raises(CommandError) as info:
            await asyncio.wait_for(pair(client, Console(out, io.StringIO()), "79001234567", lifetime=2.5,
                                        interval=1.0), 10)
    finally:
        await client.aclose()
    assert info.value.code == FAILED and "expired" in str(info.value) and len(out.getvalue().strip()) == 8


def test_link_plain_with_a_named_instance(waqr: Run, box: CountingSandbox, tmp_path: Path) -> None:
    s = box.settings()
    config = tmp_path / "c.toml"
    config.write_text(f'[[green.instances]]\nname = "Shop north"\nid_instance = "{s["green.id_instance"]}"\n'
                      f'api_token_instance = "{s["green.api_token_instance"]}"\n')
    threading.Timer(2.0, box.green.scan).start()
    code, out, err = waqr("link", "--plain", "--config", str(config), "--set", "green.id_instance=7105000009",
                          "--instance", "shop NORTH")
    assert code == 0 and "linked to +79001234567" in out, (code, out, err)
    code, out, err = waqr("link", "--plain", "--instance", "nobody")
    assert code == 2 and "no Green API instance 'nobody'" in one_line(err)
    load_settings()  # the environment is still a valid one
